/* Unit tests for window_figures.c: the seconds a window's records/s divides by, the whole
 * window once data is older than it, the seconds since the oldest record before. */
#include <string.h>

#include "aggregator.h"
#include "report_fixture.h"
#include "tw_test.h"
#include "window_figures.h"

#define NOW FIXTURE_NOW_S
#define NOW_US (NOW * 1000000LL)
#define STARTED_S (NOW - 30)

/* Applies one report of antenna "a" at Unix second ts. */
static void report_at(aggregator *agg, uint64_t seq, int64_t ts)
{
    analytics_entry entry;
    memset(&entry, 0, sizeof entry);
    entry.id = (stream_id){seq, 0};
    entry.report = fixture_report("a", "r", seq, 10);
    entry.report.timestamp = ts;
    aggregator_apply(agg, &entry, NOW_US);
}

/* Data that began 10 s ago (now included): 10 s for every window, not 60, 300 or 900. */
static void test_first_minute_divides_by_the_seconds_covered(void)
{
    aggregator agg;
    aggregator_init(&agg, 0);
    for (int64_t i = 0; i < 10; i++)
        report_at(&agg, (uint64_t)i + 1, NOW - 9 + i);
    TW_CHECK_INT(window_span_s(&agg, NOW, 60, STARTED_S), 10);
    TW_CHECK_INT(window_span_s(&agg, NOW, 900, STARTED_S), 10);
    TW_CHECK_INT(window_span_s(&agg, NOW + 5, 60, STARTED_S), 15);
    TW_CHECK_INT(window_span_s(&agg, NOW + 100, 60, STARTED_S), 60);
    TW_CHECK_NEAR(window_throughput(10, window_span_s(&agg, NOW, 60, STARTED_S)), 1.0, 0);
    aggregator_free(&agg);
}

/* Data older than the window's start, or than the ring itself: the whole window. */
static void test_older_data_covers_the_whole_window(void)
{
    aggregator agg;
    aggregator_init(&agg, 0);
    report_at(&agg, 1, NOW - 100);
    report_at(&agg, 2, NOW);
    TW_CHECK_INT(window_span_s(&agg, NOW, 60, STARTED_S), 60);
    TW_CHECK_INT(window_span_s(&agg, NOW, 300, STARTED_S), 101);
    aggregator_free(&agg);
    aggregator_init(&agg, 0);
    report_at(&agg, 1, NOW - 5000); /* beyond the 900 s ring: counted in the totals only */
    report_at(&agg, 2, NOW - 5);
    TW_CHECK_INT(window_span_s(&agg, NOW, 60, STARTED_S), 60);
    aggregator_free(&agg);
}

/* No data yet: the window; window 0: since the process started; never below 1 s. */
static void test_empty_state_and_since_start(void)
{
    aggregator agg;
    aggregator_init(&agg, 0);
    TW_CHECK_INT(window_span_s(&agg, NOW, 60, STARTED_S), 60);
    TW_CHECK_INT(window_span_s(&agg, NOW, 0, STARTED_S), 30);
    TW_CHECK_INT(window_span_s(&agg, NOW, 0, NOW), 1);
    report_at(&agg, 1, NOW);
    TW_CHECK_INT(window_span_s(&agg, NOW, 60, STARTED_S), 1);
    TW_CHECK_NEAR(window_throughput(0, 0), 0, 0);
    aggregator_free(&agg);
}

TW_TEST_MAIN("window_figures", TW_TEST(test_first_minute_divides_by_the_seconds_covered),
             TW_TEST(test_older_data_covers_the_whole_window),
             TW_TEST(test_empty_state_and_since_start))
