/* Antenna table: growth and lookup; sequence tracking per antenna (gaps, duplicates,
 * restarts; missing ranges filled exactly at any distance, bounded by a cap that forgets the
 * oldest), kept through the encoding (old and new) and united by merges. */
#include <string.h>

#include "aggregator.h"
#include "aggregator_merge.h"
#include "antenna_table.h"
#include "bucket_ring.h"
#include "report_fixture.h"
#include "tw_status.h"
#include "tw_test.h"

#define NOW FIXTURE_NOW_S
#define RUN "run1"
#define FAR_LATE 10000 /* far beyond the 64 numbers the old history remembered */

static bool offer(antenna_state *antenna, uint64_t seq)
{
    tw_report r = fixture_report(antenna->id, RUN, seq, 10);
    return antenna_accept_seq(antenna, &r);
}

/* Offers seqs first..last step `step` to the antenna. */
static void offer_range(antenna_state *antenna, uint64_t first, uint64_t last, uint64_t step)
{
    for (uint64_t seq = first; seq <= last; seq += step)
        offer(antenna, seq);
}

static void check_gap(const antenna_state *antenna, uint32_t index, uint64_t lo, uint64_t hi)
{
    TW_CHECK(index < antenna->gap_count);
    if (index < antenna->gap_count) {
        TW_CHECK_INT(antenna->gaps[index].lo, lo);
        TW_CHECK_INT(antenna->gaps[index].hi, hi);
    }
}

/* A new table holding antenna "a", the one most tests follow. */
static antenna_state *table_with_a(antenna_table *table)
{
    antenna_table_init(table);
    return antenna_table_get(table, "a");
}

static void test_no_gaps_no_allocation(void)
{
    antenna_table table;
    antenna_state *a = table_with_a(&table);
    offer_range(a, 1, 1000, 1);
    TW_CHECK_INT(a->seq_gaps, 0);
    TW_CHECK_INT(a->gap_count, 0);
    TW_CHECK_INT(a->gap_cap, 0);
    TW_CHECK(a->gaps == NULL);
    antenna_table_free(&table);
}

static void test_far_late_report_fills_its_gap(void)
{
    antenna_table table;
    antenna_state *a = table_with_a(&table);
    offer_range(a, 1, 4999, 1);
    offer_range(a, 5001, 5000 + FAR_LATE, 1);
    TW_CHECK_INT(a->seq_gaps, 1);
    TW_CHECK_INT(a->gap_count, 1);
    check_gap(a, 0, 5000, 5000);
    TW_CHECK_INT(offer(a, 5000), 1); /* 10,000 below the newest */
    TW_CHECK_INT(a->seq_gaps, 0);
    TW_CHECK_INT(a->gap_count, 0);
    TW_CHECK(a->gaps == NULL); /* the last gap filled gives the memory back */
    TW_CHECK_INT(offer(a, 5000), 0);
    TW_CHECK_INT(a->seq_untracked, 0);
    antenna_table_free(&table);
}

static void apply_seq(aggregator *agg, uint64_t seq)
{
    analytics_entry entry;
    memset(&entry, 0, sizeof entry);
    entry.id = (stream_id){seq, 0};
    entry.report = fixture_report("a", RUN, seq, 10);
    aggregator_apply(agg, &entry, FIXTURE_NOW_S * 1000000);
}

static void test_far_late_duplicate_is_skipped(void)
{
    aggregator agg;
    aggregator_init(&agg, 0);
    for (uint64_t seq = 1; seq <= FAR_LATE + 1; seq++)
        apply_seq(&agg, seq);
    apply_seq(&agg, 1); /* re-sent 10,000 numbers later */
    antenna_state *a = antenna_table_find(&agg.antennas, "a");
    TW_CHECK_INT(agg.records, FAR_LATE + 1);
    TW_CHECK_INT(agg.packets, 10 * (FAR_LATE + 1));
    TW_CHECK_INT(agg.duplicates, 1);
    TW_CHECK_INT(a->duplicates, 1);
    TW_CHECK_INT(aggregator_seq_gaps(&agg), 0);
    TW_CHECK_INT(aggregator_seq_untracked(&agg), 0);
    aggregator_free(&agg);
}

static void test_gap_splits_shrinks_and_goes(void)
{
    antenna_table table;
    antenna_state *a = table_with_a(&table);
    offer(a, 1);
    offer(a, 10);
    TW_CHECK_INT(a->seq_gaps, 8);
    check_gap(a, 0, 2, 9);
    TW_CHECK_INT(offer(a, 5), 1); /* the middle: split */
    TW_CHECK_INT(a->gap_count, 2);
    check_gap(a, 0, 2, 4);
    check_gap(a, 1, 6, 9);
    TW_CHECK_INT(offer(a, 5), 0);
    TW_CHECK_INT(offer(a, 2), 1); /* a low end */
    TW_CHECK_INT(offer(a, 9), 1); /* a high end */
    check_gap(a, 0, 3, 4);
    check_gap(a, 1, 6, 8);
    TW_CHECK_INT(a->seq_gaps, 5);
    TW_CHECK_INT(offer(a, 1), 0);
    TW_CHECK_INT(offer(a, 10), 0);
    TW_CHECK_INT(offer(a, 11), 1);
    TW_CHECK_INT(a->seq_gaps, 5);
    TW_CHECK_INT(a->duplicates, 0); /* counted by the caller, not here */
    antenna_table_free(&table);
}

static void test_cap_forgets_the_oldest_and_counts_untracked(void)
{
    antenna_table table;
    antenna_state *a = table_with_a(&table);
    /* odd numbers to 67: gaps 2, 4, ..., 66 are one more range than the cap */
    offer_range(a, 1, 2 * ANTENNA_SEQ_GAP_RANGES + 3, 2);
    TW_CHECK_INT(a->seq_gaps, ANTENNA_SEQ_GAP_RANGES + 1);
    TW_CHECK_INT(a->gap_count, ANTENNA_SEQ_GAP_RANGES);
    TW_CHECK_INT(a->forgotten_below, 2);
    check_gap(a, 0, 4, 4);
    TW_CHECK_INT(offer(a, 2), 1); /* forgotten: counted, no longer a gap to fill */
    TW_CHECK_INT(offer(a, 1), 1); /* seen once, but at the floor it cannot be told */
    TW_CHECK_INT(a->seq_untracked, 2);
    TW_CHECK_INT(a->seq_gaps, ANTENNA_SEQ_GAP_RANGES + 1);
    TW_CHECK_INT(offer(a, 4), 1); /* still tracked: exact */
    TW_CHECK_INT(offer(a, 3), 0);
    TW_CHECK_INT(a->seq_gaps, ANTENNA_SEQ_GAP_RANGES);
    TW_CHECK_INT(a->gap_count, ANTENNA_SEQ_GAP_RANGES - 1);
    antenna_table_free(&table);
}

static void test_split_at_the_cap(void)
{
    antenna_table table;
    antenna_state *a = table_with_a(&table);
    offer(a, 1); /* gaps [2,4], then 6, 8, ..., 66: the cap exactly */
    offer_range(a, 5, 2 * ANTENNA_SEQ_GAP_RANGES + 3, 2);
    TW_CHECK_INT(a->gap_count, ANTENNA_SEQ_GAP_RANGES);
    TW_CHECK_INT(a->forgotten_below, 0);
    TW_CHECK_INT(a->seq_gaps, 3 + ANTENNA_SEQ_GAP_RANGES - 1);
    TW_CHECK_INT(offer(a, 3), 1); /* splitting the oldest forgets its lower half */
    TW_CHECK_INT(a->forgotten_below, 2);
    TW_CHECK_INT(a->gap_count, ANTENNA_SEQ_GAP_RANGES);
    check_gap(a, 0, 4, 4);
    TW_CHECK_INT(a->seq_gaps, 3 + ANTENNA_SEQ_GAP_RANGES - 2);
    offer(a, 2 * ANTENNA_SEQ_GAP_RANGES + 6); /* a new range [68,69] forgets 4 */
    TW_CHECK_INT(a->forgotten_below, 4);
    check_gap(a, 0, 6, 6);
    check_gap(a, ANTENNA_SEQ_GAP_RANGES - 1, 68, 69);
    antenna_table_free(&table);
}

static void test_new_run_starts_a_fresh_tracker(void)
{
    antenna_table table;
    antenna_state *a = table_with_a(&table);
    offer_range(a, 1, 2 * ANTENNA_SEQ_GAP_RANGES + 3, 2);
    tw_report restarted = fixture_report("a", "run2", 3, 10);
    TW_CHECK_INT(antenna_accept_seq(a, &restarted), 1);
    TW_CHECK_STR(a->run, "run2");
    TW_CHECK_INT(a->forgotten_below, 0);
    TW_CHECK_INT(a->gap_count, 1);
    check_gap(a, 0, 1, 2);
    TW_CHECK_INT(a->seq_gaps, ANTENNA_SEQ_GAP_RANGES + 1 + 2); /* earlier losses stay */
    antenna_table_free(&table);
}

/* Writes the antenna and reads it into a fresh table; the restored antenna or NULL. */
static antenna_state *round_trip(const antenna_state *antenna, antenna_table *restored)
{
    tw_buf buf;
    tw_buf_init(&buf);
    tw_wire_writer out = {&buf};
    antenna_write(antenna, &out);
    tw_wire_reader in;
    tw_wire_reader_init(&in, buf.data, buf.len);
    int status = antenna_read(restored, &in);
    tw_buf_free(&buf);
    return status == TW_OK ? antenna_table_find(restored, antenna->id) : NULL;
}

static void test_encoding_keeps_ranges(void)
{
    antenna_table table, restored;
    antenna_table_init(&table);
    antenna_table_init(&restored);
    antenna_state *a = antenna_table_get(&table, "a");
    offer_range(a, 1, 2 * ANTENNA_SEQ_GAP_RANGES + 3, 2); /* over the cap: a floor */
    offer(a, 1000);
    offer(a, 1);
    antenna_state *b = round_trip(a, &restored);
    TW_CHECK(b != NULL);
    if (b) {
        TW_CHECK_STR(b->run, RUN);
        TW_CHECK_INT(b->max_seq, 1000);
        TW_CHECK_INT(b->forgotten_below, 4);
        TW_CHECK_INT(b->seq_gaps, a->seq_gaps);
        TW_CHECK_INT(b->seq_untracked, 1);
        TW_CHECK_INT(b->gap_count, a->gap_count);
        for (uint32_t i = 0; i < a->gap_count; i++)
            check_gap(b, i, a->gaps[i].lo, a->gaps[i].hi);
        check_gap(b, b->gap_count - 1, 68, 999);
        TW_CHECK_INT(offer(b, 500), 1);
        TW_CHECK_INT(offer(b, 500), 0);
        TW_CHECK_INT(b->seq_gaps, a->seq_gaps - 1);
    }
    antenna_table_free(&table);
    antenna_table_free(&restored);
}

/* An antenna whose encoding ends with its range list in one-byte varints: seqs 1, 3, 6
 * leave [2,2] and [4,5]; the blob's last five bytes are 2, 2, 2, 4, 5. */
static void write_small_ranges(tw_buf *buf)
{
    antenna_table table;
    antenna_state *a = table_with_a(&table);
    offer(a, 1);
    offer(a, 3);
    offer(a, 6);
    tw_wire_writer out = {buf};
    antenna_write(a, &out);
    antenna_table_free(&table);
}

static int read_with_tail(const tw_buf *blob, const unsigned char *tail, size_t tail_len)
{
    tw_buf patched;
    tw_buf_init(&patched);
    tw_buf_append(&patched, blob->data, blob->len - 5);
    tw_buf_append(&patched, tail, tail_len);
    antenna_table table;
    antenna_table_init(&table);
    tw_wire_reader in;
    tw_wire_reader_init(&in, patched.data, patched.len);
    int status = antenna_read(&table, &in);
    antenna_table_free(&table);
    tw_buf_free(&patched);
    return status;
}

static void test_corrupt_range_lists_are_rejected(void)
{
    tw_buf blob;
    tw_buf_init(&blob);
    write_small_ranges(&blob);
    const unsigned char valid[] = {2, 2, 2, 4, 5};
    TW_CHECK_INT(memcmp(blob.data + blob.len - 5, valid, 5), 0);
    TW_CHECK_INT(read_with_tail(&blob, valid, 5), TW_OK);
    const unsigned char unsorted[] = {2, 4, 5, 2, 2};
    const unsigned char overlapping[] = {2, 2, 4, 4, 5};
    const unsigned char reversed[] = {2, 2, 2, 5, 4};
    const unsigned char at_max[] = {2, 2, 2, 4, 6};
    const unsigned char above_max[] = {2, 2, 2, 7, 8};
    const unsigned char zero[] = {2, 0, 0, 4, 5};
    const unsigned char truncated[] = {2, 2, 2, 4};
    const unsigned char over_cap[] = {ANTENNA_SEQ_GAP_RANGES + 1};
    TW_CHECK_INT(read_with_tail(&blob, unsorted, 5), TW_INVALID);
    TW_CHECK_INT(read_with_tail(&blob, overlapping, 5), TW_INVALID);
    TW_CHECK_INT(read_with_tail(&blob, reversed, 5), TW_INVALID);
    TW_CHECK_INT(read_with_tail(&blob, at_max, 5), TW_INVALID);
    TW_CHECK_INT(read_with_tail(&blob, above_max, 5), TW_INVALID);
    TW_CHECK_INT(read_with_tail(&blob, zero, 5), TW_INVALID);
    TW_CHECK_INT(read_with_tail(&blob, truncated, 4), TW_INVALID);
    TW_CHECK_INT(read_with_tail(&blob, over_cap, 1), TW_INVALID);
    tw_buf_free(&blob);
}

static void test_longer_than_the_cap_is_rejected(void)
{
    antenna_table table;
    antenna_state *a = table_with_a(&table);
    offer_range(a, 1, 2 * ANTENNA_SEQ_GAP_RANGES + 1, 2); /* gaps 2..64 even: the cap */
    offer_range(a, 2 * ANTENNA_SEQ_GAP_RANGES + 2, 100, 1);
    tw_buf blob;
    tw_buf_init(&blob);
    tw_wire_writer out = {&blob};
    antenna_write(a, &out);
    size_t list = blob.len - 1 - 2 * ANTENNA_SEQ_GAP_RANGES; /* where the count is */
    TW_CHECK_INT(blob.data[list], ANTENNA_SEQ_GAP_RANGES);
    blob.data[list] = ANTENNA_SEQ_GAP_RANGES + 1;
    const unsigned char one_more[] = {90, 90}; /* sorted, below max_seq: only too many */
    tw_buf_append(&blob, one_more, sizeof one_more);
    antenna_table restored;
    antenna_table_init(&restored);
    tw_wire_reader in;
    tw_wire_reader_init(&in, blob.data, blob.len);
    TW_CHECK_INT(antenna_read(&restored, &in), TW_INVALID);
    antenna_table_free(&restored);
    tw_buf_free(&blob);
    antenna_table_free(&table);
}

/* Version 1 of the antenna encoding: no tag, then the same fields up to the run, then
 * max_seq, the 64-bit history (bit i: seq max_seq-1-i seen), seq_gaps, duplicates. */
static void write_v1(tw_buf *blob, uint64_t max_seq, uint64_t seen_below)
{
    antenna_table table;
    antenna_table_init(&table);
    tw_buf current;
    tw_buf_init(&current);
    tw_wire_writer out = {&current};
    antenna_write(antenna_table_get(&table, "a"), &out);
    const size_t tag_bytes = 2, empty_sequence_bytes = 7; /* "", then six zero varints */
    tw_buf_append(blob, current.data + tag_bytes, current.len - tag_bytes - empty_sequence_bytes);
    out.buf = blob;
    tw_wire_put_string(&out, RUN);
    tw_wire_put_varint(&out, max_seq);
    tw_wire_put_varint(&out, seen_below);
    tw_wire_put_varint(&out, 3); /* seq_gaps */
    tw_wire_put_varint(&out, 7); /* duplicates */
    tw_buf_free(&current);
    antenna_table_free(&table);
}

static antenna_state *read_blob(const tw_buf *blob, antenna_table *table)
{
    tw_wire_reader in;
    tw_wire_reader_init(&in, blob->data, blob->len);
    return antenna_read(table, &in) == TW_OK ? antenna_table_find(table, "a") : NULL;
}

static void test_version_1_history_converts_exactly(void)
{
    antenna_table table;
    antenna_table_init(&table);
    tw_buf blob;
    tw_buf_init(&blob);
    write_v1(&blob, 100, ~((1ULL << 0) | (1ULL << 9) | (1ULL << 10))); /* 99, 90, 89 unseen */
    antenna_state *a = read_blob(&blob, &table);
    TW_CHECK(a != NULL);
    if (a) {
        TW_CHECK_INT(a->max_seq, 100);
        TW_CHECK_INT(a->seq_gaps, 3);
        TW_CHECK_INT(a->duplicates, 7);
        TW_CHECK_INT(a->forgotten_below, 35); /* version 1 could not tell 35 and below */
        TW_CHECK_INT(a->gap_count, 2);
        check_gap(a, 0, 89, 90);
        check_gap(a, 1, 99, 99);
        TW_CHECK_INT(offer(a, 90), 1);
        TW_CHECK_INT(offer(a, 90), 0);
        TW_CHECK_INT(offer(a, 36), 0); /* the oldest number version 1 remembered */
        TW_CHECK_INT(offer(a, 35), 1);
        TW_CHECK_INT(a->seq_untracked, 1);
        TW_CHECK_INT(a->seq_gaps, 2);
    }
    tw_buf_reset(&blob);
    write_v1(&blob, 10, 0); /* a run first seen at 10 */
    a = read_blob(&blob, &table);
    TW_CHECK(a != NULL && a->gap_count == 1 && a->forgotten_below == 0);
    if (a)
        check_gap(a, 0, 1, 9);
    tw_buf_reset(&blob);
    write_v1(&blob, 200, 0x5555555555555555ULL); /* every other number: 32 ranges */
    a = read_blob(&blob, &table);
    TW_CHECK(a != NULL && a->gap_count == ANTENNA_SEQ_GAP_RANGES && a->forgotten_below == 135);
    if (a) {
        check_gap(a, 0, 136, 136);
        check_gap(a, ANTENNA_SEQ_GAP_RANGES - 1, 198, 198);
    }
    tw_buf_free(&blob);
    antenna_table_free(&table);
}

static void test_unknown_version_is_rejected(void)
{
    tw_buf blob;
    tw_buf_init(&blob);
    write_small_ranges(&blob);
    blob.data[1] = 3; /* the version after the zero tag */
    antenna_table table;
    antenna_table_init(&table);
    TW_CHECK(read_blob(&blob, &table) == NULL);
    TW_CHECK_INT(table.count, 0);
    tw_buf_free(&blob);
    antenna_table_free(&table);
}

/* One antenna as two replicas saw it, each in its own table. */
typedef struct {
    antenna_table mine, theirs;
    antenna_state *a; /* in mine */
    antenna_state *b; /* in theirs */
} replicas;

static void replicas_init(replicas *r)
{
    antenna_table_init(&r->mine);
    antenna_table_init(&r->theirs);
    r->a = antenna_table_get(&r->mine, "a");
    r->b = antenna_table_get(&r->theirs, "a");
}

static void replicas_free(replicas *r)
{
    antenna_table_free(&r->mine);
    antenna_table_free(&r->theirs);
}

static void test_merge_of_interleaved_halves_has_no_gaps(void)
{
    replicas r;
    replicas_init(&r);
    antenna_state *odd = r.a, *even = r.b;
    offer_range(odd, 1, 2 * ANTENNA_SEQ_GAP_RANGES - 1, 2);
    offer_range(even, 2, 2 * ANTENNA_SEQ_GAP_RANGES, 2);
    TW_CHECK_INT(odd->seq_gaps, ANTENNA_SEQ_GAP_RANGES - 1);
    TW_CHECK_INT(even->seq_gaps, ANTENNA_SEQ_GAP_RANGES);
    antenna_merge(odd, even);
    TW_CHECK_INT(odd->max_seq, 2 * ANTENNA_SEQ_GAP_RANGES);
    TW_CHECK_INT(odd->seq_gaps, 0);
    TW_CHECK_INT(odd->gap_count, 0);
    TW_CHECK(odd->gaps == NULL);
    TW_CHECK_INT(offer(odd, 2), 0);
    TW_CHECK_INT(offer(odd, 3), 0);
    replicas_free(&r);
}

static void test_merge_of_far_halves_has_no_gaps(void)
{
    replicas r;
    replicas_init(&r);
    antenna_state *outer = r.a, *inner = r.b;
    offer_range(outer, 1, 5000, 1);
    offer_range(outer, 5001 + FAR_LATE, 5000 + 2 * FAR_LATE, 1);
    offer_range(inner, 5001, 5000 + FAR_LATE, 1);
    TW_CHECK_INT(outer->seq_gaps, FAR_LATE);
    TW_CHECK_INT(inner->seq_gaps, 5000);
    antenna_merge(inner, outer);
    TW_CHECK_INT(inner->max_seq, 5000 + 2 * FAR_LATE);
    TW_CHECK_INT(inner->seq_gaps, 0);
    TW_CHECK_INT(inner->gap_count, 0);
    TW_CHECK_INT(offer(inner, 1), 0);
    TW_CHECK_INT(offer(inner, 5000 + FAR_LATE), 0);
    replicas_free(&r);
}

static void test_merge_keeps_what_neither_saw(void)
{
    replicas r;
    replicas_init(&r);
    antenna_state *a = r.a, *b = r.b;
    offer_range(a, 1, 6999, 1); /* all of 1..20000 but 7000-7002 and 15000 */
    offer_range(a, 7003, 14999, 1);
    offer_range(a, 15001, 20000, 1);
    offer(b, 7001); /* the other replica saw two of those */
    offer(b, 15000);
    TW_CHECK_INT(a->seq_gaps, 4);
    TW_CHECK_INT(b->seq_gaps, 14998);
    antenna_merge(a, b);
    TW_CHECK_INT(a->max_seq, 20000);
    TW_CHECK_INT(a->seq_gaps, 2);
    TW_CHECK_INT(a->gap_count, 2);
    check_gap(a, 0, 7000, 7000);
    check_gap(a, 1, 7002, 7002);
    TW_CHECK_INT(offer(a, 7001), 0);
    TW_CHECK_INT(offer(a, 15000), 0);
    TW_CHECK_INT(offer(a, 7000), 1);
    TW_CHECK_INT(offer(a, 7002), 1);
    TW_CHECK_INT(a->seq_gaps, 0);
    replicas_free(&r);
}

static void test_merge_over_a_floor_takes_the_higher_floor(void)
{
    replicas r;
    replicas_init(&r);
    antenna_state *a = r.a, *b = r.b;
    offer_range(a, 1, 2 * ANTENNA_SEQ_GAP_RANGES + 3, 2); /* forgot 2: floor 2 */
    offer_range(b, 3, 100, 1); /* 1 and 2 unseen: a range below a's floor */
    b->seq_untracked = 5;
    antenna_merge(b, a);
    TW_CHECK_INT(b->forgotten_below, 2);
    TW_CHECK_INT(b->seq_untracked, 5);
    TW_CHECK_INT(b->max_seq, 100);
    /* above the floor exact (b saw 3..100); at or below it the count rule takes what
     * each side saw as disjoint, as replicas' entries are: a saw 1, b neither, 2 is lost.
     * gaps 33 + 2, plus 33 seen by both in 3..67, minus the smaller newest 67: 1 */
    TW_CHECK_INT(b->seq_gaps, 1);
    TW_CHECK_INT(b->gap_count, 0);
    TW_CHECK_INT(offer(b, 2), 1);
    TW_CHECK_INT(b->seq_untracked, 6);
    replicas_free(&r);
}

static void test_newer_run_is_copied(void)
{
    replicas r;
    replicas_init(&r);
    antenna_state *a = r.a, *b = r.b;
    offer_range(a, 1, 9, 2);
    tw_report restarted = fixture_report("a", "run2", 5, 10);
    restarted.timestamp = FIXTURE_NOW_S + 1;
    antenna_accept_seq(b, &restarted);
    antenna_apply(b, &restarted, tw_sketch_key(restarted.latency_ms), FIXTURE_NOW_S);
    antenna_merge(a, b);
    antenna_table_free(&r.theirs); /* the copy owns its own ranges */
    antenna_table_init(&r.theirs);
    TW_CHECK_STR(a->run, "run2");
    TW_CHECK_INT(a->max_seq, 5);
    TW_CHECK_INT(a->gap_count, 1);
    check_gap(a, 0, 1, 4);
    TW_CHECK_INT(a->seq_gaps, 4 + 4);
    replicas_free(&r);
}

static tw_report report(const char *id, const char *run, uint64_t seq)
{
    return fixture_report(id, run, seq, 10);
}

static void test_sequence_gaps_and_duplicates(void)
{
    antenna_table table;
    antenna_state *a = table_with_a(&table);
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
        TW_CHECK_INT(b->forgotten_below, a->forgotten_below);
        TW_CHECK_INT(b->gap_count, a->gap_count);
        for (uint32_t i = 0; i < a->gap_count && i < b->gap_count; i++) {
            TW_CHECK_INT(b->gaps[i].lo, a->gaps[i].lo);
            TW_CHECK_INT(b->gaps[i].hi, a->gaps[i].hi);
        }
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

TW_TEST_MAIN("antenna_table", TW_TEST(test_no_gaps_no_allocation),
             TW_TEST(test_far_late_report_fills_its_gap),
             TW_TEST(test_far_late_duplicate_is_skipped), TW_TEST(test_gap_splits_shrinks_and_goes),
             TW_TEST(test_cap_forgets_the_oldest_and_counts_untracked),
             TW_TEST(test_split_at_the_cap), TW_TEST(test_new_run_starts_a_fresh_tracker),
             TW_TEST(test_encoding_keeps_ranges), TW_TEST(test_corrupt_range_lists_are_rejected),
             TW_TEST(test_longer_than_the_cap_is_rejected),
             TW_TEST(test_version_1_history_converts_exactly),
             TW_TEST(test_unknown_version_is_rejected),
             TW_TEST(test_merge_of_interleaved_halves_has_no_gaps),
             TW_TEST(test_merge_of_far_halves_has_no_gaps),
             TW_TEST(test_merge_keeps_what_neither_saw),
             TW_TEST(test_merge_over_a_floor_takes_the_higher_floor),
             TW_TEST(test_newer_run_is_copied), TW_TEST(test_sequence_gaps_and_duplicates),
             TW_TEST(test_table_grows_and_finds), TW_TEST(test_antenna_encoding_round_trip))
