/* Unit tests for aggregator.c: applying entries to the aggregate state, and swapping a
 * reloaded state in. */
#include <string.h>

#include "aggregator.h"
#include "report_fixture.h"
#include "tw_test.h"

#define NOW FIXTURE_NOW_S

static analytics_entry entry_of(uint64_t id, uint64_t seq)
{
    analytics_entry entry;
    memset(&entry, 0, sizeof entry);
    entry.id = (stream_id){id, 0};
    entry.report = fixture_report("a", "r", seq, 10);
    return entry;
}

/* A report counts once; its repeat (same antenna, run, seq) only as a duplicate; a
 * malformed entry by its reason; a trimmed one as deleted. */
static void test_apply_counts_once(void)
{
    aggregator agg;
    aggregator_init(&agg, 0);
    analytics_entry entry = entry_of(1, 1);
    aggregator_apply(&agg, &entry, NOW * 1000000LL);
    entry.id = (stream_id){2, 0}; /* same (antenna, run, seq) re-sent */
    aggregator_apply(&agg, &entry, NOW * 1000000LL);
    entry = entry_of(3, 2);
    entry.malformed = TW_MALFORMED_NEGATIVE;
    aggregator_apply(&agg, &entry, NOW * 1000000LL);
    entry = entry_of(4, 3);
    entry.deleted = true;
    aggregator_apply(&agg, &entry, NOW * 1000000LL);
    TW_CHECK_INT(agg.records, 1);
    TW_CHECK_INT(agg.packets, 10);
    TW_CHECK_INT(agg.duplicates, 1);
    TW_CHECK_INT(agg.malformed[TW_MALFORMED_NEGATIVE], 1);
    TW_CHECK_INT(agg.deleted, 1);
    aggregator_free(&agg);
}

/* A swap exchanges every part of the state and leaves both locks usable. */
static void test_swap_state(void)
{
    aggregator mine, reloaded;
    aggregator_init(&mine, 0);
    aggregator_init(&reloaded, 0);
    analytics_entry entry = entry_of(1, 1);
    aggregator_apply(&mine, &entry, NOW * 1000000LL);
    entry = entry_of(2, 2);
    aggregator_apply(&mine, &entry, NOW * 1000000LL);
    entry = entry_of(3, 1);
    aggregator_apply(&reloaded, &entry, NOW * 1000000LL);
    pthread_mutex_lock(&mine.lock);
    aggregator_swap_state(&mine, &reloaded);
    pthread_mutex_unlock(&mine.lock);
    TW_CHECK_INT(mine.records, 1);
    TW_CHECK_INT(reloaded.records, 2);
    TW_CHECK_INT(mine.antennas.count, 1);
    TW_CHECK_INT(antenna_table_find(&mine.antennas, "a")->max_seq, 1);
    TW_CHECK_INT(antenna_table_find(&reloaded.antennas, "a")->max_seq, 2);
    pthread_mutex_lock(&reloaded.lock);
    pthread_mutex_unlock(&reloaded.lock);
    aggregator_free(&mine);
    aggregator_free(&reloaded);
}

TW_TEST_MAIN("aggregator", TW_TEST(test_apply_counts_once), TW_TEST(test_swap_state))
