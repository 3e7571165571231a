/* Applying entries to the aggregate state. */
#include "aggregator.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "tw_alloc.h"
#include "tw_log.h"
#include "tw_status.h"
#include "tw_time.h"

/* The state is every byte after the lock and the settings. */
_Static_assert(offsetof(aggregator, lock) == 0, "the lock must come first");
_Static_assert(offsetof(aggregator, max_antennas) < offsetof(aggregator, records),
               "settings come before the state");
#define STATE_OFFSET offsetof(aggregator, records)

/* A random identity in 1..INT64_MAX (it travels in query strings as a signed integer),
 * so that a reader never mistakes one state in memory for another. */
static uint64_t random_instance(void)
{
    uint64_t value = 0;
    if (getrandom(&value, sizeof value, 0) != (ssize_t)sizeof value)
        value = (uint64_t)tw_wall_us() ^ (uint64_t)tw_mono_us() << 20;
    value &= (uint64_t)INT64_MAX;
    return value ? value : 1;
}

/* Everything but the lock, as a new state starts: empty, started now, totals to save. */
static void start_empty(aggregator *agg)
{
    memset((unsigned char *)agg + STATE_OFFSET, 0, sizeof *agg - STATE_OFFSET);
    tw_sketch_init(&agg->latency);
    agg->started_at_us = tw_wall_us();
    agg->updated_at_us = agg->started_at_us;
    agg->meta_dirty = true;
    agg->instance = random_instance();
    bucket_ring_init(&agg->seconds, 1, GLOBAL_WINDOW_BUCKETS);
    antenna_table_init(&agg->antennas);
}

void aggregator_init(aggregator *agg, size_t max_antennas)
{
    pthread_mutex_init(&agg->lock, NULL);
    agg->max_antennas = max_antennas;
    start_empty(agg);
}

void aggregator_new_instance(aggregator *agg)
{
    agg->instance = random_instance();
}

void aggregator_reset(aggregator *agg)
{
    tw_sketch_free(&agg->latency);
    bucket_ring_free(&agg->seconds);
    antenna_table_free(&agg->antennas);
    start_empty(agg);
}

void aggregator_free(aggregator *agg)
{
    tw_sketch_free(&agg->latency);
    bucket_ring_free(&agg->seconds);
    antenna_table_free(&agg->antennas);
    pthread_mutex_destroy(&agg->lock);
}

void aggregator_swap_state(aggregator *a, aggregator *b)
{
    unsigned char held[sizeof *a - STATE_OFFSET];
    memcpy(held, (unsigned char *)a + STATE_OFFSET, sizeof held);
    memcpy((unsigned char *)a + STATE_OFFSET, (unsigned char *)b + STATE_OFFSET, sizeof held);
    memcpy((unsigned char *)b + STATE_OFFSET, held, sizeof held);
}

/* The report's antenna, created if the cap allows; NULL when it is full (logged once). */
static antenna_state *tracked_antenna(aggregator *agg, const char *id)
{
    antenna_state *antenna = antenna_table_find(&agg->antennas, id);
    if (antenna || !agg->max_antennas || agg->antennas.count < agg->max_antennas)
        return antenna ? antenna : antenna_table_get(&agg->antennas, id);
    if (!agg->untracked)
        tw_log_warn("antenna cap reached: reports of further antennas count in the totals "
                    "only",
                    TW_INT("max_antennas", (int64_t)agg->max_antennas),
                    TW_STR("first_untracked", id));
    return NULL;
}

/* Adds a valid report to the totals and the global windows. */
static void add_to_totals(aggregator *agg, const tw_report *report, int64_t now_s, int32_t key)
{
    agg->records++;
    agg->packets += report->packets;
    agg->loss += report->loss;
    tw_sketch_add_keyed(&agg->latency, report->latency_ms, key);
    bucket_ring_add(&agg->seconds, report->timestamp, now_s, report->packets, report->loss,
                    report->latency_ms, key);
}

static void apply_report(aggregator *agg, const tw_report *report, int64_t now_s)
{
    antenna_state *antenna = tracked_antenna(agg, report->antenna_id);
    if (!antenna) {
        agg->untracked++;
        agg->version++;
        add_to_totals(agg, report, now_s, tw_sketch_key(report->latency_ms));
        return;
    }
    if (!antenna_accept_seq(antenna, report)) {
        antenna->duplicates++;
        antenna->dirty = true;
        agg->duplicates++;
        return;
    }
    int32_t key = tw_sketch_key(report->latency_ms); /* one log() for all four sketches */
    antenna_apply(antenna, report, key, now_s);
    antenna->changed_version = ++agg->version;
    add_to_totals(agg, report, now_s, key);
}

void aggregator_apply(aggregator *agg, const analytics_entry *entry, int64_t now_us)
{
    agg->meta_dirty = true;
    agg->updated_at_us = now_us;
    if (entry->deleted)
        agg->deleted++;
    else if (entry->malformed != TW_MALFORMED_NONE)
        agg->malformed[entry->malformed]++;
    else
        apply_report(agg, &entry->report, now_us / TW_US_PER_S);
}

uint64_t aggregator_malformed_total(const aggregator *agg)
{
    uint64_t total = 0;
    for (int i = 0; i < TW_MALFORMED_REASON_COUNT; i++)
        total += agg->malformed[i];
    return total;
}

uint64_t aggregator_seq_gaps(const aggregator *agg)
{
    uint64_t gaps = 0;
    for (size_t i = 0; i < agg->antennas.count; i++)
        gaps += agg->antennas.items[i]->seq_gaps;
    return gaps;
}

uint64_t aggregator_seq_untracked(const aggregator *agg)
{
    uint64_t untracked = 0;
    for (size_t i = 0; i < agg->antennas.count; i++)
        untracked += agg->antennas.items[i]->seq_untracked;
    return untracked;
}
