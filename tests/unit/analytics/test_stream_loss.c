/* Unit tests for stream_loss.c: entries deleted before the consumer group read them. */
#include "stream_loss.h"
#include "tw_test.h"

static stream_loss_view view(uint64_t first_ms, int64_t length, uint64_t delivered_ms, int64_t lag)
{
    return (stream_loss_view){.first_entry = {first_ms, 0},
                              .length = length,
                              .last_delivered = {delivered_ms, 0},
                              .lag = lag};
}

/* The values Redis 7.0.15 gave: 10 entries, 3 read, then an XADD MAXLEN 0 (the stream
 * empty, lag 8), then one more entry (length 1, lag 9), then that entry read (lag 8 for
 * good). Once the group is inside the stream again, only the listed entries after its
 * position tell. */
static void test_trimmed_past_the_group(void)
{
    stream_loss_view empty = view(0, 0, 3, 8);
    TW_CHECK_INT(stream_loss_removed_unread(&empty), 8);
    stream_loss_view one_more = view(12, 1, 3, 9);
    TW_CHECK_INT(stream_loss_removed_unread(&one_more), 8);
    stream_loss_view read_again = view(12, 1, 12, 8);
    TW_CHECK_INT(stream_loss_removed_unread(&read_again), -1);
    stream_id after[] = {{12, 0}};
    read_again.after = after;
    read_again.after_count = 1;
    read_again.after_complete = true; /* listed from an earlier position, 3 */
    TW_CHECK_INT(stream_loss_removed_unread(&read_again), 8);
}

/* The listed entries count only past the group's position at the same moment; the lag
 * beyond them was removed. */
static void test_listed_entries(void)
{
    stream_id after[] = {{20, 0}, {21, 0}, {22, 0}, {22, 1}, {23, 0}};
    stream_loss_view v = view(1, 500, 21, 3);
    v.after = after;
    v.after_count = 5;
    v.after_complete = true;
    TW_CHECK_INT(stream_loss_removed_unread(&v), 0); /* 22-0, 22-1, 23-0 unread */
    v.lag = 1003;
    TW_CHECK_INT(stream_loss_removed_unread(&v), 1000);
    v.lag = 2; /* an estimate below what is listed never goes negative */
    TW_CHECK_INT(stream_loss_removed_unread(&v), 0);
    v.after_complete = false; /* too many to list, the group inside the stream */
    TW_CHECK_INT(stream_loss_removed_unread(&v), -1);
}

/* A group inside its stream proves nothing without the list; an unknown lag neither. */
static void test_nothing_proven(void)
{
    stream_loss_view inside = view(5, 100, 50, 55);
    TW_CHECK_INT(stream_loss_removed_unread(&inside), -1);
    stream_loss_view at_first = view(5, 10, 5, 9);
    TW_CHECK_INT(stream_loss_removed_unread(&at_first), -1);
    stream_loss_view unknown = view(0, 0, 3, -1);
    TW_CHECK_INT(stream_loss_removed_unread(&unknown), -1);
    stream_loss_view no_length = view(9, -1, 3, 4);
    TW_CHECK_INT(stream_loss_removed_unread(&no_length), -1);
}

/* A new group at 0 on a trimmed stream has a lag equal to the length (Redis estimates
 * it): nothing lost. */
static void test_nothing_lost(void)
{
    stream_loss_view new_group = view(6, 5, 0, 5);
    TW_CHECK_INT(stream_loss_removed_unread(&new_group), 0);
    stream_loss_view empty_caught_up = view(0, 0, 7, 0);
    TW_CHECK_INT(stream_loss_removed_unread(&empty_caught_up), 0);
    stream_loss_view same_ms = {
        .first_entry = {7, 2}, .length = 3, .last_delivered = {7, 1}, .lag = 4};
    TW_CHECK_INT(stream_loss_removed_unread(&same_ms), 1);
}

static void test_ids_exhausted(void)
{
    stream_loss_view v = view(1, 1, 1, 0);
    v.last_generated = (stream_id){UINT64_MAX, UINT64_MAX};
    TW_CHECK_INT(stream_loss_ids_exhausted(&v), 1);
    v.last_generated = (stream_id){UINT64_MAX, 0};
    TW_CHECK_INT(stream_loss_ids_exhausted(&v), 0);
}

TW_TEST_MAIN("stream_loss", TW_TEST(test_trimmed_past_the_group), TW_TEST(test_listed_entries),
             TW_TEST(test_nothing_proven), TW_TEST(test_nothing_lost), TW_TEST(test_ids_exhausted))
