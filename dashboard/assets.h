/* The page's files (dashboard/static), embedded into the binary at build time so the
 * dashboard is one self-contained file: nothing to install beside it, no CDN. */
#ifndef DASH_ASSETS_H
#define DASH_ASSETS_H

#include <stddef.h>

typedef struct {
    const char *path;         /* URL path, e.g. "/static/app.js" */
    const char *content_type; /* MIME type */
    const char *data;         /* bytes */
    size_t len;               /* byte count */
} dash_asset;

/* Fills out with the asset served at path (exact match only); 1 if found, else 0. */
int dash_asset_find(const char *path, dash_asset *out);

#endif
