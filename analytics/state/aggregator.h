/* The aggregate state and everything that changes it: applying entries (totals, global
 * per-second windows, antennas, malformed counts by reason, duplicates) and the dirty
 * flags a checkpoint saves by. It knows nothing of either broker: what a broker owes for
 * an entry lives in that broker's path. One mutex guards it: the thread that applies
 * holds it per batch, HTTP handlers hold it to read. */
#ifndef ANALYTICS_AGGREGATOR_H
#define ANALYTICS_AGGREGATOR_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "antenna_table.h"
#include "bucket_ring.h"
#include "entry.h"
#include "tw_report.h"
#include "tw_sketch.h"

#define GLOBAL_WINDOW_BUCKETS 901 /* 900 s of 1 s buckets plus the current second */

typedef struct {
    pthread_mutex_t lock;                          /* guards everything below (first member:
                                                      aggregator_swap_state relies on it) */
    size_t max_antennas;                           /* most antennas tracked, 0 = no cap; a
                                                      setting, kept by reset and swap */
    uint64_t records;                              /* valid records applied since start */
    uint64_t packets;                              /* sum of packets */
    uint64_t loss;                                 /* sum of loss */
    tw_sketch latency;                             /* all records' latency */
    uint64_t malformed[TW_MALFORMED_REASON_COUNT]; /* malformed records by reason */
    uint64_t duplicates;                           /* repeated (antenna, run, seq) skipped */
    uint64_t deleted;                              /* pending entries trimmed before reading */
    uint64_t ignored_optional;                     /* invalid optional fields dropped */
    bucket_ring seconds;                           /* global 1 s buckets */
    antenna_table antennas;                        /* per-antenna state */
    int64_t started_at_us;                         /* first start of this consumer's state */
    int64_t updated_at_us;                         /* last time an entry was applied */
    bool meta_dirty;                               /* totals changed */
    uint64_t instance;                             /* identity of this state in memory: a new
                                                      one whenever it is replaced or merged */
    uint64_t version;                              /* raised by every applied report */
    uint64_t untracked;                            /* reports of antennas beyond max_antennas:
                                                      in the totals, in no antenna's row */
} aggregator;

/* Starts an empty state that tracks at most max_antennas antennas (0: no cap). */
void aggregator_init(aggregator *agg, size_t max_antennas);
/* Empties the state (as aggregator_init leaves it) without touching its lock, which the
 * caller holds. */
void aggregator_reset(aggregator *agg);
/* Frees the state. */
void aggregator_free(aggregator *agg);
/* Applies one entry's effect at wall time now_us (the caller holds agg->lock): a valid
 * report's totals, windows and antenna (a repeated (antenna, run, seq) only counts as a
 * duplicate), a malformed entry's reason, a trimmed one's count. What a broker owes for
 * it (acknowledgements, dead letters) is the broker path's business. */
void aggregator_apply(aggregator *agg, const analytics_entry *entry, int64_t now_us);
/* Exchanges the whole state of a and b (everything but their locks; the caller holds
 * whatever locks it needs): a reloaded state takes the place of the one in memory. */
void aggregator_swap_state(aggregator *a, aggregator *b);
/* Gives the state a new instance: a reader of versions must start over (after a merge
 * changed antennas without raising their versions one by one). */
void aggregator_new_instance(aggregator *agg);
/* Malformed records since start, all reasons. */
uint64_t aggregator_malformed_total(const aggregator *agg);
/* Sum of sequence gaps over antennas. */
uint64_t aggregator_seq_gaps(const aggregator *agg);
/* Reports counted without a sequence check (too old to tell), summed over antennas. */
uint64_t aggregator_seq_untracked(const aggregator *agg);

#endif
