/* The bounded report queue: oldest dropped when full, pinned reports kept, failed ones
 * back in order; and its front: reports Redis lost come back ahead of every queued one,
 * and take priority over the oldest unsent ones when the queue is full. */
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

static void push_seqs(report_queue *queue, uint64_t first, uint64_t last)
{
    for (uint64_t seq = first; seq <= last; seq++) {
        tw_report r = {.seq = seq};
        report_queue_push(queue, &r);
    }
}

static void check_seqs(const report_queue *queue, const uint64_t *expected, size_t n)
{
    TW_CHECK_INT(queue->count, n);
    for (size_t i = 0; i < n && i < queue->count; i++)
        TW_CHECK_INT(report_queue_at(queue, i)->seq, expected[i]);
}

/* Puts seqs first..last back, newest first, as the writer does. */
static void put_back(report_queue *queue, uint64_t first, uint64_t last)
{
    size_t room = report_queue_reserve_front(queue, (size_t)(last - first + 1));
    for (uint64_t seq = last; seq + room > last; seq--) {
        tw_report r = {.seq = seq};
        report_queue_push_front(queue, &r);
    }
}

#define PUT_BACK_EXPECTED_MAX 8

/* A queue of capacity holding queued_first..queued_last gets back_first..back_last put
 * back; it then holds expected (count of them) and has dropped this many. */
typedef struct {
    const char *name;
    size_t capacity;
    uint64_t queued_first, queued_last;
    uint64_t back_first, back_last;
    uint64_t expected[PUT_BACK_EXPECTED_MAX];
    size_t count;
    uint64_t dropped;
} put_back_case;

static const put_back_case put_back_cases[] = {
    {"goes first, in order", 8, 10, 12, 1, 3, {1, 2, 3, 10, 11, 12}, 6, 0},
    {"into a full queue, drops the oldest unsent", 5, 10, 14, 1, 2, {1, 2, 12, 13, 14}, 5, 2},
    /* dropped: 10 and 11, and lost 1 and 2 */
    {"more than capacity, keeps the newest lost", 3, 10, 11, 1, 5, {3, 4, 5}, 3, 4},
};

static void test_put_back(void)
{
    for (size_t i = 0; i < sizeof put_back_cases / sizeof put_back_cases[0]; i++) {
        const put_back_case *c = &put_back_cases[i];
        TW_TEST_CASE(c->name);
        report_queue queue;
        TW_CHECK_INT(report_queue_init(&queue, c->capacity), TW_OK);
        push_seqs(&queue, c->queued_first, c->queued_last);
        put_back(&queue, c->back_first, c->back_last);
        check_seqs(&queue, c->expected, c->count);
        TW_CHECK_INT(queue.dropped, c->dropped);
        report_queue_free(&queue);
    }
}

static void test_pop_front_removes_oldest(void)
{
    report_queue queue;
    report_queue_init(&queue, 4);
    push_seqs(&queue, 1, 6); /* wraps: holds 3..6 */
    report_queue_pop_front(&queue, 3);
    const uint64_t expected[] = {6};
    check_seqs(&queue, expected, 1);
    push_seqs(&queue, 7, 9);
    const uint64_t after[] = {6, 7, 8, 9};
    check_seqs(&queue, after, 4);
    report_queue_free(&queue);
}

/* Emptied, the queue starts over at its first slot: memory touched follows what it holds. */
static void test_empty_queue_restarts_at_first_slot(void)
{
    report_queue queue;
    report_queue_init(&queue, 4);
    for (int round = 0; round < 10; round++) {
        push_seqs(&queue, 1, 2);
        bool keep[2] = {false, false};
        report_queue_remove_done(&queue, 2, keep);
    }
    TW_CHECK_INT(queue.head, 0);
    push_seqs(&queue, 1, 3);
    report_queue_pop_front(&queue, 3);
    TW_CHECK_INT(queue.head, 0);
    report_queue_free(&queue);
}

TW_TEST_MAIN("report_queue", TW_TEST(test_queue_drops_oldest_when_full),
             TW_TEST(test_queue_never_drops_pinned_reports),
             TW_TEST(test_queue_keeps_failed_in_order),
             TW_TEST(test_empty_queue_restarts_at_first_slot), TW_TEST(test_put_back),
             TW_TEST(test_pop_front_removes_oldest))
