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

static uint64_t hash_id(const char *id)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (; *id; id++)
        hash = (hash ^ (unsigned char)*id) * 0x100000001b3ULL;
    return hash;
}

int antenna_table_init(antenna_table *table)
{
    memset(table, 0, sizeof *table);
    table->slot_count = TABLE_INITIAL_SLOTS;
    table->slots = tw_xcalloc(table->slot_count, sizeof *table->slots);
    return TW_OK;
}

void antenna_table_free(antenna_table *table)
{
    for (size_t i = 0; i < table->count; i++) {
        tw_sketch_free(&table->items[i]->latency);
        bucket_ring_free(&table->items[i]->slots);
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
    if (bucket_ring_init(&antenna->slots, ANTENNA_SLOT_WIDTH_S, ANTENNA_SLOT_COUNT))
        abort();
    snprintf(antenna->id, sizeof antenna->id, "%s", id);
    antenna->interval_s = TW_DEFAULT_INTERVAL_S;
    tw_sketch_init(&antenna->latency);
    table->items[table->count++] = antenna;
    table->slots[slot] = (uint32_t)table->count;
    if (table->count * 2 > table->slot_count)
        grow_slots(table);
    return antenna;
}

static void start_run(antenna_state *antenna, const tw_report *report)
{
    snprintf(antenna->run, sizeof antenna->run, "%s", report->run);
    antenna->max_seq = report->seq;
    antenna->seen_below = 0;
    antenna->seq_gaps += report->seq - 1; /* reports 1..seq-1 of this run never arrived */
}

bool antenna_accept_seq(antenna_state *antenna, const tw_report *report)
{
    if (report->seq == 0)
        return true;
    if (strcmp(antenna->run, report->run) != 0 || antenna->max_seq == 0) {
        start_run(antenna, report);
        return true;
    }
    if (report->seq > antenna->max_seq) {
        uint64_t step = report->seq - antenna->max_seq;
        antenna->seq_gaps += step - 1;
        antenna->seen_below = step >= ANTENNA_SEQ_HISTORY
                                  ? 0
                                  : (antenna->seen_below << step) | (1ULL << (step - 1));
        antenna->max_seq = report->seq;
        return true;
    }
    uint64_t below = antenna->max_seq - report->seq; /* 0 = the newest itself */
    if (below == 0)
        return false;
    if (below > ANTENNA_SEQ_HISTORY)
        return true; /* too old to tell: count it */
    uint64_t bit = 1ULL << (below - 1);
    if (antenna->seen_below & bit)
        return false;
    antenna->seen_below |= bit;
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

/* The sequence numbers remembered by a tracker with newest max_seq and history bits
 * seen_below, re-expressed as history bits below a newer newest `newest`. */
static uint64_t history_below(uint64_t max_seq, uint64_t seen_below, uint64_t newest)
{
    uint64_t shift = newest - max_seq;
    if (shift == 0)
        return seen_below;
    if (shift > ANTENNA_SEQ_HISTORY)
        return 0;
    uint64_t older = shift == ANTENNA_SEQ_HISTORY ? 0 : seen_below << shift;
    return older | (1ULL << (shift - 1)); /* max_seq itself */
}

/* Unites two trackers of the same run. Gaps: each side counted the numbers it did not
 * see up to its own newest; united, a number is a gap only when neither saw it. */
static void merge_same_run(antenna_state *dst, const antenna_state *src)
{
    uint64_t newest = dst->max_seq > src->max_seq ? dst->max_seq : src->max_seq;
    uint64_t oldest_newest = dst->max_seq < src->max_seq ? dst->max_seq : src->max_seq;
    uint64_t mine = history_below(dst->max_seq, dst->seen_below, newest);
    uint64_t theirs = history_below(src->max_seq, src->seen_below, newest);
    uint64_t both = (uint64_t)__builtin_popcountll(mine & theirs) +
                    (dst->max_seq == src->max_seq);
    uint64_t gaps = dst->seq_gaps + src->seq_gaps + both;
    dst->seq_gaps = gaps > oldest_newest ? gaps - oldest_newest : 0;
    dst->seen_below = mine | theirs;
    dst->max_seq = newest;
}

static void merge_sequences(antenna_state *dst, const antenna_state *src)
{
    if (src->max_seq == 0) {
        dst->seq_gaps += src->seq_gaps;
        return;
    }
    if (dst->max_seq != 0 && strcmp(dst->run, src->run) == 0) {
        merge_same_run(dst, src);
        return;
    }
    dst->seq_gaps += src->seq_gaps;
    if (dst->max_seq == 0 || src->last_seen > dst->last_seen) {
        /* the newer run is the one still reporting */
        snprintf(dst->run, sizeof dst->run, "%s", src->run);
        dst->max_seq = src->max_seq;
        dst->seen_below = src->seen_below;
    }
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
    tw_wire_put_varint(out, antenna->seen_below);
    tw_wire_put_varint(out, antenna->seq_gaps);
    tw_wire_put_varint(out, antenna->duplicates);
}

int antenna_read(antenna_table *table, tw_wire_reader *in)
{
    char id[TW_ANTENNA_ID_MAX_LEN + 1];
    tw_wire_get_string(in, id, sizeof id);
    if (in->failed || !tw_antenna_id_valid(id, strlen(id)))
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
    antenna->max_seq = tw_wire_get_varint(in);
    antenna->seen_below = tw_wire_get_varint(in);
    antenna->seq_gaps = tw_wire_get_varint(in);
    antenna->duplicates = tw_wire_get_varint(in);
    return in->failed ? TW_INVALID : TW_OK;
}
