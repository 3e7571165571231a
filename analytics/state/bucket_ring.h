/* Time buckets for sliding windows: a fixed ring of `count` buckets of `width_s` seconds,
 * each with record/packet/loss counts and a latency sketch. A bucket is reused when time
 * moves past it; a window sums the buckets that overlap it. Global windows use 1 s
 * buckets (exact to the second); per-antenna windows use 60 s buckets. */
#ifndef ANALYTICS_BUCKET_RING_H
#define ANALYTICS_BUCKET_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "tw_sketch.h"
#include "tw_wire.h"

typedef struct {
    int64_t start_s;   /* Unix second the bucket starts at; 0 = never used */
    uint64_t records;  /* valid records */
    uint64_t packets;  /* sum of packets */
    uint64_t loss;     /* sum of loss */
    tw_sketch latency; /* per-record latency */
    bool dirty;        /* changed since the last checkpoint */
} time_bucket;

typedef struct {
    int64_t width_s;      /* seconds per bucket */
    uint32_t count;       /* buckets in the ring */
    time_bucket *buckets; /* count buckets, owned */
} bucket_ring;

/* Window totals summed over buckets. */
typedef struct {
    uint64_t records;
    uint64_t packets;
    uint64_t loss;
    tw_sketch latency; /* merged; the caller frees it with tw_sketch_free */
} window_totals;

/* Allocates count buckets of width_s seconds. */
void bucket_ring_init(bucket_ring *ring, int64_t width_s, uint32_t count);
/* Frees every bucket. */
void bucket_ring_free(bucket_ring *ring);
/* Adds one record at Unix second ts (latency_key from tw_sketch_key); records too old for
 * the ring are ignored. */
void bucket_ring_add(bucket_ring *ring, int64_t ts, int64_t now_s, uint64_t packets,
                     uint64_t loss, double latency_ms, int32_t latency_key);
/* Adds into out every bucket overlapping (now_s - window_s, now_s]. */
void bucket_ring_sum(const bucket_ring *ring, int64_t now_s, int64_t window_s,
                     window_totals *out);
/* True when a used bucket counted in the window at from_s no longer counts at to_s: the
 * window's sums changed with time alone. */
bool bucket_ring_left_window(const bucket_ring *ring, int64_t window_s, int64_t from_s,
                             int64_t to_s);
/* Appends bucket i in binary form. */
void bucket_ring_write_bucket(const bucket_ring *ring, uint32_t i, tw_wire_writer *out);
/* Reads a bucket written by bucket_ring_write_bucket into its slot; TW_OK or TW_INVALID. */
int bucket_ring_read_bucket(bucket_ring *ring, tw_wire_reader *in);
/* Merges src's buckets into dst (same geometry): a period both hold is summed, a newer
 * period replaces an older one in its slot. Merged slots are marked dirty. */
void bucket_ring_merge(bucket_ring *dst, const bucket_ring *src);
/* Exchanges the contents of slot i between two rings of the same geometry. */
void bucket_ring_swap_bucket(bucket_ring *a, bucket_ring *b, uint32_t i);
/* Appends every used bucket (count first). */
void bucket_ring_write_all(const bucket_ring *ring, tw_wire_writer *out);
/* Reads what bucket_ring_write_all wrote; TW_OK or TW_INVALID. */
int bucket_ring_read_all(bucket_ring *ring, tw_wire_reader *in);

#endif
