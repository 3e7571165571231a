/* Bucket ring: windows summed from one-second buckets, a bucket reused as time moves on. */
#include "bucket_ring.h"
#include "report_fixture.h"
#include "tw_test.h"

#define NOW FIXTURE_NOW_S

static void test_second_windows(void)
{
    bucket_ring ring;
    bucket_ring_init(&ring, 1, 901);
    int64_t ages[] = {0, 30, 59, 60, 299, 300, 899, 900, 5000};
    for (size_t i = 0; i < sizeof ages / sizeof ages[0]; i++)
        bucket_ring_add(&ring, NOW - ages[i], NOW, 1ULL << i, 0, 1.0 + (double)i,
                        tw_sketch_key(1.0 + (double)i));
    bucket_ring_add(&ring, NOW + 30, NOW, 1000, 10, 2, tw_sketch_key(2)); /* future: now */
    int64_t windows[] = {60, 300, 900};
    uint64_t expected[] = {1 + 2 + 4 + 1000, 1 + 2 + 4 + 8 + 16 + 1000,
                           1 + 2 + 4 + 8 + 16 + 32 + 64 + 1000};
    for (int w = 0; w < 3; w++) {
        window_totals totals = {0};
        tw_sketch_init(&totals.latency);
        bucket_ring_sum(&ring, NOW, windows[w], &totals);
        TW_CHECK_INT(totals.packets, expected[w]);
        TW_CHECK_INT(totals.latency.count, totals.records);
        tw_sketch_free(&totals.latency);
    }
    /* time moves on: the bucket of "now" is reused 901 s later */
    bucket_ring_add(&ring, NOW + 901, NOW + 901, 5, 0, 1, tw_sketch_key(1));
    window_totals later = {0};
    tw_sketch_init(&later.latency);
    bucket_ring_sum(&ring, NOW + 901, 60, &later);
    TW_CHECK_INT(later.packets, 5);
    tw_sketch_free(&later.latency);
    bucket_ring_free(&ring);
}

TW_TEST_MAIN("bucket_ring", TW_TEST(test_second_windows))
