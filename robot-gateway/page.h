/* The control page's files (index.html, app.js, style.css, and the dashboard's stylesheet
 * as its theme), embedded into the binary at build time (tw_embed). */
#ifndef RG_PAGE_H
#define RG_PAGE_H

#include "tw_embed.h"

/* Fills out with the embedded file served at path (exact match only); 1 if found, else 0. */
int rg_page_find(const char *path, tw_embedded_file *out);

#endif
