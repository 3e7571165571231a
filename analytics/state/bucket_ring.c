/* Bucket ring implementation; see bucket_ring.h. */
#include "bucket_ring.h"

#include <stdlib.h>

#include "tw_alloc.h"
#include "tw_status.h"

void bucket_ring_init(bucket_ring *ring, int64_t width_s, uint32_t count)
{
    ring->width_s = width_s;
    ring->count = count;
    ring->buckets = tw_xcalloc(count, sizeof *ring->buckets);
    for (uint32_t i = 0; i < count; i++)
        tw_sketch_init(&ring->buckets[i].latency);
}

void bucket_ring_free(bucket_ring *ring)
{
    for (uint32_t i = 0; ring->buckets && i < ring->count; i++)
        tw_sketch_free(&ring->buckets[i].latency);
    free(ring->buckets);
    ring->buckets = NULL;
}

static void reset_bucket(time_bucket *bucket, int64_t start_s)
{
    tw_sketch_free(&bucket->latency);
    bucket->start_s = start_s;
    bucket->records = bucket->packets = bucket->loss = 0;
}

void bucket_ring_add(bucket_ring *ring, int64_t ts, int64_t now_s, uint64_t packets,
                     uint64_t loss, double latency_ms, int32_t latency_key)
{
    if (ts > now_s)
        ts = now_s; /* a sender clock ahead of ours counts as "now" */
    int64_t start = ts - ts % ring->width_s;
    int64_t oldest = now_s - now_s % ring->width_s - (int64_t)(ring->count - 1) * ring->width_s;
    if (start < oldest || start <= 0)
        return;
    time_bucket *bucket = &ring->buckets[(start / ring->width_s) % ring->count];
    if (bucket->start_s > start)
        return; /* the slot already holds a newer period */
    if (bucket->start_s != start)
        reset_bucket(bucket, start);
    bucket->records++;
    bucket->packets += packets;
    bucket->loss += loss;
    tw_sketch_add_keyed(&bucket->latency, latency_ms, latency_key);
    bucket->dirty = true;
}

/* A window holds records with timestamp in (now - window, now]; a bucket counts when its
 * last second falls in it. */
static bool counts_in_window(const bucket_ring *ring, const time_bucket *bucket, int64_t now_s,
                             int64_t window_s)
{
    return bucket->start_s > 0 && bucket->start_s <= now_s &&
           bucket->start_s + ring->width_s - 1 > now_s - window_s;
}

void bucket_ring_sum(const bucket_ring *ring, int64_t now_s, int64_t window_s,
                     window_totals *out)
{
    for (uint32_t i = 0; i < ring->count; i++) {
        const time_bucket *bucket = &ring->buckets[i];
        if (!counts_in_window(ring, bucket, now_s, window_s) || bucket->records == 0)
            continue;
        out->records += bucket->records;
        out->packets += bucket->packets;
        out->loss += bucket->loss;
        tw_sketch_merge(&out->latency, &bucket->latency);
    }
}

bool bucket_ring_left_window(const bucket_ring *ring, int64_t window_s, int64_t from_s,
                             int64_t to_s)
{
    for (uint32_t i = 0; i < ring->count; i++) {
        const time_bucket *bucket = &ring->buckets[i];
        if (bucket->records > 0 && counts_in_window(ring, bucket, from_s, window_s) &&
            !counts_in_window(ring, bucket, to_s, window_s))
            return true;
    }
    return false;
}

void bucket_ring_merge(bucket_ring *dst, const bucket_ring *src)
{
    for (uint32_t i = 0; i < src->count && i < dst->count; i++) {
        const time_bucket *from = &src->buckets[i];
        time_bucket *into = &dst->buckets[i];
        if (from->start_s <= 0 || from->start_s < into->start_s)
            continue; /* unused, or older than the period dst already holds there */
        if (from->start_s != into->start_s)
            reset_bucket(into, from->start_s);
        into->records += from->records;
        into->packets += from->packets;
        into->loss += from->loss;
        tw_sketch_merge(&into->latency, &from->latency);
        into->dirty = true;
    }
}

void bucket_ring_swap_bucket(bucket_ring *a, bucket_ring *b, uint32_t i)
{
    time_bucket held = a->buckets[i];
    a->buckets[i] = b->buckets[i];
    b->buckets[i] = held;
}

void bucket_ring_write_bucket(const bucket_ring *ring, uint32_t i, tw_wire_writer *out)
{
    const time_bucket *bucket = &ring->buckets[i];
    tw_wire_put_svarint(out, bucket->start_s);
    tw_wire_put_varint(out, bucket->records);
    tw_wire_put_varint(out, bucket->packets);
    tw_wire_put_varint(out, bucket->loss);
    tw_sketch_write(&bucket->latency, out);
}

int bucket_ring_read_bucket(bucket_ring *ring, tw_wire_reader *in)
{
    int64_t start = tw_wire_get_svarint(in);
    if (in->failed || start <= 0 || start % ring->width_s)
        return TW_INVALID;
    time_bucket *bucket = &ring->buckets[(start / ring->width_s) % ring->count];
    reset_bucket(bucket, start);
    bucket->records = tw_wire_get_varint(in);
    bucket->packets = tw_wire_get_varint(in);
    bucket->loss = tw_wire_get_varint(in);
    if (tw_sketch_read(&bucket->latency, in) != TW_OK)
        return TW_INVALID;
    return in->failed ? TW_INVALID : TW_OK;
}

void bucket_ring_write_all(const bucket_ring *ring, tw_wire_writer *out)
{
    uint32_t used = 0;
    for (uint32_t i = 0; i < ring->count; i++)
        used += ring->buckets[i].start_s > 0;
    tw_wire_put_varint(out, used);
    for (uint32_t i = 0; i < ring->count; i++) {
        if (ring->buckets[i].start_s > 0)
            bucket_ring_write_bucket(ring, i, out);
    }
}

int bucket_ring_read_all(bucket_ring *ring, tw_wire_reader *in)
{
    uint64_t used = tw_wire_get_varint(in);
    if (in->failed || used > ring->count)
        return TW_INVALID;
    for (uint64_t i = 0; i < used; i++) {
        if (bucket_ring_read_bucket(ring, in) != TW_OK)
            return TW_INVALID;
    }
    return TW_OK;
}
