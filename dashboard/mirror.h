/* What the dashboard holds of one analytics replica for one window: the header and the
 * antenna rows of its last exchange documents (common/contract/tw_exchange.h), kept up to
 * date by applying each new document: a full one replaces everything, a delta replaces
 * the rows it carries. A document is checked whole before anything changes, so a cut or
 * malformed one leaves the mirror as it was. */
#ifndef DASH_MIRROR_H
#define DASH_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "id_index.h"
#include "tw_exchange.h"

/* Antenna ids, appended by whoever learns that their rows changed. */
typedef struct {
    char (*ids)[TW_ANTENNA_ID_MAX_LEN + 1]; /* owned */
    size_t count;                           /* ids held */
    size_t cap;                             /* ids allocated */
} dash_id_list;

typedef struct {
    bool synced;               /* holds a complete document (header and rows) */
    tw_exchange_header header; /* the last document's header (its sketch owned) */
    tw_exchange_row *rows;     /* rows, in arrival order; owned with their sketches */
    size_t count;              /* rows held */
    size_t cap;                /* rows allocated */
    dash_id_index index;       /* id -> row */
    uint64_t bytes;            /* document bytes applied since start */
} dash_mirror;

/* Starts an empty (unsynced) mirror. */
void dash_mirror_init(dash_mirror *mirror);
/* Frees everything. */
void dash_mirror_free(dash_mirror *mirror);
/* Empties the mirror (the next request asks for a full document), listing its ids. */
void dash_mirror_reset(dash_mirror *mirror, dash_id_list *changed);
/* The row of id, or NULL. */
const tw_exchange_row *dash_mirror_find(const dash_mirror *mirror, const char *id);
/* The query arguments that ask the replica only for what changed ("since=..&instance=..
 * &at=.."), or "" before the first document. */
void dash_mirror_query(const dash_mirror *mirror, char *out, size_t out_size);
/* Applies a document for window_s: TW_OK with the ids whose rows changed (or vanished)
 * appended to changed and *full telling which kind it was; TW_INVALID (mirror unchanged)
 * for a malformed or cut document or one for another window. */
int dash_mirror_apply(dash_mirror *mirror, int64_t window_s, const void *doc, size_t len,
                      dash_id_list *changed, bool *full);

/* Starts an empty list. */
void dash_id_list_init(dash_id_list *list);
/* Frees it. */
void dash_id_list_free(dash_id_list *list);
/* Appends id (at most TW_ANTENNA_ID_MAX_LEN bytes). */
void dash_id_list_add(dash_id_list *list, const char *id);

#endif
