/* SPSC ring implementation. Memory ordering: the producer writes slots, then publishes
 * tail with release; the consumer acquires tail before reading those slots, and
 * publishes head with release after copying them out, which the producer acquires
 * before reusing the slots. Only the remote index is ever loaded with acquire, and only
 * when the cached copy is insufficient. */
#include "spsc_ring.h"

#include <stdlib.h>
#include <string.h>

#include "tw_status.h"

static size_t round_up_pow2(size_t n)
{
    size_t pow2 = 1;
    while (pow2 < n)
        pow2 <<= 1;
    return pow2;
}

int spsc_ring_init(spsc_ring *ring, size_t capacity, size_t slot_bytes)
{
    memset(ring, 0, sizeof *ring);
    capacity = round_up_pow2(capacity < 2 ? 2 : capacity);
    ring->slots = aligned_alloc(SPSC_CACHE_LINE_BYTES,
                                ((capacity * slot_bytes + SPSC_CACHE_LINE_BYTES - 1) /
                                 SPSC_CACHE_LINE_BYTES) * SPSC_CACHE_LINE_BYTES);
    if (!ring->slots)
        return TW_ERR;
    ring->mask = capacity - 1;
    ring->slot_bytes = slot_bytes;
    atomic_init(&ring->head, 0);
    atomic_init(&ring->tail, 0);
    return TW_OK;
}

void spsc_ring_free(spsc_ring *ring)
{
    free(ring->slots);
    ring->slots = NULL;
}

/* Copies n slots between the ring (starting at index) and a flat array, wrapping once. */
static void copy_slots(spsc_ring *ring, size_t index, void *flat, size_t n, int into_ring)
{
    size_t first = index & ring->mask;
    size_t until_end = ring->mask + 1 - first;
    size_t part = n < until_end ? n : until_end;
    unsigned char *slot = ring->slots + first * ring->slot_bytes;
    unsigned char *array = flat;
    if (into_ring) {
        memcpy(slot, array, part * ring->slot_bytes);
        memcpy(ring->slots, array + part * ring->slot_bytes, (n - part) * ring->slot_bytes);
    } else {
        memcpy(array, slot, part * ring->slot_bytes);
        memcpy(array + part * ring->slot_bytes, ring->slots, (n - part) * ring->slot_bytes);
    }
}

size_t spsc_ring_push(spsc_ring *ring, const void *items, size_t n)
{
    size_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    size_t capacity = ring->mask + 1;
    size_t free_slots = capacity - (tail - ring->cached_head);
    if (free_slots < n) {
        ring->cached_head = atomic_load_explicit(&ring->head, memory_order_acquire);
        free_slots = capacity - (tail - ring->cached_head);
    }
    if (n > free_slots)
        n = free_slots;
    if (n == 0)
        return 0;
    copy_slots(ring, tail, (void *)items, n, 1);
    atomic_store_explicit(&ring->tail, tail + n, memory_order_release);
    return n;
}

size_t spsc_ring_pop(spsc_ring *ring, void *out, size_t max)
{
    size_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
    size_t available = ring->cached_tail - head;
    if (available < max) {
        ring->cached_tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
        available = ring->cached_tail - head;
    }
    if (max > available)
        max = available;
    if (max == 0)
        return 0;
    copy_slots(ring, head, out, max, 0);
    atomic_store_explicit(&ring->head, head + max, memory_order_release);
    return max;
}

size_t spsc_ring_size(const spsc_ring *ring)
{
    size_t tail = atomic_load_explicit(&((spsc_ring *)ring)->tail, memory_order_acquire);
    size_t head = atomic_load_explicit(&((spsc_ring *)ring)->head, memory_order_acquire);
    return tail - head;
}

size_t spsc_ring_capacity(const spsc_ring *ring)
{
    return ring->mask + 1;
}
