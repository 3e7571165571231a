/* Per-antenna state: totals since start, 60 s window buckets, last-seen time and the
 * estimated report interval (for the offline rule), and sequence tracking per run
 * (gaps = detected loss, repeats = duplicates), in an open-addressing hash table.
 * Sequence tracking is exact at any distance: it keeps the ranges of numbers never seen
 * below the newest, so its memory follows the gaps outstanding, not how late a report is. */
#ifndef ANALYTICS_ANTENNA_TABLE_H
#define ANALYTICS_ANTENNA_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bucket_ring.h"
#include "tw_report.h"
#include "tw_sketch.h"
#include "tw_wire.h"

#define ANTENNA_SLOT_WIDTH_S 60
#define ANTENNA_SLOT_COUNT 16 /* 15 minutes and the current one */
/* Missing ranges remembered per antenna. One range is one outstanding loss or re-delivery
 * (a reply cut mid-way, a re-sent window), filled when XAUTOCLAIM or the re-send brings it
 * back; 32 covers one such event every 2 s over a 60 s claim cycle, costs at most 512 bytes
 * beside the antenna's ~2 KiB, and holds any 64-bit history of the older encoding (at
 * most 32 unseen runs) without forgetting. Beyond it the oldest range is forgotten. */
#define ANTENNA_SEQ_GAP_RANGES 32

/* Sequence numbers lo..hi (inclusive) of the tracked run never seen. */
typedef struct {
    uint64_t lo; /* first missing */
    uint64_t hi; /* last missing */
} antenna_seq_gap;

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
    uint64_t forgotten_below;           /* seqs <= this can no longer be told apart (0: none) */
    antenna_seq_gap *gaps;              /* missing ranges in (forgotten_below, max_seq),
                                           ascending and disjoint; owned, NULL without gaps */
    uint32_t gap_count;                 /* ranges in gaps */
    uint32_t gap_cap;                   /* allocated entries in gaps */
    uint64_t seq_gaps;                  /* sequence numbers never seen (detected loss) */
    uint64_t seq_untracked;             /* reports at or below forgotten_below, counted unchecked */
    uint64_t duplicates;                /* repeated (run, seq) skipped */
    bool dirty;                         /* changed since the last checkpoint */
    uint64_t changed_version;           /* the state's version when a report last changed it
                                           (0: not since it was restored) */
} antenna_state;

typedef struct {
    antenna_state **items; /* antennas in insertion order, owned */
    size_t count;          /* antennas */
    size_t items_cap;      /* allocated entries in items */
    uint32_t *slots;       /* hash slots: index+1 into items, 0 = empty */
    size_t slot_count;     /* power of two */
} antenna_table;

/* Starts an empty table. */
void antenna_table_init(antenna_table *table);
/* Frees every antenna. */
void antenna_table_free(antenna_table *table);
/* Finds an antenna by id, or NULL. */
antenna_state *antenna_table_find(const antenna_table *table, const char *id);
/* Finds or creates an antenna. */
antenna_state *antenna_table_get(antenna_table *table, const char *id);
/* Sequence check for a report: false when (run, seq) was already applied (a duplicate,
 * which the caller must skip); updates gaps otherwise. Reports without seq pass, and so do
 * those at or below forgotten_below (counted in seq_untracked). */
bool antenna_accept_seq(antenna_state *antenna, const tw_report *report);
/* Applies a valid report (latency_key from tw_sketch_key) to the antenna's totals, windows and
 * liveness. */
void antenna_apply(antenna_state *antenna, const tw_report *report, int32_t latency_key,
                   int64_t now_s);
/* Merges src (another replica's view of the same antenna) into dst: totals, sketches and
 * windows add up; liveness comes from the newer report; for one run the sequence numbers
 * seen are united, so a (run, seq) applied by either is a duplicate for both, and one
 * neither applied is still a gap, accepted when it comes. */
void antenna_merge(antenna_state *dst, const antenna_state *src);
/* Appends the antenna's whole state in binary form, tagged with its encoding version. */
void antenna_write(const antenna_state *antenna, tw_wire_writer *out);
/* Restores an antenna written by antenna_write, or by the unversioned encoding before it,
 * into the table; TW_OK, or TW_INVALID for a truncated blob or an inconsistent range list. */
int antenna_read(antenna_table *table, tw_wire_reader *in);

#endif
