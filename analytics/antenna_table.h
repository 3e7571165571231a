/* Per-antenna state: totals since start, 60 s window buckets, last-seen time and the
 * estimated report interval (for the offline rule), and sequence tracking per run
 * (gaps = detected loss, repeats = duplicates), in an open-addressing hash table. */
#ifndef ANTENNA_TABLE_H
#define ANTENNA_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bucket_ring.h"
#include "tw_report.h"
#include "tw_sketch.h"
#include "tw_wire.h"

#define ANTENNA_SLOT_WIDTH_S 60
#define ANTENNA_SLOT_COUNT 16 /* 15 minutes and the current one */
#define ANTENNA_SEQ_HISTORY 64 /* sequence numbers below the newest that are remembered */

typedef struct {
    char id[TW_ANTENNA_ID_MAX_LEN + 1]; /* antenna id */
    int64_t last_seen;                  /* newest record timestamp (Unix s) */
    double interval_s;                  /* estimated report interval */
    uint64_t records;                   /* since start */
    uint64_t packets;                   /* since start */
    uint64_t loss;                      /* since start */
    tw_sketch latency;                  /* since start */
    bucket_ring slots;                  /* 60 s buckets for windows */
    char run[TW_RUN_ID_MAX_LEN + 1];    /* run whose sequence is tracked */
    uint64_t max_seq;                   /* highest seq seen in that run */
    uint64_t seen_below;                /* bit i: seq max_seq-1-i was seen */
    uint64_t seq_gaps;                  /* sequence numbers never seen (detected loss) */
    uint64_t duplicates;                /* repeated (run, seq) skipped */
    bool dirty;                         /* changed since the last checkpoint */
} antenna_state;

typedef struct {
    antenna_state **items; /* antennas in insertion order, owned */
    size_t count;          /* antennas */
    size_t items_cap;      /* allocated entries in items */
    uint32_t *slots;       /* hash slots: index+1 into items, 0 = empty */
    size_t slot_count;     /* power of two */
} antenna_table;

/* Starts an empty table; TW_OK or TW_ERR. */
int antenna_table_init(antenna_table *table);
/* Frees every antenna. */
void antenna_table_free(antenna_table *table);
/* Finds an antenna by id, or NULL. */
antenna_state *antenna_table_find(const antenna_table *table, const char *id);
/* Finds or creates an antenna. */
antenna_state *antenna_table_get(antenna_table *table, const char *id);
/* Sequence check for a report: false when (run, seq) was already applied (a duplicate,
 * which the caller must skip); updates gaps otherwise. Reports without seq pass. */
bool antenna_accept_seq(antenna_state *antenna, const tw_report *report);
/* Applies a valid report (latency_key from tw_sketch_key) to the antenna's totals, windows and liveness. */
void antenna_apply(antenna_state *antenna, const tw_report *report, int32_t latency_key,
                   int64_t now_s);
/* Merges src (another replica's view of the same antenna) into dst: totals, sketches and
 * windows add up; liveness comes from the newer report; for one run the remembered
 * sequence numbers are united, so a (run, seq) applied by either is a duplicate for
 * both, and one neither applied is still accepted. */
void antenna_merge(antenna_state *dst, const antenna_state *src);
/* Appends the antenna's whole state in binary form. */
void antenna_write(const antenna_state *antenna, tw_wire_writer *out);
/* Restores an antenna written by antenna_write into the table; TW_OK or TW_INVALID. */
int antenna_read(antenna_table *table, tw_wire_reader *in);

#endif
