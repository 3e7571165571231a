/* Ring benchmark: towerwatch's SPSC ring against Concurrency Kit's ck_ring (SPSC, typed
 * in-place records), two threads, 16/32/64-byte records, same item count, best of N runs.
 * Prints Mitems/s for each and the ratio. */
#include <ck_ring.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spsc_ring.h"
#include "tw_time.h"

#define ITEMS 20000000ULL
#define RING_SLOTS 4096
#define RUNS 3
#define OUR_BATCH 64

#define RECORD_TYPE(bytes)                                                                         \
    struct record##bytes {                                                                         \
        uint64_t sequence;                                                                         \
        char payload[(bytes) - sizeof(uint64_t)];                                                  \
    };                                                                                             \
    CK_RING_PROTOTYPE(record##bytes, record##bytes)

RECORD_TYPE(16)
RECORD_TYPE(32)
RECORD_TYPE(64)

typedef struct {
    struct ck_ring ring;
    void *buffer;
    spsc_ring ours;
    size_t batch;
    uint64_t checksum;
} bench_ctx;

/* ck_ring producer/consumer pairs per record size. */
#define CK_THREADS(bytes)                                                                          \
    static void *ck_produce##bytes(void *arg)                                                      \
    {                                                                                              \
        bench_ctx *ctx = arg;                                                                      \
        struct record##bytes item;                                                                 \
        memset(&item, 0, sizeof item);                                                             \
        for (uint64_t i = 0; i < ITEMS; i++) {                                                     \
            item.sequence = i;                                                                     \
            while (!ck_ring_enqueue_spsc_record##bytes(&ctx->ring, ctx->buffer, &item))            \
                ;                                                                                  \
        }                                                                                          \
        return NULL;                                                                               \
    }                                                                                              \
    static void ck_consume##bytes(bench_ctx *ctx)                                                  \
    {                                                                                              \
        struct record##bytes item;                                                                 \
        uint64_t sum = 0;                                                                          \
        for (uint64_t i = 0; i < ITEMS; i++) {                                                     \
            while (!ck_ring_dequeue_spsc_record##bytes(&ctx->ring, ctx->buffer, &item))            \
                ;                                                                                  \
            sum += item.sequence;                                                                  \
        }                                                                                          \
        ctx->checksum = sum;                                                                       \
    }

CK_THREADS(16)
CK_THREADS(32)
CK_THREADS(64)

typedef struct {
    size_t bytes;
    void *(*ck_produce)(void *);
    void (*ck_consume)(bench_ctx *);
} record_kind;

static size_t record_bytes;

static void *ours_produce(void *arg)
{
    bench_ctx *ctx = arg;
    unsigned char *batch = calloc(ctx->batch, record_bytes);
    for (uint64_t next = 0; next < ITEMS;) {
        size_t n = ctx->batch;
        if (n > ITEMS - next)
            n = (size_t)(ITEMS - next);
        for (size_t i = 0; i < n; i++) {
            uint64_t sequence = next + i;
            memcpy(batch + i * record_bytes, &sequence, sizeof sequence);
        }
        for (size_t pushed = 0; pushed < n;)
            pushed += spsc_ring_push(&ctx->ours, batch + pushed * record_bytes, n - pushed);
        next += n;
    }
    free(batch);
    return NULL;
}

static void ours_consume(bench_ctx *ctx)
{
    unsigned char *batch = calloc(ctx->batch, record_bytes);
    uint64_t sum = 0;
    for (uint64_t got = 0; got < ITEMS;) {
        size_t n = spsc_ring_pop(&ctx->ours, batch, ctx->batch);
        for (size_t i = 0; i < n; i++) {
            uint64_t sequence;
            memcpy(&sequence, batch + i * record_bytes, sizeof sequence);
            sum += sequence;
        }
        got += n;
    }
    free(batch);
    ctx->checksum = sum;
}

static double run_ck(const record_kind *kind)
{
    bench_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.buffer = aligned_alloc(64, RING_SLOTS * kind->bytes);
    ck_ring_init(&ctx.ring, RING_SLOTS);
    pthread_t producer;
    int64_t start = tw_mono_us();
    pthread_create(&producer, NULL, kind->ck_produce, &ctx);
    kind->ck_consume(&ctx);
    pthread_join(producer, NULL);
    double seconds = (double)(tw_mono_us() - start) / 1e6;
    free(ctx.buffer);
    if (ctx.checksum != ITEMS * (ITEMS - 1) / 2)
        fprintf(stderr, "ck_ring checksum mismatch\n"), exit(1);
    return (double)ITEMS / seconds / 1e6;
}

static double run_ours(size_t bytes, size_t batch)
{
    bench_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    record_bytes = bytes;
    ctx.batch = batch;
    spsc_ring_init(&ctx.ours, RING_SLOTS, bytes);
    pthread_t producer;
    int64_t start = tw_mono_us();
    pthread_create(&producer, NULL, ours_produce, &ctx);
    ours_consume(&ctx);
    pthread_join(producer, NULL);
    double seconds = (double)(tw_mono_us() - start) / 1e6;
    spsc_ring_free(&ctx.ours);
    if (ctx.checksum != ITEMS * (ITEMS - 1) / 2)
        fprintf(stderr, "ring checksum mismatch\n"), exit(1);
    return (double)ITEMS / seconds / 1e6;
}

static double best(double a, double b)
{
    return a > b ? a : b;
}

int main(void)
{
    const record_kind kinds[] = {{16, ck_produce16, ck_consume16},
                                 {32, ck_produce32, ck_consume32},
                                 {64, ck_produce64, ck_consume64}};
    printf("ring: %llu items, %d slots, best of %d runs, Mitems/s\n", ITEMS, RING_SLOTS, RUNS);
    printf("%-8s %12s %16s %8s %16s %8s\n", "record", "ck_ring", "ours batch 64", "ratio",
           "ours batch 1", "ratio");
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        double ck = 0, ours = 0, single = 0;
        for (int run = 0; run < RUNS; run++) {
            ck = best(ck, run_ck(&kinds[k]));
            ours = best(ours, run_ours(kinds[k].bytes, OUR_BATCH));
            single = best(single, run_ours(kinds[k].bytes, 1));
        }
        printf("%-8zu %12.1f %16.1f %7.2fx %16.1f %7.2fx\n", kinds[k].bytes, ck, ours, ours / ck,
               single, single / ck);
    }
    return 0;
}
