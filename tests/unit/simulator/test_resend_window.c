/* The re-send window: entry ids, expiry by age, eviction by the cap, compact copies that
 * rebuild the report exactly, and the lookups a resolution after a rollback uses. */
#include <string.h>

#include "report_fixture.h"
#include "resend_window.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_test.h"

#define RUN "27e750fee54bfba6"
#define WINDOW_MS 2000

static tw_report report_of(const char *antenna, uint64_t seq)
{
    return fixture_report_of((fixture_fields){.id = antenna,
                                              .run = RUN,
                                              .seq = seq,
                                              .timestamp = 1700000000,
                                              .packets = 1524,
                                              .loss = 9,
                                              .latency_ms = 9.414,
                                              .sent_us = 1700000000124787});
}

static stream_id id_of(uint64_t ms, uint64_t seq)
{
    return (stream_id){ms, seq};
}

static void test_stream_id_parse_and_format(void)
{
    stream_id id;
    TW_CHECK_INT(stream_id_parse("1700000000123-42", 16, &id), TW_OK);
    TW_CHECK_INT(id.ms, 1700000000123);
    TW_CHECK_INT(id.seq, 42);
    char text[STREAM_ID_MAX_LEN + 1];
    TW_CHECK_INT(stream_id_format(id, text), 16);
    TW_CHECK_STR(text, "1700000000123-42");
    TW_CHECK_INT(stream_id_parse("18446744073709551615-0", 22, &id), TW_OK);
    TW_CHECK(id.ms == UINT64_MAX);
    TW_CHECK_INT(stream_id_parse("18446744073709551616-0", 22, &id), TW_INVALID);
    TW_CHECK_INT(stream_id_parse("123", 3, &id), TW_INVALID);
    TW_CHECK_INT(stream_id_parse("-1", 2, &id), TW_INVALID);
    TW_CHECK_INT(stream_id_parse("1-", 2, &id), TW_INVALID);
    TW_CHECK_INT(stream_id_parse("1-2x", 4, &id), TW_INVALID);
    TW_CHECK_INT(stream_id_compare(id_of(5, 1), id_of(5, 2)), -1);
    TW_CHECK_INT(stream_id_compare(id_of(6, 0), id_of(5, 9)), 1);
    TW_CHECK_INT(stream_id_compare(id_of(5, 1), id_of(5, 1)), 0);
}

static void test_window_off_keeps_nothing(void)
{
    resend_window w;
    TW_CHECK_INT(resend_window_init(&w, 0, 16, 4, RUN), TW_OK);
    TW_CHECK(!resend_window_enabled(&w));
    tw_report r = report_of("a", 1);
    resend_window_push(&w, &r, id_of(1, 0), 0);
    TW_CHECK_INT(w.count, 0);
    TW_CHECK(!w.has_newest);
    resend_window_free(&w);
}

/* A kept entry rebuilds the very report that was sent, traceparent included. */
static void test_entry_rebuilds_the_report(void)
{
    TW_CHECK_INT(sizeof(resend_entry), RESEND_WINDOW_ENTRY_BYTES);
    resend_window w;
    TW_CHECK_INT(resend_window_init(&w, WINDOW_MS, 16, 4, RUN), TW_OK);
    tw_report sent = report_of("tower-3", 7);
    snprintf(sent.traceparent, sizeof sent.traceparent, "%s",
             "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    resend_window_push(&w, &sent, id_of(10, 0), 0);
    tw_report plain = report_of("tower-4", 8);
    resend_window_push(&w, &plain, id_of(10, 1), 0);
    tw_report back;
    resend_window_report(&w, 0, &back);
    TW_CHECK(memcmp(&back, &sent, sizeof back) == 0);
    resend_window_report(&w, 1, &back);
    TW_CHECK(memcmp(&back, &plain, sizeof back) == 0);
    TW_CHECK_INT(w.antennas.count, 2);
    resend_window_free(&w);
}

static void test_entries_expire_after_the_window(void)
{
    resend_window w;
    resend_window_init(&w, WINDOW_MS, 16, 4, RUN);
    for (uint64_t i = 0; i < 4; i++) {
        tw_report r = report_of("a", i + 1);
        resend_window_push(&w, &r, id_of(100 + i, 0), (int64_t)i * 1000 * TW_US_PER_MS);
    }
    TW_CHECK_INT(w.count, 3); /* the one confirmed at 0 ms is 3000 ms old at 3000 ms */
    TW_CHECK_INT(resend_window_at(&w, 0)->seq, 2);
    resend_window_expire(&w, 4000 * TW_US_PER_MS);
    TW_CHECK_INT(w.count, 2); /* exactly 2000 ms old is still inside */
    resend_window_expire(&w, 10000 * TW_US_PER_MS);
    TW_CHECK_INT(w.count, 0);
    TW_CHECK_INT(w.evicted, 0);
    TW_CHECK(w.has_newest); /* the last confirmed id outlives its entry */
    TW_CHECK_INT(w.newest_id.ms, 103);
    TW_CHECK(resend_window_is_newest(&w, RUN, "a", 4));
    TW_CHECK(!resend_window_is_newest(&w, RUN, "a", 3));
    TW_CHECK(!resend_window_is_newest(&w, "other", "a", 4));
    resend_window_free(&w);
}

static void test_cap_evicts_oldest_and_counts(void)
{
    resend_window w;
    resend_window_init(&w, WINDOW_MS, 3, 4, RUN);
    for (uint64_t seq = 1; seq <= 5; seq++) {
        tw_report r = report_of("a", seq);
        resend_window_push(&w, &r, id_of(seq, 0), 0);
    }
    TW_CHECK_INT(w.count, 3);
    TW_CHECK_INT(w.evicted, 2);
    TW_CHECK_INT(resend_window_at(&w, 0)->seq, 3);
    TW_CHECK_INT(resend_window_at(&w, 2)->seq, 5);
    resend_window_free(&w);
}

static void test_count_and_drop_after_an_id(void)
{
    resend_window w;
    resend_window_init(&w, WINDOW_MS, 4, 4, RUN);
    for (uint64_t seq = 1; seq <= 6; seq++) { /* wraps: holds 3..6 */
        tw_report r = report_of("a", seq);
        resend_window_push(&w, &r, id_of(10 * seq, 0), 0);
    }
    TW_CHECK_INT(resend_window_count_after(&w, id_of(0, 0)), 4);
    TW_CHECK_INT(resend_window_count_after(&w, id_of(40, 0)), 2);
    TW_CHECK_INT(resend_window_count_after(&w, id_of(45, 3)), 2);
    TW_CHECK_INT(resend_window_count_after(&w, id_of(60, 0)), 0);
    resend_window_drop_after(&w, id_of(45, 3));
    TW_CHECK_INT(w.count, 2);
    TW_CHECK_INT(w.newest_id.ms, 40);
    TW_CHECK(resend_window_is_newest(&w, RUN, "a", 4));
    resend_window_drop_after(&w, id_of(0, 0));
    TW_CHECK_INT(w.count, 0);
    TW_CHECK(!w.has_newest);
    resend_window_free(&w);
}

/* An id that does not follow the newest one belongs to another history: start over. */
static void test_older_id_starts_a_new_history(void)
{
    resend_window w;
    resend_window_init(&w, WINDOW_MS, 8, 4, RUN);
    tw_report r1 = report_of("a", 1), r2 = report_of("a", 2), r3 = report_of("a", 3);
    resend_window_push(&w, &r1, id_of(50, 0), 0);
    resend_window_push(&w, &r2, id_of(60, 0), 0);
    resend_window_push(&w, &r3, id_of(55, 0), 0);
    TW_CHECK_INT(w.count, 1);
    TW_CHECK_INT(resend_window_at(&w, 0)->seq, 3);
    TW_CHECK_INT(w.evicted, 0);
    resend_window_free(&w);
}

static void test_reports_that_cannot_be_kept_are_counted(void)
{
    resend_window w;
    resend_window_init(&w, WINDOW_MS, 8, 1, RUN);
    tw_report a = report_of("a", 1), b = report_of("b", 1);
    resend_window_push(&w, &a, id_of(1, 0), 0);
    resend_window_push(&w, &b, id_of(2, 0), 0); /* a second antenna: table full */
    TW_CHECK_INT(w.count, 1);
    TW_CHECK_INT(w.unkept, 1);
    TW_CHECK_INT(w.newest_id.ms, 1);
    resend_window_free(&w);
}

/* One report every 5 s with a 2 s window: the window is empty at each push and stays in
 * its first slot. */
static void test_low_rate_stays_in_first_slot(void)
{
    resend_window w;
    resend_window_init(&w, WINDOW_MS, 1024, 4, RUN);
    for (uint64_t seq = 1; seq <= 100; seq++) {
        tw_report r = report_of("a", seq);
        resend_window_push(&w, &r, id_of(seq * 5000, 0), (int64_t)seq * 5000 * TW_US_PER_MS);
    }
    TW_CHECK_INT(w.count, 1);
    TW_CHECK_INT(w.head, 0);
    TW_CHECK_INT(resend_window_at(&w, 0)->seq, 100);
    resend_window_free(&w);
}

TW_TEST_MAIN("resend_window", TW_TEST(test_low_rate_stays_in_first_slot),
             TW_TEST(test_stream_id_parse_and_format), TW_TEST(test_window_off_keeps_nothing),
             TW_TEST(test_entry_rebuilds_the_report), TW_TEST(test_entries_expire_after_the_window),
             TW_TEST(test_cap_evicts_oldest_and_counts), TW_TEST(test_count_and_drop_after_an_id),
             TW_TEST(test_older_id_starts_a_new_history),
             TW_TEST(test_reports_that_cannot_be_kept_are_counted))
