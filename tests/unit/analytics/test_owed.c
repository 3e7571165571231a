/* Unit tests for owed.c: the acknowledgements and dead letters the Redis path owes. */
#include <string.h>

#include "aggregator.h"
#include "owed.h"
#include "report_fixture.h"
#include "tw_test.h"

#define NOW FIXTURE_NOW_S

/* Every applied entry is owed its acknowledgement once; a claimed entry still owed one was
 * applied already; a malformed one is owed its dead-letter copy. */
static void test_apply_counts_once(void)
{
    aggregator agg;
    aggregator_init(&agg, 0);
    owed_work owed;
    owed_init(&owed);
    analytics_entry entry;
    memset(&entry, 0, sizeof entry);
    entry.id = (stream_id){1, 0};
    entry.report = fixture_report("a", "r", 1, 10);
    owed_apply(&owed, &agg, &entry, NOW * 1000000);
    entry.id = (stream_id){2, 0}; /* same (antenna, run, seq) re-sent */
    owed_apply(&owed, &agg, &entry, NOW * 1000000);
    entry.id = (stream_id){1, 0}; /* claimed while still owed an ack */
    entry.claimed = true;
    owed_apply(&owed, &agg, &entry, NOW * 1000000);
    entry.claimed = false;
    entry.id = (stream_id){3, 0};
    entry.malformed = TW_MALFORMED_NEGATIVE;
    owed_apply(&owed, &agg, &entry, NOW * 1000000);
    TW_CHECK_INT(agg.records, 1);
    TW_CHECK_INT(agg.packets, 10);
    TW_CHECK_INT(agg.duplicates, 1);
    TW_CHECK_INT(agg.malformed[TW_MALFORMED_NEGATIVE], 1);
    TW_CHECK_INT(owed.ack_count, 3);
    TW_CHECK_INT(owed.dead_count, 1);
    TW_CHECK_INT(owed_none(&owed), 0);
    owed_free(&owed);
    TW_CHECK_INT(owed_none(&owed), 1);
    aggregator_free(&agg);
}

/* A failed save gives its work back in front of what was owed since. */
static void test_take_and_give_back(void)
{
    aggregator agg;
    aggregator_init(&agg, 0);
    owed_work owed, taken;
    owed_init(&owed);
    analytics_entry entry;
    memset(&entry, 0, sizeof entry);
    entry.report = fixture_report("a", "r", 1, 10);
    entry.id = (stream_id){1, 0};
    owed_apply(&owed, &agg, &entry, NOW * 1000000);
    owed_take(&owed, &taken);
    TW_CHECK_INT(owed_none(&owed), 1);
    TW_CHECK_INT(taken.ack_count, 1);
    entry.id = (stream_id){2, 0};
    entry.report = fixture_report("a", "r", 2, 10);
    owed_apply(&owed, &agg, &entry, NOW * 1000000);
    owed_give_back(&owed, &taken);
    TW_CHECK_INT(owed.ack_count, 2);
    TW_CHECK_INT(owed.acks[0].ms, 1);
    TW_CHECK_INT(owed.acks[1].ms, 2);
    TW_CHECK_INT(owed_none(&taken), 1);
    owed_clear(&owed);
    TW_CHECK_INT(owed_none(&owed), 1);
    owed_free(&owed);
    aggregator_free(&agg);
}

TW_TEST_MAIN("owed", TW_TEST(test_apply_counts_once), TW_TEST(test_take_and_give_back))
