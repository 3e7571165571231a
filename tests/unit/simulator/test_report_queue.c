/* The bounded report queue: oldest dropped when full, pinned reports kept, failed ones
 * back in order. */
#include <string.h>

#include "report_queue.h"
#include "tw_status.h"
#include "tw_test.h"

static tw_report numbered(uint64_t seq)
{
    tw_report r;
    memset(&r, 0, sizeof r);
    r.seq = seq;
    return r;
}

static void test_queue_drops_oldest_when_full(void)
{
    report_queue queue;
    TW_CHECK_INT(report_queue_init(&queue, 3), TW_OK);
    for (uint64_t seq = 1; seq <= 5; seq++) {
        tw_report r = numbered(seq);
        TW_CHECK_INT(report_queue_push(&queue, &r), seq > 3);
    }
    TW_CHECK_INT(queue.count, 3);
    TW_CHECK_INT(queue.dropped, 2);
    TW_CHECK_INT(report_queue_at(&queue, 0)->seq, 3);
    TW_CHECK_INT(report_queue_at(&queue, 2)->seq, 5);
    report_queue_free(&queue);
}

/* Reports in flight are matched to replies by position: a full queue never drops them. */
static void test_queue_never_drops_pinned_reports(void)
{
    report_queue queue;
    TW_CHECK_INT(report_queue_init(&queue, 4), TW_OK);
    for (uint64_t seq = 1; seq <= 4; seq++) {
        tw_report r = {.seq = seq};
        report_queue_push(&queue, &r);
    }
    queue.pinned = 2; /* 1 and 2 are in flight */
    tw_report r5 = {.seq = 5};
    TW_CHECK(report_queue_push(&queue, &r5)); /* drops 3, the oldest not in flight */
    const uint64_t expected[] = {1, 2, 4, 5};
    for (size_t i = 0; i < 4; i++)
        TW_CHECK_INT(report_queue_at(&queue, i)->seq, expected[i]);
    queue.pinned = 4;
    tw_report r6 = {.seq = 6};
    TW_CHECK(report_queue_push(&queue, &r6)); /* all in flight: 6 itself is lost */
    TW_CHECK_INT(report_queue_at(&queue, 3)->seq, 5);
    TW_CHECK_INT(queue.dropped, 2);
    report_queue_free(&queue);
}

static void test_queue_keeps_failed_in_order(void)
{
    report_queue queue;
    report_queue_init(&queue, 8);
    for (uint64_t seq = 1; seq <= 7; seq++) {
        tw_report r = numbered(seq);
        report_queue_push(&queue, &r);
    }
    bool keep[5] = {false, true, false, true, false}; /* 2 and 4 failed */
    report_queue_remove_done(&queue, 5, keep);
    TW_CHECK_INT(queue.count, 4);
    uint64_t expected[] = {2, 4, 6, 7};
    for (size_t i = 0; i < 4; i++)
        TW_CHECK_INT(report_queue_at(&queue, i)->seq, expected[i]);
    report_queue_free(&queue);
}

TW_TEST_MAIN("report_queue", TW_TEST(test_queue_drops_oldest_when_full),
             TW_TEST(test_queue_never_drops_pinned_reports),
             TW_TEST(test_queue_keeps_failed_in_order))
