/* SPSC ring: ordering, wrap-around, full/empty behaviour, and a two-thread stress run
 * that checks every item arrives exactly once and in order (also built under TSan). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "spsc_ring.h"
#include "tw_status.h"
#include "tw_test.h"

#define STRESS_ITEMS 2000000
#define STRESS_BATCH 37

typedef struct {
    uint64_t sequence;
    uint64_t check;
    char payload[48];
} item64;

static void test_fifo_and_wrap(void)
{
    spsc_ring ring;
    TW_CHECK_INT(spsc_ring_init(&ring, 5, sizeof(uint32_t)), TW_OK);
    TW_CHECK_INT(spsc_ring_capacity(&ring), 8);
    uint32_t in[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[8] = {0};
    for (int round = 0; round < 5; round++) {
        TW_CHECK_INT(spsc_ring_push(&ring, in, 6), 6);
        TW_CHECK_INT(spsc_ring_pop(&ring, out, 4), 4);
        TW_CHECK_INT(out[0], 1);
        TW_CHECK_INT(out[3], 4);
        TW_CHECK_INT(spsc_ring_pop(&ring, out, 8), 2);
        TW_CHECK_INT(out[1], 6);
    }
    spsc_ring_free(&ring);
}

static void test_full_and_empty(void)
{
    spsc_ring ring;
    spsc_ring_init(&ring, 4, sizeof(uint64_t));
    uint64_t in[6] = {10, 11, 12, 13, 14, 15}, out[6];
    TW_CHECK_INT(spsc_ring_pop(&ring, out, 1), 0);
    TW_CHECK_INT(spsc_ring_push(&ring, in, 6), 4);
    TW_CHECK_INT(spsc_ring_size(&ring), 4);
    TW_CHECK_INT(spsc_ring_push(&ring, in + 4, 2), 0);
    TW_CHECK_INT(spsc_ring_pop(&ring, out, 2), 2);
    TW_CHECK_INT(spsc_ring_push(&ring, in + 4, 2), 2);
    TW_CHECK_INT(spsc_ring_pop(&ring, out, 6), 4);
    TW_CHECK_INT(out[0], 12);
    TW_CHECK_INT(out[3], 15);
    spsc_ring_free(&ring);
}

static void *produce(void *arg)
{
    spsc_ring *ring = arg;
    item64 batch[STRESS_BATCH];
    uint64_t next = 0;
    while (next < STRESS_ITEMS) {
        size_t n = 0;
        for (; n < STRESS_BATCH && next + n < STRESS_ITEMS; n++) {
            batch[n].sequence = next + n;
            batch[n].check = (next + n) * 2654435761ULL;
            batch[n].payload[47] = (char)(next + n);
        }
        size_t pushed = 0;
        while (pushed < n)
            pushed += spsc_ring_push(ring, batch + pushed, n - pushed);
        next += n;
    }
    return NULL;
}

static void test_two_thread_stress(void)
{
    spsc_ring ring;
    spsc_ring_init(&ring, 1024, sizeof(item64));
    pthread_t producer;
    pthread_create(&producer, NULL, produce, &ring);
    item64 batch[64];
    uint64_t expected = 0, errors = 0;
    while (expected < STRESS_ITEMS) {
        size_t n = spsc_ring_pop(&ring, batch, 64);
        for (size_t i = 0; i < n; i++, expected++) {
            errors += batch[i].sequence != expected ||
                      batch[i].check != expected * 2654435761ULL ||
                      batch[i].payload[47] != (char)expected;
        }
    }
    pthread_join(producer, NULL);
    TW_CHECK_INT(errors, 0);
    TW_CHECK_INT(expected, STRESS_ITEMS);
    TW_CHECK_INT(spsc_ring_size(&ring), 0);
    spsc_ring_free(&ring);
}

TW_TEST_MAIN("ring", TW_TEST(test_fifo_and_wrap), TW_TEST(test_full_and_empty),
             TW_TEST(test_two_thread_stress))
