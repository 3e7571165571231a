/* Whole-state operations of the Kafka path: merging partition states into a replica's
 * view gives what one state fed every record would hold; a snapshot restores exactly;
 * a reset empties the state. */
#include <stdio.h>
#include <string.h>

#include "aggregator.h"
#include "aggregator_merge.h"
#include "report_fixture.h"
#include "tw_status.h"
#include "tw_test.h"
#include "tw_time.h"

#define RECORDS_PER_ANTENNA 50

static void apply_report(aggregator *agg, const char *id, uint64_t seq, int64_t now_s)
{
    analytics_entry entry;
    memset(&entry, 0, sizeof entry);
    entry.report = fixture_report_of((fixture_fields){.id = id,
                                                      .run = "run1",
                                                      .seq = seq,
                                                      .timestamp = now_s - (int64_t)(seq % 7),
                                                      .packets = 100 + seq,
                                                      .loss = seq % 5,
                                                      .latency_ms = 1.0 + (double)(seq % 13)});
    aggregator_apply(agg, &entry, now_s * 1000000);
}

static void apply_malformed(aggregator *agg, tw_malformed_reason reason, int64_t now_s)
{
    analytics_entry entry;
    memset(&entry, 0, sizeof entry);
    entry.malformed = reason;
    aggregator_apply(agg, &entry, now_s * 1000000);
}

/* Antennas a* go to one partition, b* to the other; `all` gets every record. */
static void feed(aggregator *part_a, aggregator *part_b, aggregator *all, int64_t now_s)
{
    const char *ids[] = {"a-1", "b-1", "a-2", "b-2", "b-3"};
    for (uint64_t seq = 1; seq <= RECORDS_PER_ANTENNA; seq++) {
        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
            apply_report(ids[i][0] == 'a' ? part_a : part_b, ids[i], seq, now_s);
            apply_report(all, ids[i], seq, now_s);
        }
    }
    apply_report(part_b, "b-1", 3, now_s); /* a duplicate, skipped in both */
    apply_report(all, "b-1", 3, now_s);
    apply_malformed(part_a, TW_MALFORMED_NEGATIVE, now_s);
    apply_malformed(all, TW_MALFORMED_NEGATIVE, now_s);
}

/* Two partition states and the one state fed every record of both, fed at now_s. */
typedef struct {
    int64_t now_s;
    aggregator part_a, part_b, all;
} fed_states;

static void fed_states_init(fed_states *f)
{
    f->now_s = tw_wall_us() / 1000000;
    aggregator_init(&f->part_a, 0);
    aggregator_init(&f->part_b, 0);
    aggregator_init(&f->all, 0);
    feed(&f->part_a, &f->part_b, &f->all, f->now_s);
}

static void fed_states_free(fed_states *f)
{
    aggregator_free(&f->part_a);
    aggregator_free(&f->part_b);
    aggregator_free(&f->all);
}

static void check_same(const aggregator *got, const aggregator *want, int64_t now_s)
{
    TW_CHECK_INT(got->records, want->records);
    TW_CHECK_INT(got->packets, want->packets);
    TW_CHECK_INT(got->loss, want->loss);
    TW_CHECK_INT(got->duplicates, want->duplicates);
    TW_CHECK_INT(got->malformed[TW_MALFORMED_NEGATIVE], want->malformed[TW_MALFORMED_NEGATIVE]);
    TW_CHECK_INT(got->latency.count, want->latency.count);
    TW_CHECK(tw_sketch_quantile(&got->latency, 0.95) == tw_sketch_quantile(&want->latency, 0.95));
    TW_CHECK_INT(got->antennas.count, want->antennas.count);
    int64_t windows[] = {60, 300};
    for (int w = 0; w < 2; w++) {
        window_totals a = {0}, b = {0};
        tw_sketch_init(&a.latency);
        tw_sketch_init(&b.latency);
        bucket_ring_sum(&got->seconds, now_s, windows[w], &a);
        bucket_ring_sum(&want->seconds, now_s, windows[w], &b);
        TW_CHECK_INT(a.records, b.records);
        TW_CHECK_INT(a.packets, b.packets);
        TW_CHECK_INT(a.loss, b.loss);
        tw_sketch_free(&a.latency);
        tw_sketch_free(&b.latency);
    }
    for (size_t i = 0; i < want->antennas.count; i++) {
        const antenna_state *w = want->antennas.items[i];
        const antenna_state *g = antenna_table_find(&got->antennas, w->id);
        TW_CHECK(g != NULL);
        if (!g)
            continue;
        TW_CHECK_INT(g->records, w->records);
        TW_CHECK_INT(g->packets, w->packets);
        TW_CHECK_INT(g->max_seq, w->max_seq);
        TW_CHECK_INT(g->duplicates, w->duplicates);
    }
}

static void test_merge_equals_one_state(void)
{
    fed_states f;
    fed_states_init(&f);
    aggregator view;
    aggregator_init(&view, 0);
    aggregator_merge(&view, &f.part_a);
    aggregator_merge(&view, &f.part_b);
    check_same(&view, &f.all, f.now_s);
    TW_CHECK_INT(f.all.records, 5 * RECORDS_PER_ANTENNA);
    TW_CHECK_INT(f.all.duplicates, 1);
    /* the view keeps deduplicating after the merge, like the partition state */
    apply_report(&view, "b-1", 4, f.now_s);
    TW_CHECK_INT(view.duplicates, 2);
    fed_states_free(&f);
    aggregator_free(&view);
}

static void test_snapshot_round_trip_and_reset(void)
{
    fed_states f;
    fed_states_init(&f);
    aggregator restored;
    aggregator_init(&restored, 0);
    tw_buf blob;
    tw_buf_init(&blob);
    aggregator_snapshot_write(&f.all, &blob);
    TW_CHECK_INT(aggregator_snapshot_read(&restored, blob.data, blob.len), TW_OK);
    check_same(&restored, &f.all, f.now_s);
    aggregator empty;
    aggregator_init(&empty, 0);
    TW_CHECK_INT(aggregator_snapshot_read(&empty, blob.data, blob.len / 2), TW_INVALID);
    aggregator_free(&empty);
    aggregator_reset(&restored);
    TW_CHECK_INT(restored.records, 0);
    TW_CHECK_INT(restored.antennas.count, 0);
    TW_CHECK_INT(restored.malformed[TW_MALFORMED_NEGATIVE], 0);
    tw_buf_free(&blob);
    fed_states_free(&f);
    aggregator_free(&restored);
}

TW_TEST_MAIN("merge", TW_TEST(test_merge_equals_one_state),
             TW_TEST(test_snapshot_round_trip_and_reset))
