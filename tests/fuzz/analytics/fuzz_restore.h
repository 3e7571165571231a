/* What the two checkpoint harnesses check on a state they restored: it snapshots and
 * restores to itself (decode after encode is identity), and everything a request or a
 * scrape computes from it (statuses, window sums, quantiles) and the next record applied
 * to each antenna run without fault, whatever times and counts the checkpoint carried. */
#ifndef FUZZ_RESTORE_H
#define FUZZ_RESTORE_H

#include <string.h>

#include "aggregator.h"
#include "aggregator_merge.h"
#include "tw_api.h"
#include "tw_fuzz.h"
#include "tw_status.h"
#include "tw_time.h"

#define FUZZ_NOW_S INT64_C(1700000000)

static inline void fuzz_check_snapshot_identity(const aggregator *agg)
{
    tw_buf first, again;
    tw_buf_init(&first);
    tw_buf_init(&again);
    aggregator_snapshot_write(agg, &first);
    aggregator restored;
    aggregator_init(&restored, 0);
    TW_FUZZ_CHECK(aggregator_snapshot_read(&restored, first.data, first.len) == TW_OK);
    aggregator_snapshot_write(&restored, &again);
    TW_FUZZ_CHECK(first.len == again.len && memcmp(first.data, again.data, first.len) == 0);
    aggregator_free(&restored);
    tw_buf_free(&first);
    tw_buf_free(&again);
}

static inline void fuzz_sum_windows(const bucket_ring *ring, int64_t now_s)
{
    static const int64_t windows[] = {60, 300, 900};
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        window_totals totals = {0};
        tw_sketch_init(&totals.latency);
        bucket_ring_sum(ring, now_s, windows[w], &totals);
        (void)tw_sketch_quantile(&totals.latency, 0.99);
        tw_sketch_free(&totals.latency);
    }
}

/* Reads the restored state as the API would, then applies one record per antenna. */
static inline void fuzz_use_restored(aggregator *agg)
{
    fuzz_sum_windows(&agg->seconds, FUZZ_NOW_S);
    (void)tw_sketch_quantile(&agg->latency, 0.5);
    for (size_t i = 0; i < agg->antennas.count; i++) {
        const antenna_state *a = agg->antennas.items[i];
        (void)tw_antenna_status(FUZZ_NOW_S, a->last_seen, a->interval_s, a->packets, a->loss);
        fuzz_sum_windows(&a->slots, FUZZ_NOW_S);
    }
    size_t count = agg->antennas.count;
    for (size_t i = 0; i < count; i++) {
        analytics_entry entry = {.malformed = TW_MALFORMED_NONE};
        tw_report *r = &entry.report;
        memcpy(r->antenna_id, agg->antennas.items[i]->id, sizeof r->antenna_id);
        memcpy(r->run, agg->antennas.items[i]->run, sizeof r->run);
        r->timestamp = FUZZ_NOW_S;
        r->packets = 10;
        r->loss = 1;
        r->latency_ms = 12.5;
        r->seq = agg->antennas.items[i]->max_seq + 1;
        aggregator_apply(agg, &entry, FUZZ_NOW_S * TW_US_PER_S);
    }
}

#endif
