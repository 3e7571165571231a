/* The control page's files (index.html, app.js, style.css), embedded in the binary. */
#ifndef RG_PAGE_H
#define RG_PAGE_H

#include <stddef.h>

typedef struct {
    const char *path;         /* URL path, e.g. "/app.js" */
    const char *content_type; /* MIME type */
    const char *data;         /* file bytes */
    size_t len;               /* byte count */
} rg_page_file;

/* Fills out with the embedded file served at path; returns 1, or 0 when there is none. */
int rg_page_find(const char *path, rg_page_file *out);

#endif
