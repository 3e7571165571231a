/* The page's files (dashboard/static), embedded into the binary at build time (tw_embed)
 * so the dashboard is one self-contained file: nothing to install beside it, no CDN. */
#ifndef DASH_ASSETS_H
#define DASH_ASSETS_H

#include "tw_embed.h"

/* Fills out with the asset served at path (exact match only); 1 if found, else 0. */
int dash_asset_find(const char *path, tw_embedded_file *out);

#endif
