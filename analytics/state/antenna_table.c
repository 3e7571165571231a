/* Antenna table and per-antenna updates; see antenna_table.h. */
#include "antenna_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_api.h"
#include "tw_status.h"

#define TABLE_INITIAL_SLOTS 1024
#define INTERVAL_SMOOTHING 0.2
#define GAPS_INITIAL_RANGES 4 /* first allocation of an antenna's missing ranges */
/* 2: missing ranges. 1 (untagged): a 64-bit history of the seqs below the newest. */
#define ANTENNA_FORMAT_VERSION 2
#define V1_SEQ_HISTORY 64 /* seqs below the newest that version 1 remembered */

static uint64_t hash_id(const char *id)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (; *id; id++)
        hash = (hash ^ (unsigned char)*id) * 0x100000001b3ULL;
    return hash;
}

void antenna_table_init(antenna_table *table)
{
    memset(table, 0, sizeof *table);
    table->slot_count = TABLE_INITIAL_SLOTS;
    table->slots = tw_xcalloc(table->slot_count, sizeof *table->slots);
}

void antenna_table_free(antenna_table *table)
{
    for (size_t i = 0; i < table->count; i++) {
        tw_sketch_free(&table->items[i]->latency);
        bucket_ring_free(&table->items[i]->slots);
        free(table->items[i]->gaps);
        free(table->items[i]);
    }
    free(table->items);
    free(table->slots);
    memset(table, 0, sizeof *table);
}

/* Slot holding id, or the empty slot where it would go. */
static size_t probe(const antenna_table *table, const char *id)
{
    size_t mask = table->slot_count - 1;
    for (size_t i = hash_id(id) & mask;; i = (i + 1) & mask) {
        uint32_t entry = table->slots[i];
        if (entry == 0 || strcmp(table->items[entry - 1]->id, id) == 0)
            return i;
    }
}

antenna_state *antenna_table_find(const antenna_table *table, const char *id)
{
    uint32_t entry = table->slots[probe(table, id)];
    return entry ? table->items[entry - 1] : NULL;
}

static void grow_slots(antenna_table *table)
{
    free(table->slots);
    table->slot_count *= 2;
    table->slots = tw_xcalloc(table->slot_count, sizeof *table->slots);
    for (size_t i = 0; i < table->count; i++)
        table->slots[probe(table, table->items[i]->id)] = (uint32_t)(i + 1);
}

antenna_state *antenna_table_get(antenna_table *table, const char *id)
{
    size_t slot = probe(table, id);
    if (table->slots[slot])
        return table->items[table->slots[slot] - 1];
    if (table->count == table->items_cap) {
        table->items_cap = table->items_cap ? table->items_cap * 2 : 64;
        table->items = tw_xrealloc(table->items, table->items_cap * sizeof *table->items);
    }
    antenna_state *antenna = tw_xcalloc(1, sizeof *antenna);
    bucket_ring_init(&antenna->slots, ANTENNA_SLOT_WIDTH_S, ANTENNA_SLOT_COUNT);
    snprintf(antenna->id, sizeof antenna->id, "%s", id);
    antenna->interval_s = TW_DEFAULT_INTERVAL_S;
    tw_sketch_init(&antenna->latency);
    table->items[table->count++] = antenna;
    table->slots[slot] = (uint32_t)table->count;
    if (table->count * 2 > table->slot_count)
        grow_slots(table);
    return antenna;
}

static void gaps_clear(antenna_state *antenna)
{
    free(antenna->gaps);
    antenna->gaps = NULL;
    antenna->gap_count = 0;
    antenna->gap_cap = 0;
}

/* Room for one more range, grown by doubling up to the cap. */
static void gaps_reserve(antenna_state *antenna)
{
    if (antenna->gap_count < antenna->gap_cap)
        return;
    uint32_t cap = antenna->gap_cap ? antenna->gap_cap * 2 : GAPS_INITIAL_RANGES;
    if (cap > ANTENNA_SEQ_GAP_RANGES)
        cap = ANTENNA_SEQ_GAP_RANGES;
    antenna->gaps = tw_xrealloc(antenna->gaps, cap * sizeof *antenna->gaps);
    antenna->gap_cap = cap;
}

static void gap_remove(antenna_state *antenna, uint32_t index)
{
    antenna->gap_count--;
    memmove(&antenna->gaps[index], &antenna->gaps[index + 1],
            (antenna->gap_count - index) * sizeof *antenna->gaps);
    if (antenna->gap_count == 0)
        gaps_clear(antenna); /* back to no allocation, the normal case */
}

/* Inserts a range at index (the order is the caller's). At the cap the oldest range is
 * forgotten: its numbers stay counted as lost, and from then on nothing at or below it
 * can be told apart. */
static void gap_insert(antenna_state *antenna, uint32_t index, antenna_seq_gap gap)
{
    if (antenna->gap_count == ANTENNA_SEQ_GAP_RANGES) {
        if (index == 0) {
            antenna->forgotten_below = gap.hi; /* the new range is itself the oldest */
            return;
        }
        antenna->forgotten_below = antenna->gaps[0].hi;
        gap_remove(antenna, 0);
        index--;
    }
    gaps_reserve(antenna);
    memmove(&antenna->gaps[index + 1], &antenna->gaps[index],
            (antenna->gap_count - index) * sizeof *antenna->gaps);
    antenna->gaps[index] = gap;
    antenna->gap_count++;
}

/* Index of the first range ending at or above seq, gap_count if none. */
static uint32_t gap_search(const antenna_state *antenna, uint64_t seq)
{
    uint32_t lo = 0, hi = antenna->gap_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (antenna->gaps[mid].hi < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Marks seq, inside the range at index, as seen: the range shrinks, splits or goes. */
static void gap_fill(antenna_state *antenna, uint32_t index, uint64_t seq)
{
    antenna_seq_gap *gap = &antenna->gaps[index];
    if (gap->lo == gap->hi) {
        gap_remove(antenna, index);
    } else if (seq == gap->lo) {
        gap->lo++;
    } else if (seq == gap->hi) {
        gap->hi--;
    } else {
        antenna_seq_gap below = {gap->lo, seq - 1};
        gap->lo = seq + 1;
        gap_insert(antenna, index, below);
    }
}

static void start_run(antenna_state *antenna, const tw_report *report)
{
    snprintf(antenna->run, sizeof antenna->run, "%s", report->run);
    gaps_clear(antenna);
    antenna->forgotten_below = 0;
    antenna->max_seq = report->seq;
    if (report->seq > 1) /* reports 1..seq-1 of this run never arrived */
        gap_insert(antenna, 0, (antenna_seq_gap){1, report->seq - 1});
    antenna->seq_gaps += report->seq - 1;
}

bool antenna_accept_seq(antenna_state *antenna, const tw_report *report)
{
    uint64_t seq = report->seq;
    if (seq == 0)
        return true;
    if (strcmp(antenna->run, report->run) != 0 || antenna->max_seq == 0) {
        start_run(antenna, report);
        return true;
    }
    if (seq > antenna->max_seq) {
        if (seq > antenna->max_seq + 1)
            gap_insert(antenna, antenna->gap_count,
                       (antenna_seq_gap){antenna->max_seq + 1, seq - 1});
        antenna->seq_gaps += seq - antenna->max_seq - 1;
        antenna->max_seq = seq;
        return true;
    }
    if (seq <= antenna->forgotten_below) {
        antenna->seq_untracked++; /* too old to tell: count it */
        return true;
    }
    uint32_t index = gap_search(antenna, seq);
    if (index == antenna->gap_count || antenna->gaps[index].lo > seq)
        return false;
    gap_fill(antenna, index, seq);
    if (antenna->seq_gaps > 0)
        antenna->seq_gaps--; /* a late report filled a gap */
    return true;
}

void antenna_apply(antenna_state *antenna, const tw_report *report, int32_t latency_key,
                   int64_t now_s)
{
    if (report->timestamp > antenna->last_seen) {
        if (antenna->last_seen > 0 && antenna->records > 0) {
            double gap = (double)(report->timestamp - antenna->last_seen);
            antenna->interval_s += INTERVAL_SMOOTHING * (gap - antenna->interval_s);
        }
        antenna->last_seen = report->timestamp;
    }
    antenna->records++;
    antenna->packets += report->packets;
    antenna->loss += report->loss;
    tw_sketch_add_keyed(&antenna->latency, report->latency_ms, latency_key);
    bucket_ring_add(&antenna->slots, report->timestamp, now_s, report->packets, report->loss,
                    report->latency_ms, latency_key);
    antenna->dirty = true;
}

/* Ranges a side has not seen up to newest: its gaps, then what lies beyond its max_seq. */
static uint32_t missing_count(const antenna_state *side, uint64_t newest)
{
    return side->gap_count + (side->max_seq < newest);
}

static antenna_seq_gap missing_at(const antenna_state *side, uint32_t index, uint64_t newest)
{
    if (index < side->gap_count)
        return side->gaps[index];
    return (antenna_seq_gap){side->max_seq + 1, newest};
}

/* Numbers of the ranges that lie in [lo, hi]. */
static uint64_t gaps_within(const antenna_seq_gap *gaps, uint32_t count, uint64_t lo, uint64_t hi)
{
    uint64_t numbers = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t from = gaps[i].lo > lo ? gaps[i].lo : lo;
        uint64_t to = gaps[i].hi < hi ? gaps[i].hi : hi;
        if (from <= to)
            numbers += to - from + 1;
    }
    return numbers;
}

/* The ranges above floor that neither side saw, into out (room for both sides' missing
 * ranges); returns how many. */
static uint32_t intersect_missing(const antenna_state *x, const antenna_state *y, uint64_t floor,
                                  uint64_t newest, antenna_seq_gap *out)
{
    uint32_t count = 0, i = 0, j = 0;
    uint32_t x_count = missing_count(x, newest), y_count = missing_count(y, newest);
    while (i < x_count && j < y_count) {
        antenna_seq_gap a = missing_at(x, i, newest), b = missing_at(y, j, newest);
        uint64_t lo = a.lo > b.lo ? a.lo : b.lo;
        uint64_t hi = a.hi < b.hi ? a.hi : b.hi;
        if (lo <= floor)
            lo = floor + 1;
        if (lo <= hi)
            out[count++] = (antenna_seq_gap){lo, hi};
        if (a.hi < b.hi)
            i++;
        else
            j++;
    }
    return count;
}

/* Numbers in (floor, upto] seen by both sides. At or below a floor one side can no longer
 * tell, and the count rule takes them as seen by one side only, as replicas of a
 * consumer group see disjoint entries. */
static uint64_t seen_by_both(const antenna_state *x, const antenna_state *y, uint64_t floor,
                             uint64_t upto, const antenna_seq_gap *united, uint32_t united_count)
{
    if (upto <= floor)
        return 0;
    uint64_t missed_by_either = gaps_within(x->gaps, x->gap_count, floor + 1, upto) +
                                gaps_within(y->gaps, y->gap_count, floor + 1, upto) -
                                gaps_within(united, united_count, floor + 1, upto);
    return upto - floor - missed_by_either;
}

/* Makes gaps (count ranges, owned) the antenna's list above floor, forgetting the oldest
 * beyond the cap, and sizes the allocation to what is kept. */
static void install_gaps(antenna_state *antenna, antenna_seq_gap *gaps, uint32_t count,
                         uint64_t floor)
{
    gaps_clear(antenna);
    antenna->forgotten_below = floor;
    if (count > ANTENNA_SEQ_GAP_RANGES) {
        uint32_t excess = count - ANTENNA_SEQ_GAP_RANGES;
        antenna->forgotten_below = gaps[excess - 1].hi;
        count = ANTENNA_SEQ_GAP_RANGES;
        memmove(gaps, gaps + excess, count * sizeof *gaps);
    }
    if (count == 0) {
        free(gaps);
        return;
    }
    antenna->gaps = tw_xrealloc(gaps, count * sizeof *gaps);
    antenna->gap_count = count;
    antenna->gap_cap = count;
}

/* Room for count ranges, NULL for none. */
static antenna_seq_gap *gaps_alloc(uint32_t count)
{
    if (count == 0)
        return NULL;
    return tw_xmalloc(count * sizeof(antenna_seq_gap));
}

/* Unites two trackers of the same run. Each side counted the numbers it did not see up to
 * its own newest; united, a number is a gap only when neither saw it. With S1, S2 the
 * numbers each side saw and B those seen by both, the united gaps are
 * newest - (S1 + S2 - B) = gaps1 + gaps2 + B - (the smaller newest). */
static void merge_same_run(antenna_state *dst, const antenna_state *src)
{
    uint64_t newest = dst->max_seq > src->max_seq ? dst->max_seq : src->max_seq;
    uint64_t oldest_newest = dst->max_seq < src->max_seq ? dst->max_seq : src->max_seq;
    uint64_t floor =
        dst->forgotten_below > src->forgotten_below ? dst->forgotten_below : src->forgotten_below;
    antenna_seq_gap *united = gaps_alloc(missing_count(dst, newest) + missing_count(src, newest));
    uint32_t count = intersect_missing(dst, src, floor, newest, united);
    uint64_t both = seen_by_both(dst, src, floor, oldest_newest, united, count);
    uint64_t gaps = dst->seq_gaps + src->seq_gaps + both;
    dst->seq_gaps = gaps > oldest_newest ? gaps - oldest_newest : 0;
    install_gaps(dst, united, count, floor);
    dst->max_seq = newest;
}

/* dst tracks src's run from now on, with a copy of what src remembers. */
static void copy_tracker(antenna_state *dst, const antenna_state *src)
{
    snprintf(dst->run, sizeof dst->run, "%s", src->run);
    dst->max_seq = src->max_seq;
    antenna_seq_gap *gaps = gaps_alloc(src->gap_count);
    if (gaps)
        memcpy(gaps, src->gaps, src->gap_count * sizeof *gaps);
    install_gaps(dst, gaps, src->gap_count, src->forgotten_below);
}

static void merge_sequences(antenna_state *dst, const antenna_state *src)
{
    dst->seq_untracked += src->seq_untracked;
    if (src->max_seq == 0) {
        dst->seq_gaps += src->seq_gaps;
        return;
    }
    if (dst->max_seq != 0 && strcmp(dst->run, src->run) == 0) {
        merge_same_run(dst, src);
        return;
    }
    dst->seq_gaps += src->seq_gaps;
    if (dst->max_seq == 0 || src->last_seen > dst->last_seen)
        copy_tracker(dst, src); /* the newer run is the one still reporting */
}

void antenna_merge(antenna_state *dst, const antenna_state *src)
{
    merge_sequences(dst, src); /* before last_seen changes: it picks the newer run */
    if (src->last_seen > dst->last_seen) {
        dst->last_seen = src->last_seen;
        dst->interval_s = src->interval_s;
    }
    dst->records += src->records;
    dst->packets += src->packets;
    dst->loss += src->loss;
    dst->duplicates += src->duplicates;
    tw_sketch_merge(&dst->latency, &src->latency);
    bucket_ring_merge(&dst->slots, &src->slots);
    dst->dirty = true;
}

void antenna_write(const antenna_state *antenna, tw_wire_writer *out)
{
    tw_wire_put_varint(out, 0); /* no id is empty: where version 1 had the id's length, 0
                                   says a version follows */
    tw_wire_put_varint(out, ANTENNA_FORMAT_VERSION);
    tw_wire_put_string(out, antenna->id);
    tw_wire_put_svarint(out, antenna->last_seen);
    tw_wire_put_double(out, antenna->interval_s);
    tw_wire_put_varint(out, antenna->records);
    tw_wire_put_varint(out, antenna->packets);
    tw_wire_put_varint(out, antenna->loss);
    tw_sketch_write(&antenna->latency, out);
    bucket_ring_write_all(&antenna->slots, out);
    tw_wire_put_string(out, antenna->run);
    tw_wire_put_varint(out, antenna->max_seq);
    tw_wire_put_varint(out, antenna->forgotten_below);
    tw_wire_put_varint(out, antenna->seq_gaps);
    tw_wire_put_varint(out, antenna->seq_untracked);
    tw_wire_put_varint(out, antenna->duplicates);
    tw_wire_put_varint(out, antenna->gap_count);
    for (uint32_t i = 0; i < antenna->gap_count; i++) {
        tw_wire_put_varint(out, antenna->gaps[i].lo);
        tw_wire_put_varint(out, antenna->gaps[i].hi);
    }
}

/* The encoding version of the blob ahead; version 1 had no tag, it started with the id. */
static uint64_t read_version(tw_wire_reader *in)
{
    size_t start = in->pos;
    if (tw_wire_get_varint(in) == 0 && !in->failed)
        return tw_wire_get_varint(in);
    in->pos = start;
    return 1;
}

/* Version 1's history (bit i: seq max_seq-1-i seen) as ranges, exactly: what it could
 * not tell, more than 64 below the newest, becomes the forgotten floor. */
static void gaps_from_history(antenna_state *antenna, uint64_t seen_below)
{
    uint64_t max_seq = antenna->max_seq;
    antenna->forgotten_below = max_seq > V1_SEQ_HISTORY ? max_seq - V1_SEQ_HISTORY - 1 : 0;
    for (uint64_t seq = antenna->forgotten_below + 1; seq < max_seq; seq++) {
        if (seen_below & (1ULL << (max_seq - 1 - seq)))
            continue;
        antenna_seq_gap *last = antenna->gap_count ? &antenna->gaps[antenna->gap_count - 1] : NULL;
        if (last && last->hi + 1 == seq)
            last->hi = seq;
        else
            gap_insert(antenna, antenna->gap_count, (antenna_seq_gap){seq, seq});
    }
}

static int read_v1_sequence(antenna_state *antenna, tw_wire_reader *in)
{
    antenna->max_seq = tw_wire_get_varint(in);
    uint64_t seen_below = tw_wire_get_varint(in);
    antenna->seq_gaps = tw_wire_get_varint(in);
    antenna->duplicates = tw_wire_get_varint(in);
    antenna->seq_untracked = 0;
    if (in->failed)
        return TW_INVALID;
    gaps_from_history(antenna, seen_below);
    return TW_OK;
}

/* Reads the range list, trusting nothing: ascending, disjoint, above the floor, below
 * max_seq and within the cap, or TW_INVALID. */
static int read_gaps(antenna_state *antenna, tw_wire_reader *in)
{
    uint64_t count = tw_wire_get_varint(in);
    if (in->failed || count > ANTENNA_SEQ_GAP_RANGES)
        return TW_INVALID;
    antenna_seq_gap *gaps = gaps_alloc((uint32_t)count);
    uint64_t above = antenna->forgotten_below;
    for (uint64_t i = 0; i < count; i++) {
        gaps[i].lo = tw_wire_get_varint(in);
        gaps[i].hi = tw_wire_get_varint(in);
        if (in->failed || gaps[i].lo <= above || gaps[i].hi < gaps[i].lo ||
            gaps[i].hi >= antenna->max_seq) {
            free(gaps);
            return TW_INVALID;
        }
        above = gaps[i].hi;
    }
    install_gaps(antenna, gaps, (uint32_t)count, antenna->forgotten_below);
    return TW_OK;
}

static int read_sequence(antenna_state *antenna, tw_wire_reader *in)
{
    antenna->max_seq = tw_wire_get_varint(in);
    antenna->forgotten_below = tw_wire_get_varint(in);
    antenna->seq_gaps = tw_wire_get_varint(in);
    antenna->seq_untracked = tw_wire_get_varint(in);
    antenna->duplicates = tw_wire_get_varint(in);
    if (in->failed ||
        (antenna->forgotten_below > 0 && antenna->forgotten_below >= antenna->max_seq))
        return TW_INVALID;
    return read_gaps(antenna, in);
}

int antenna_read(antenna_table *table, tw_wire_reader *in)
{
    uint64_t version = read_version(in);
    char id[TW_ANTENNA_ID_MAX_LEN + 1];
    tw_wire_get_string(in, id, sizeof id);
    if (in->failed || version < 1 || version > ANTENNA_FORMAT_VERSION ||
        !tw_antenna_id_valid(id, strlen(id)))
        return TW_INVALID;
    antenna_state *antenna = antenna_table_get(table, id);
    antenna->last_seen = tw_wire_get_svarint(in);
    antenna->interval_s = tw_wire_get_double(in);
    antenna->records = tw_wire_get_varint(in);
    antenna->packets = tw_wire_get_varint(in);
    antenna->loss = tw_wire_get_varint(in);
    tw_sketch_free(&antenna->latency);
    if (tw_sketch_read(&antenna->latency, in) != TW_OK ||
        bucket_ring_read_all(&antenna->slots, in) != TW_OK)
        return TW_INVALID;
    tw_wire_get_string(in, antenna->run, sizeof antenna->run);
    gaps_clear(antenna);
    if (in->failed)
        return TW_INVALID;
    return version == 1 ? read_v1_sequence(antenna, in) : read_sequence(antenna, in);
}
