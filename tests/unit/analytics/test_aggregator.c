/* Aggregator: applying entries counts each report once, duplicates and malformed apart. */
#include <string.h>

#include "aggregator.h"
#include "report_fixture.h"
#include "tw_test.h"

#define NOW FIXTURE_NOW_S

static void test_apply_counts_once(void)
{
    aggregator agg;
    aggregator_init(&agg);
    analytics_entry entry;
    memset(&entry, 0, sizeof entry);
    entry.id = (stream_id){1, 0};
    entry.report = fixture_report("a", "r", 1, 10);
    aggregator_apply(&agg, &entry, NOW * 1000000);
    entry.id = (stream_id){2, 0}; /* same (antenna, run, seq) re-sent */
    aggregator_apply(&agg, &entry, NOW * 1000000);
    entry.id = (stream_id){1, 0}; /* claimed while still owed an ack */
    entry.claimed = true;
    aggregator_apply(&agg, &entry, NOW * 1000000);
    entry.claimed = false;
    entry.id = (stream_id){3, 0};
    entry.malformed = TW_MALFORMED_NEGATIVE;
    aggregator_apply(&agg, &entry, NOW * 1000000);
    TW_CHECK_INT(agg.records, 1);
    TW_CHECK_INT(agg.packets, 10);
    TW_CHECK_INT(agg.duplicates, 1);
    TW_CHECK_INT(agg.malformed[TW_MALFORMED_NEGATIVE], 1);
    TW_CHECK_INT(agg.ack_count, 3);
    TW_CHECK_INT(agg.dead_count, 1);
    aggregator_free(&agg);
}

TW_TEST_MAIN("aggregator", TW_TEST(test_apply_counts_once))
