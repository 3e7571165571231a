/* Quantile sketch: error bound against an exact sort, exact merge, both encodings. */
#include <stdint.h>
#include <stdlib.h>

#include "tw_alloc.h"
#include "tw_sketch.h"
#include "tw_status.h"
#include "tw_test.h"

#define SAMPLES 200000

static uint64_t rng_state = 12345;

static double uniform(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) * 0x1.0p-53;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Heavy-tailed latencies spanning 0.01 ms .. 10 s. */
static double latency_sample(void)
{
    return 0.01 * exp(uniform() * log(1e6));
}

static void check_quantiles(const tw_sketch *sketch, double *sorted, size_t n)
{
    static const double qs[] = {0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        double exact = sorted[(size_t)floor(qs[i] * (double)(n - 1))];
        double estimate = tw_sketch_quantile(sketch, qs[i]);
        TW_CHECK(fabs(estimate - exact) <= TW_SKETCH_RELATIVE_ACCURACY * exact + 1e-12);
    }
}

static void test_error_bound_against_exact_sort(void)
{
    double *values = tw_xmalloc(SAMPLES * sizeof *values);
    tw_sketch sketch;
    tw_sketch_init(&sketch);
    for (size_t i = 0; i < SAMPLES; i++) {
        values[i] = latency_sample();
        tw_sketch_add(&sketch, values[i]);
    }
    qsort(values, SAMPLES, sizeof *values, compare_doubles);
    TW_CHECK_INT(sketch.count, SAMPLES);
    check_quantiles(&sketch, values, SAMPLES);
    TW_CHECK_NEAR(sketch.max, values[SAMPLES - 1], 0);
    TW_CHECK_NEAR(sketch.min, values[0], 0);
    tw_sketch_free(&sketch);
    free(values);
}

static int same_sketch(const tw_sketch *a, const tw_sketch *b)
{
    if (a->count != b->count || a->zero_count != b->zero_count || a->min != b->min ||
        a->max != b->max || fabs(a->sum - b->sum) > 1e-6 * fabs(a->sum))
        return 0;
    for (int32_t i = -400; i < 1200; i++) {
        if (tw_sketch_bucket_count(a, i) != tw_sketch_bucket_count(b, i))
            return 0;
    }
    return 1;
}

static void test_merge_equals_sketch_of_union(void)
{
    tw_sketch left, right, all;
    tw_sketch_init(&left);
    tw_sketch_init(&right);
    tw_sketch_init(&all);
    for (int i = 0; i < 50000; i++) {
        double value = i % 7 == 0 ? 0 : latency_sample() * (i % 2 ? 1 : 100);
        tw_sketch_add(i % 3 ? &left : &right, value);
        tw_sketch_add(&all, value);
    }
    tw_sketch_merge(&left, &right);
    TW_CHECK(same_sketch(&left, &all));
    TW_CHECK_NEAR(tw_sketch_quantile(&left, 0.99), tw_sketch_quantile(&all, 0.99), 0);
    tw_sketch_free(&left);
    tw_sketch_free(&right);
    tw_sketch_free(&all);
}

static void test_empty_and_zero(void)
{
    tw_sketch sketch;
    tw_sketch_init(&sketch);
    TW_CHECK(isnan(tw_sketch_quantile(&sketch, 0.5)));
    TW_CHECK(isnan(tw_sketch_mean(&sketch)));
    tw_sketch_add(&sketch, 0);
    tw_sketch_add(&sketch, 0);
    tw_sketch_add(&sketch, 10);
    TW_CHECK_NEAR(tw_sketch_quantile(&sketch, 0.5), 0, 0);
    TW_CHECK_NEAR(tw_sketch_quantile(&sketch, 1), 10, 0);
    TW_CHECK_NEAR(tw_sketch_mean(&sketch), 10.0 / 3, 1e-12);
    tw_sketch_free(&sketch);
}

/* Counters start one byte wide and widen on overflow without losing a count. */
static void test_counters_widen_on_overflow(void)
{
    tw_sketch sketch, big;
    tw_sketch_init(&sketch);
    int32_t key = tw_sketch_key(12.5);
    for (int i = 0; i < 70000; i++) {
        tw_sketch_add(&sketch, 12.5);
        if (i == 254)
            TW_CHECK_INT(sketch.count_width, 1);
        if (i == 255)
            TW_CHECK_INT(sketch.count_width, 2);
    }
    tw_sketch_add(&sketch, 3.0); /* a new key below the span keeps the wide counters */
    TW_CHECK_INT(sketch.count_width, 4);
    TW_CHECK_INT(tw_sketch_bucket_count(&sketch, key), 70000);
    TW_CHECK_INT(tw_sketch_bucket_count(&sketch, tw_sketch_key(3.0)), 1);
    tw_sketch_init(&big);
    for (int i = 0; i < 70000; i++)
        tw_sketch_merge(&big, &sketch); /* 4.9e9 in one bucket: past 32 bits */
    TW_CHECK_INT(big.count_width, 8);
    TW_CHECK(tw_sketch_bucket_count(&big, key) == UINT64_C(70000) * 70000);
    TW_CHECK_NEAR(tw_sketch_quantile(&big, 0.5), 12.5, 12.5 * TW_SKETCH_RELATIVE_ACCURACY);
    tw_sketch_free(&sketch);
    tw_sketch_free(&big);
}

static void test_json_round_trip(void)
{
    tw_sketch sketch, back;
    tw_sketch_init(&sketch);
    for (int i = 1; i <= 1000; i++)
        tw_sketch_add(&sketch, i * 0.37);
    cJSON *json = tw_sketch_to_json(&sketch);
    char *text = cJSON_PrintUnformatted(json);
    cJSON *parsed = cJSON_Parse(text);
    TW_CHECK_INT(tw_sketch_from_json(parsed, &back), TW_OK);
    TW_CHECK(same_sketch(&sketch, &back));
    cJSON *counts = cJSON_GetObjectItem(parsed, "counts");
    cJSON_ReplaceItemInArray(counts, 0, cJSON_CreateString("x"));
    tw_sketch bad;
    TW_CHECK_INT(tw_sketch_from_json(parsed, &bad), TW_INVALID); /* a count that is a string */
    TW_CHECK_INT(tw_sketch_from_json(cJSON_GetObjectItem(parsed, "nothing"), &bad), TW_INVALID);
    cJSON_ReplaceItemInArray(counts, 0, cJSON_CreateNumber(1));
    cJSON_ReplaceItemInObject(parsed, "offset", cJSON_CreateNumber(1e9));
    TW_CHECK_INT(tw_sketch_from_json(parsed, &bad), TW_INVALID); /* a span no value can have */
    cJSON_ReplaceItemInObject(parsed, "offset", cJSON_CreateNumber(-70000));
    TW_CHECK_INT(tw_sketch_from_json(parsed, &bad), TW_INVALID);
    free(text);
    cJSON_Delete(json);
    cJSON_Delete(parsed);
    tw_sketch_free(&sketch);
    tw_sketch_free(&back);
}

static void test_binary_round_trip_and_truncation(void)
{
    tw_sketch sketch, back;
    tw_sketch_init(&sketch);
    for (int i = 0; i < 5000; i++)
        tw_sketch_add(&sketch, latency_sample());
    tw_buf buf;
    tw_buf_init(&buf);
    tw_wire_writer out = {&buf};
    tw_sketch_write(&sketch, &out);
    tw_wire_reader in;
    tw_wire_reader_init(&in, buf.data, buf.len);
    TW_CHECK_INT(tw_sketch_read(&back, &in), TW_OK);
    TW_CHECK(same_sketch(&sketch, &back));
    tw_sketch_free(&back);
    for (size_t cut = 0; cut < buf.len; cut += 7) {
        tw_wire_reader_init(&in, buf.data, cut);
        TW_CHECK_INT(tw_sketch_read(&back, &in), TW_INVALID);
        tw_sketch_free(&back);
    }
    tw_buf_free(&buf);
    tw_sketch_free(&sketch);
}

/* Inputs the sketch fuzzer (tests/fuzz/common/fuzz_sketch.c) found, without its leading
 * selector byte: each decoded before the fix into a sketch no values can make. */
static const unsigned char fuzz_nan_min[] = {
    0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3b, 0x00, 0x00, 0x28, 0x00, 0x80,
    0xdb, 0xd4, 0xff, 0xff, 0xff, 0xff, 0xff, 0x64, 0x3a, 0x72, 0x00, 0x0a, 0x00, 0x00,
};
static const unsigned char fuzz_negative_zero_sum[] = {
    0xff, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x02, 0x02, 0x02, 0x02, 0x49,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x02, 0x02, 0x57, 0x01, 0x84, 0x02,
};
static const unsigned char fuzz_count_near_2_64[] = {
    0xa9, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13,
    0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13,
    0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13,
    0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13,
    0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13,
    0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

static int read_bytes(const unsigned char *data, size_t len, tw_sketch *out)
{
    tw_wire_reader in;
    tw_wire_reader_init(&in, data, len);
    return tw_sketch_read(out, &in);
}

static void test_fuzz_found_statistics_are_rejected(void)
{
    tw_sketch bad;
    /* a NaN min (merging into an empty sketch lost it) and a -0 sum (merging made it +0) */
    TW_CHECK_INT(read_bytes(fuzz_nan_min, sizeof fuzz_nan_min, &bad), TW_INVALID);
    tw_sketch_free(&bad);
    TW_CHECK_INT(read_bytes(fuzz_negative_zero_sum, sizeof fuzz_negative_zero_sum, &bad),
                 TW_INVALID);
    tw_sketch_free(&bad);
}

static void test_fuzz_found_quantile_of_a_count_near_2_64(void)
{
    /* count - 1 rounds up to 2^64 as a double: the top rank was cast out of range */
    tw_sketch sketch;
    TW_CHECK_INT(read_bytes(fuzz_count_near_2_64, sizeof fuzz_count_near_2_64, &sketch), TW_OK);
    TW_CHECK(sketch.count > UINT64_MAX - 4096);
    TW_CHECK(tw_sketch_quantile(&sketch, 1) == sketch.max);
    TW_CHECK(!isnan(tw_sketch_quantile(&sketch, 0.5)));
    tw_sketch_free(&sketch);
}

static void test_json_numbers_out_of_range_are_rejected_not_cast(void)
{
    static const char *const bad[] = {
        "{\"relative_accuracy\":0.01,\"count\":1e308,\"zero_count\":0,\"sum\":1,\"min\":1,"
        "\"max\":1,\"offset\":0,\"counts\":[1]}",
        "{\"relative_accuracy\":0.01,\"count\":1,\"zero_count\":-1,\"sum\":1,\"min\":1,"
        "\"max\":1,\"offset\":0,\"counts\":[1]}",
        "{\"relative_accuracy\":0.01,\"count\":1,\"zero_count\":0,\"sum\":1,\"min\":1,"
        "\"max\":1,\"offset\":0,\"counts\":[1e308]}",
        "{\"relative_accuracy\":0.01,\"count\":1.5,\"zero_count\":0,\"sum\":1,\"min\":1,"
        "\"max\":1,\"offset\":0,\"counts\":[1]}",
        "{\"relative_accuracy\":0.01,\"count\":1,\"zero_count\":0,\"sum\":1,\"min\":2,"
        "\"max\":1,\"offset\":0,\"counts\":[1]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *json = cJSON_Parse(bad[i]);
        tw_sketch sketch;
        TW_CHECK_INT(tw_sketch_from_json(json, &sketch), TW_INVALID);
        cJSON_Delete(json);
    }
    cJSON *good = cJSON_Parse("{\"relative_accuracy\":0.01,\"count\":1,\"zero_count\":0,"
                              "\"sum\":1,\"min\":1,\"max\":1,\"offset\":0,\"counts\":[1]}");
    tw_sketch sketch;
    TW_CHECK_INT(tw_sketch_from_json(good, &sketch), TW_OK);
    tw_sketch_free(&sketch);
    cJSON_Delete(good);
}

static void test_binary_offset_beyond_32_bits_is_rejected(void)
{
    /* count 1, zero 0, sum/min/max 1.0, offset 2^32 (was truncated to 0), length 1, count 1 */
    unsigned char blob[64];
    size_t n = 0;
    blob[n++] = 1;
    blob[n++] = 0;
    for (int d = 0; d < 3; d++) {
        static const unsigned char one[8] = {0, 0, 0, 0, 0, 0, 0xf0, 0x3f};
        memcpy(blob + n, one, sizeof one);
        n += sizeof one;
    }
    static const unsigned char offset_2_33[] = {0x80, 0x80, 0x80, 0x80, 0x20}; /* zigzag 2^32 */
    memcpy(blob + n, offset_2_33, sizeof offset_2_33);
    n += sizeof offset_2_33;
    blob[n++] = 1;
    blob[n++] = 1;
    tw_sketch sketch;
    TW_CHECK_INT(read_bytes(blob, n, &sketch), TW_INVALID);
    tw_sketch_free(&sketch);
}

TW_TEST_MAIN("sketch", TW_TEST(test_error_bound_against_exact_sort),
             TW_TEST(test_merge_equals_sketch_of_union), TW_TEST(test_empty_and_zero),
             TW_TEST(test_counters_widen_on_overflow), TW_TEST(test_json_round_trip),
             TW_TEST(test_binary_round_trip_and_truncation),
             TW_TEST(test_fuzz_found_statistics_are_rejected),
             TW_TEST(test_fuzz_found_quantile_of_a_count_near_2_64),
             TW_TEST(test_json_numbers_out_of_range_are_rejected_not_cast),
             TW_TEST(test_binary_offset_beyond_32_bits_is_rejected))
