/* Antenna table: sequence tracking (gaps, duplicates, restarts), growth and lookup, and the
 * checkpoint encoding of one antenna. */
#include "antenna_table.h"
#include "bucket_ring.h"
#include "report_fixture.h"
#include "tw_status.h"
#include "tw_test.h"

#define NOW FIXTURE_NOW_S

static tw_report report(const char *id, const char *run, uint64_t seq)
{
    return fixture_report(id, run, seq, 10);
}

static void test_sequence_gaps_and_duplicates(void)
{
    antenna_table table;
    antenna_table_init(&table);
    antenna_state *a = antenna_table_get(&table, "a");
    uint64_t seqs[] = {1, 2, 5, 3, 3, 5, 6};
    int accepted[] = {1, 1, 1, 1, 0, 0, 1};
    for (int i = 0; i < 7; i++) {
        tw_report r = report("a", "run1", seqs[i]);
        TW_CHECK_INT(antenna_accept_seq(a, &r), accepted[i]);
    }
    TW_CHECK_INT(a->seq_gaps, 1); /* 4 never arrived */
    tw_report restart = report("a", "run2", 1);
    TW_CHECK_INT(antenna_accept_seq(a, &restart), 1);
    tw_report far = report("a", "run2", 200);
    TW_CHECK_INT(antenna_accept_seq(a, &far), 1);
    TW_CHECK_INT(a->seq_gaps, 1 + 198);
    tw_report no_seq = report("a", "", 0);
    TW_CHECK_INT(antenna_accept_seq(a, &no_seq), 1);
    antenna_table_free(&table);
}

static void test_table_grows_and_finds(void)
{
    antenna_table table;
    antenna_table_init(&table);
    char id[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "antenna-%d", i);
        antenna_table_get(&table, id)->records = (uint64_t)i;
    }
    TW_CHECK_INT(table.count, 5000);
    TW_CHECK_INT(antenna_table_find(&table, "antenna-4321")->records, 4321);
    TW_CHECK(antenna_table_find(&table, "antenna-5000") == NULL);
    antenna_table_free(&table);
}

static void test_antenna_encoding_round_trip(void)
{
    antenna_table table, restored;
    antenna_table_init(&table);
    antenna_table_init(&restored);
    antenna_state *a = antenna_table_get(&table, "enc");
    for (uint64_t seq = 1; seq <= 40; seq += (seq % 5 ? 1 : 2)) {
        tw_report r = report("enc", "runx", seq);
        r.timestamp = NOW - 100 + (int64_t)seq;
        if (antenna_accept_seq(a, &r))
            antenna_apply(a, &r, tw_sketch_key(r.latency_ms), NOW);
    }
    tw_buf buf;
    tw_buf_init(&buf);
    tw_wire_writer out = {&buf};
    antenna_write(a, &out);
    tw_wire_reader in;
    tw_wire_reader_init(&in, buf.data, buf.len);
    TW_CHECK_INT(antenna_read(&restored, &in), TW_OK);
    antenna_state *b = antenna_table_find(&restored, "enc");
    TW_CHECK(b != NULL);
    if (b) {
        TW_CHECK_INT(b->records, a->records);
        TW_CHECK_INT(b->packets, a->packets);
        TW_CHECK_INT(b->seq_gaps, a->seq_gaps);
        TW_CHECK_INT(b->max_seq, a->max_seq);
        TW_CHECK_INT(b->seen_below, a->seen_below);
        TW_CHECK_INT(b->last_seen, a->last_seen);
        TW_CHECK_NEAR(b->interval_s, a->interval_s, 0);
        TW_CHECK_STR(b->run, "runx");
        window_totals ta = {0}, tb = {0};
        bucket_ring_sum(&a->slots, NOW, 300, &ta);
        bucket_ring_sum(&b->slots, NOW, 300, &tb);
        TW_CHECK_INT(tb.records, ta.records);
        TW_CHECK_INT(tb.latency.count, ta.latency.count);
        tw_sketch_free(&ta.latency);
        tw_sketch_free(&tb.latency);
    }
    tw_wire_reader_init(&in, buf.data, buf.len / 2);
    TW_CHECK_INT(antenna_read(&restored, &in), TW_INVALID);
    tw_buf_free(&buf);
    antenna_table_free(&table);
    antenna_table_free(&restored);
}

TW_TEST_MAIN("antenna_table", TW_TEST(test_sequence_gaps_and_duplicates),
             TW_TEST(test_table_grows_and_finds), TW_TEST(test_antenna_encoding_round_trip))
