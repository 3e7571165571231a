/* The antenna rows merged over every replica for one window, kept up to date row by row:
 * when a replica's document changes some rows, only those ids are merged again (counts
 * summed, latency sketches merged and reduced to the contract's figures, the newest
 * last_seen bringing its interval). Cost follows what changed, not how many antennas
 * exist. Rows are never removed: one that no replica holds any more is marked absent. */
#ifndef DASH_MERGED_H
#define DASH_MERGED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "id_index.h"
#include "mirror.h"
#include "tw_api.h"

typedef struct {
    char antenna_id[TW_ANTENNA_ID_MAX_LEN + 1]; /* id */
    int64_t last_seen;                          /* newest record over replicas (Unix s) */
    double interval_s;                          /* from the replica with the newest record */
    uint64_t records;                           /* summed */
    uint64_t packets;                           /* summed */
    uint64_t loss;                              /* summed */
    tw_latency_figures latency;                 /* of the merged sketches */
    const char *status;                         /* set when a snapshot is built */
    bool present;                               /* some replica holds it */
} dash_row;

typedef struct {
    dash_row *rows;      /* owned; positions are stable */
    size_t count;        /* rows used */
    size_t cap;          /* rows allocated */
    dash_id_index index; /* id -> position */
    size_t present;      /* rows present */
    uint32_t *by_id;     /* positions in id order; owned; sorted again only when rows
                            were added since (new antennas are rare once running) */
    size_t sorted;       /* rows by_id holds */
} dash_merged;

/* Starts an empty table. */
void dash_merged_init(dash_merged *merged);
/* Frees it. */
void dash_merged_free(dash_merged *merged);
/* Merges id again over the n mirrors (unsynced ones hold nothing). */
void dash_merged_update(dash_merged *merged, const char *id, const dash_mirror *const *mirrors,
                        size_t n);
/* Every row's position in id order (merged->count of them). */
const uint32_t *dash_merged_by_id(dash_merged *merged);

#endif
