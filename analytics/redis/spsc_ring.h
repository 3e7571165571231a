/* Lock-free single-producer/single-consumer ring of fixed-size slots in C11 atomics.
 * Producer and consumer indices live on separate cache lines; each side keeps a cached
 * copy of the other's index and only reloads it when the cache says "full"/"empty", and
 * both sides move whole batches per index publish. */
#ifndef ANALYTICS_SPSC_RING_H
#define ANALYTICS_SPSC_RING_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>

#define SPSC_CACHE_LINE_BYTES 64

typedef struct {
    alignas(SPSC_CACHE_LINE_BYTES) _Atomic size_t head; /* consumer: next slot to read */
    size_t cached_tail;                                /* consumer's copy of tail */
    alignas(SPSC_CACHE_LINE_BYTES) _Atomic size_t tail; /* producer: next slot to write */
    size_t cached_head;                                /* producer's copy of head */
    alignas(SPSC_CACHE_LINE_BYTES) size_t mask;        /* capacity - 1 (capacity is 2^k) */
    size_t slot_bytes;                                 /* bytes per slot */
    unsigned char *slots;                              /* capacity * slot_bytes, owned */
} spsc_ring;

/* Allocates a ring of capacity slots (rounded up to a power of two); TW_OK or TW_ERR. */
int spsc_ring_init(spsc_ring *ring, size_t capacity, size_t slot_bytes);
/* Frees the slots. Neither side may be using the ring. */
void spsc_ring_free(spsc_ring *ring);
/* Producer: copies up to n items in and publishes them at once; returns how many fit. */
size_t spsc_ring_push(spsc_ring *ring, const void *items, size_t n);
/* Consumer: copies up to max items out and releases their slots at once; returns how many. */
size_t spsc_ring_pop(spsc_ring *ring, void *out, size_t max);
/* Items currently in the ring (approximate while both sides run). */
size_t spsc_ring_size(const spsc_ring *ring);
/* Slots in the ring. */
size_t spsc_ring_capacity(const spsc_ring *ring);

#endif
