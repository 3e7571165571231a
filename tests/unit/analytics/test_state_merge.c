/* Adoption's state merge: sequence trackers united per run, totals and windows added,
 * and the combined parts moved into the adopter's own state. */
#include <string.h>

#include "aggregator.h"
#include "antenna_table.h"
#include "checkpoint.h"
#include "report_fixture.h"
#include "state_merge.h"
#include "tw_status.h"
#include "tw_test.h"

#define NOW_S FIXTURE_NOW_S

/* Feeds seqs first..last step `step` (skipping `skip`) to a fresh antenna of table. */
static antenna_state *feed(antenna_table *table, uint64_t first, uint64_t last, uint64_t step,
                           uint64_t skip)
{
    antenna_state *a = antenna_table_get(table, "tower");
    for (uint64_t seq = first; seq <= last; seq += step) {
        tw_report r = fixture_report("tower", "run1", seq, 10);
        if (seq != skip && antenna_accept_seq(a, &r))
            antenna_apply(a, &r, tw_sketch_key(r.latency_ms), NOW_S);
    }
    return a;
}

static void test_interleaved_replicas_unite_their_sequences(void)
{
    antenna_table mine, theirs;
    antenna_table_init(&mine);
    antenna_table_init(&theirs);
    antenna_state *a = feed(&mine, 1, 99, 2, 0);    /* odd numbers */
    antenna_state *b = feed(&theirs, 2, 98, 2, 60); /* even numbers but 60 */
    TW_CHECK_INT(a->seq_gaps, 49);
    TW_CHECK_INT(b->seq_gaps, 50);
    antenna_merge(b, a);
    TW_CHECK_INT(b->records, 50 + 48);
    TW_CHECK_INT(b->packets, 980);
    TW_CHECK_INT(b->max_seq, 99);
    TW_CHECK_INT(b->seq_gaps, 1); /* only 60 was seen by neither */
    tw_report again = fixture_report("tower", "run1", 41, 10),
              theirs_again = fixture_report("tower", "run1", 50, 10);
    TW_CHECK_INT(antenna_accept_seq(b, &again), 0);
    TW_CHECK_INT(antenna_accept_seq(b, &theirs_again), 0);
    tw_report missing = fixture_report("tower", "run1", 60, 10);
    TW_CHECK_INT(antenna_accept_seq(b, &missing), 1); /* never applied: not skipped */
    TW_CHECK_INT(b->seq_gaps, 0);
    tw_report next = fixture_report("tower", "run1", 100, 10);
    TW_CHECK_INT(antenna_accept_seq(b, &next), 1);
    antenna_table_free(&mine);
    antenna_table_free(&theirs);
}

static void test_newer_run_wins_and_far_history_still_counts(void)
{
    antenna_table mine, theirs;
    antenna_table_init(&mine);
    antenna_table_init(&theirs);
    antenna_state *a = feed(&mine, 1, 300, 1, 0);
    antenna_state *b = antenna_table_get(&theirs, "tower");
    tw_report restarted = fixture_report("tower", "run2", 1, 10);
    restarted.timestamp = NOW_S + 5;
    antenna_accept_seq(b, &restarted);
    antenna_apply(b, &restarted, tw_sketch_key(restarted.latency_ms), NOW_S + 5);
    antenna_merge(a, b);
    TW_CHECK_STR(a->run, "run2");
    TW_CHECK_INT(a->max_seq, 1);
    TW_CHECK_INT(a->last_seen, NOW_S + 5);
    TW_CHECK_INT(a->records, 301);
    /* a same-run merge keeps numbers far below the newest countable, as one replica does */
    antenna_table_free(&theirs);
    antenna_table_init(&theirs);
    antenna_state *c = feed(&theirs, 1, 1000, 1, 500);
    antenna_table_free(&mine);
    antenna_table_init(&mine);
    antenna_state *d = feed(&mine, 1, 10, 1, 0);
    antenna_merge(c, d);
    TW_CHECK_INT(c->max_seq, 1000);
    tw_report old = fixture_report("tower", "run1", 500, 10);
    TW_CHECK_INT(antenna_accept_seq(c, &old), 1);
    antenna_table_free(&mine);
    antenna_table_free(&theirs);
}

static void apply(aggregator *agg, const char *antenna, uint64_t seq, uint64_t packets)
{
    analytics_entry entry;
    memset(&entry, 0, sizeof entry);
    entry.id = (stream_id){seq, 0};
    entry.report = fixture_report(antenna, "run1", seq, packets);
    aggregator_apply(agg, &entry, NOW_S * 1000000);
}

static void clean(aggregator *agg)
{
    checkpoint_fields fields = {.fields = 0};
    tw_buf_init(&fields.body);
    checkpoint_encode_dirty(agg, &fields);
    tw_buf_free(&fields.body);
}

static void test_adopted_state_is_added_where_it_has_parts(void)
{
    aggregator own, adopted;
    aggregator_init(&own, 0);
    aggregator_init(&adopted, 0);
    apply(&own, "x", 1, 100);
    apply(&own, "y", 1, 10);
    apply(&adopted, "y", 2, 20);
    apply(&adopted, "z", 1, 1000);
    clean(&own);
    clean(&adopted);
    state_merge_own(&adopted, &own);
    checkpoint_fields fields = {.fields = 0};
    tw_buf_init(&fields.body);
    checkpoint_encode_dirty(&adopted, &fields);
    TW_CHECK_INT(fields.fields, 4); /* meta, one second bucket, antennas y and z: not x */
    TW_CHECK(fields.body.len > 10 && !memcmp(fields.body.data, "$4\r\nmeta\r\n", 10));
    tw_buf_free(&fields.body);
    state_take(&own, &adopted);
    TW_CHECK_INT(own.records, 4);
    TW_CHECK_INT(own.packets, 1130);
    TW_CHECK_INT(own.latency.count, 4);
    TW_CHECK_INT(antenna_table_find(&own.antennas, "x")->packets, 100);
    TW_CHECK_INT(antenna_table_find(&own.antennas, "y")->packets, 30);
    TW_CHECK_INT(antenna_table_find(&own.antennas, "y")->records, 2);
    TW_CHECK_INT(antenna_table_find(&own.antennas, "z")->packets, 1000);
    TW_CHECK_INT(antenna_table_find(&own.antennas, "z")->dirty, 0);
    window_totals window = {0};
    tw_sketch_init(&window.latency);
    bucket_ring_sum(&own.seconds, NOW_S, 60, &window);
    TW_CHECK_INT(window.packets, 1130);
    TW_CHECK_INT(window.records, 4);
    tw_sketch_free(&window.latency);
    aggregator_free(&adopted);
    aggregator_free(&own);
}

TW_TEST_MAIN("state_merge", TW_TEST(test_interleaved_replicas_unite_their_sequences),
             TW_TEST(test_newer_run_wins_and_far_history_still_counts),
             TW_TEST(test_adopted_state_is_added_where_it_has_parts))
