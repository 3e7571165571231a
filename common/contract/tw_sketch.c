/* Log-bucketed quantile sketch. Bucket i holds values in (gamma^(i-1), gamma^i] with
 * gamma = (1+a)/(1-a); reporting 2*gamma^i/(gamma+1) for a bucket is then within a
 * relative error a of every value in it. Storage is one dense array spanning the indexes
 * actually used, grown on demand (an antenna's latencies span few buckets), with counters
 * as narrow as the largest count allows. */
#include "tw_sketch.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_status.h"

#define SKETCH_MAX_BUCKETS 4096

static double sketch_gamma(void)
{
    return (1 + TW_SKETCH_RELATIVE_ACCURACY) / (1 - TW_SKETCH_RELATIVE_ACCURACY);
}

static double log_gamma(void)
{
    static double cached;
    if (cached == 0)
        cached = log(sketch_gamma());
    return cached;
}

static int32_t bucket_index(double value)
{
    if (value > TW_SKETCH_MAX_VALUE)
        value = TW_SKETCH_MAX_VALUE;
    return (int32_t)ceil(log(value) / log_gamma());
}

static double bucket_value(int32_t index)
{
    double gamma = sketch_gamma();
    return 2 * pow(gamma, index) / (gamma + 1);
}

void tw_sketch_init(tw_sketch *sketch)
{
    memset(sketch, 0, sizeof *sketch);
    sketch->min = INFINITY;
    sketch->max = -INFINITY;
}

void tw_sketch_free(tw_sketch *sketch)
{
    free(sketch->counts);
    tw_sketch_init(sketch);
}

/* Counter i, whatever its width. */
static uint64_t counter_get(const tw_sketch *sketch, uint32_t i)
{
    switch (sketch->count_width) {
    case 1:
        return ((const uint8_t *)sketch->counts)[i];
    case 2:
        return ((const uint16_t *)sketch->counts)[i];
    case 4:
        return ((const uint32_t *)sketch->counts)[i];
    default:
        return ((const uint64_t *)sketch->counts)[i];
    }
}

/* Stores a value that fits the current width into counter i. */
static void counter_put(tw_sketch *sketch, uint32_t i, uint64_t value)
{
    switch (sketch->count_width) {
    case 1:
        ((uint8_t *)sketch->counts)[i] = (uint8_t)value;
        break;
    case 2:
        ((uint16_t *)sketch->counts)[i] = (uint16_t)value;
        break;
    case 4:
        ((uint32_t *)sketch->counts)[i] = (uint32_t)value;
        break;
    default:
        ((uint64_t *)sketch->counts)[i] = value;
        break;
    }
}

/* Largest value a counter of width bytes holds. */
static uint64_t width_max(uint8_t width)
{
    return width >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * width)) - 1;
}

/* Reallocates the counters as [lo, lo+length) of width bytes, keeping every count. */
static void relayout(tw_sketch *sketch, int32_t lo, uint16_t length, uint8_t width)
{
    void *counts = tw_xcalloc(length, width);
    tw_sketch old = *sketch;
    sketch->counts = counts;
    sketch->count_width = width;
    sketch->offset = lo;
    sketch->length = length;
    for (uint32_t i = 0; old.counts && i < old.length; i++)
        counter_put(sketch, (uint32_t)(old.offset - lo) + i, counter_get(&old, i));
    free(old.counts);
}

/* Grows the span so index fits; the new span is [lo, hi]. */
static void ensure_index(tw_sketch *sketch, int32_t index)
{
    if (sketch->counts && index >= sketch->offset &&
        index < sketch->offset + (int32_t)sketch->length)
        return;
    int32_t lo = sketch->counts ? (index < sketch->offset ? index : sketch->offset) : index;
    int32_t old_hi = sketch->offset + (int32_t)sketch->length - 1;
    int32_t hi = sketch->counts ? (index > old_hi ? index : old_hi) : index;
    relayout(sketch, lo, (uint16_t)(hi - lo + 1), sketch->count_width ? sketch->count_width : 1);
}

/* Adds n to counter i, widening every counter first when the sum would not fit. */
static void counter_add(tw_sketch *sketch, uint32_t i, uint64_t n)
{
    uint64_t sum = counter_get(sketch, i) + n;
    if (sum > width_max(sketch->count_width)) {
        uint8_t width = sketch->count_width;
        while (sum > width_max(width))
            width *= 2;
        relayout(sketch, sketch->offset, sketch->length, width);
    }
    counter_put(sketch, i, sum);
}

/* True when [offset, offset+length) lies within the keys values can have: decoded spans
 * from a peer are checked so a bad one cannot make a huge or wrapped allocation. */
static bool span_valid(double offset, double length)
{
    return offset == floor(offset) && length >= 0 && length <= SKETCH_MAX_BUCKETS &&
           offset >= bucket_index(TW_SKETCH_MIN_VALUE) &&
           offset + length - 1 <= bucket_index(TW_SKETCH_MAX_VALUE);
}

/* True when a decoded sketch's statistics could come from adding values: finite, not
 * negative, min <= max, a sum that is not -0 (sums start at +0). A NaN min, say, would
 * make merging into an empty sketch lose it. */
static bool stats_valid(double sum, double min, double max)
{
    return isfinite(sum) && !signbit(sum) && isfinite(min) && isfinite(max) && min >= 0 &&
           min <= max;
}

/* Adds one to counter i: the per-record path, so the common no-widening case is a single
 * increment. */
static void counter_increment(tw_sketch *sketch, uint32_t i)
{
    switch (sketch->count_width) {
    case 1:
        if (((uint8_t *)sketch->counts)[i] < UINT8_MAX) {
            ((uint8_t *)sketch->counts)[i]++;
            return;
        }
        break;
    case 2:
        if (((uint16_t *)sketch->counts)[i] < UINT16_MAX) {
            ((uint16_t *)sketch->counts)[i]++;
            return;
        }
        break;
    case 4:
        if (((uint32_t *)sketch->counts)[i] < UINT32_MAX) {
            ((uint32_t *)sketch->counts)[i]++;
            return;
        }
        break;
    default:
        ((uint64_t *)sketch->counts)[i]++;
        return;
    }
    counter_add(sketch, i, 1);
}

uint64_t tw_sketch_bucket_count(const tw_sketch *sketch, int32_t key)
{
    if (!sketch->counts || key < sketch->offset || key >= sketch->offset + (int32_t)sketch->length)
        return 0;
    return counter_get(sketch, (uint32_t)(key - sketch->offset));
}

int32_t tw_sketch_key(double value)
{
    return value <= TW_SKETCH_MIN_VALUE ? TW_SKETCH_ZERO_KEY : bucket_index(value);
}

void tw_sketch_add(tw_sketch *sketch, double value)
{
    tw_sketch_add_keyed(sketch, value, tw_sketch_key(value));
}

void tw_sketch_add_keyed(tw_sketch *sketch, double value, int32_t key)
{
    if (key == TW_SKETCH_ZERO_KEY) {
        sketch->zero_count++;
    } else {
        ensure_index(sketch, key);
        counter_increment(sketch, (uint32_t)(key - sketch->offset));
    }
    sketch->count++;
    sketch->sum += value;
    if (value < sketch->min)
        sketch->min = value;
    if (value > sketch->max)
        sketch->max = value;
}

void tw_sketch_merge(tw_sketch *dst, const tw_sketch *src)
{
    if (src->count == 0)
        return;
    if (src->length) {
        ensure_index(dst, src->offset);
        ensure_index(dst, src->offset + (int32_t)src->length - 1);
        uint32_t into = (uint32_t)(src->offset - dst->offset);
        for (uint32_t i = 0; i < src->length; i++) {
            uint64_t n = counter_get(src, i);
            if (n)
                counter_add(dst, into + i, n);
        }
    }
    dst->zero_count += src->zero_count;
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

static double clamp(double value, double lo, double hi)
{
    return value < lo ? lo : value > hi ? hi : value;
}

double tw_sketch_quantile(const tw_sketch *sketch, double q)
{
    if (sketch->count == 0)
        return NAN;
    q = clamp(q, 0, 1);
    /* a count near 2^64 rounds up to 2^64 as a double: the top rank is taken, not cast */
    double top = (double)(sketch->count - 1), scaled = floor(q * top);
    uint64_t rank = scaled >= top ? sketch->count - 1 : (uint64_t)scaled;
    if (rank == 0)
        return sketch->min;
    if (rank == sketch->count - 1)
        return sketch->max;
    uint64_t seen = sketch->zero_count;
    if (rank < seen)
        return 0;
    for (uint32_t i = 0; i < sketch->length; i++) {
        seen += counter_get(sketch, i);
        if (rank < seen)
            return clamp(bucket_value(sketch->offset + (int32_t)i), sketch->min, sketch->max);
    }
    return sketch->max;
}

double tw_sketch_mean(const tw_sketch *sketch)
{
    return sketch->count ? sketch->sum / (double)sketch->count : NAN;
}

cJSON *tw_sketch_to_json(const tw_sketch *sketch)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddNumberToObject(json, "relative_accuracy", TW_SKETCH_RELATIVE_ACCURACY);
    cJSON_AddNumberToObject(json, "count", (double)sketch->count);
    cJSON_AddNumberToObject(json, "zero_count", (double)sketch->zero_count);
    cJSON_AddNumberToObject(json, "sum", sketch->sum);
    if (sketch->count) {
        cJSON_AddNumberToObject(json, "min", sketch->min);
        cJSON_AddNumberToObject(json, "max", sketch->max);
    }
    cJSON_AddNumberToObject(json, "offset", sketch->offset);
    cJSON *counts = cJSON_AddArrayToObject(json, "counts");
    for (uint32_t i = 0; i < sketch->length; i++)
        cJSON_AddItemToArray(counts, cJSON_CreateNumber((double)counter_get(sketch, i)));
    return json;
}

static int json_number(const cJSON *json, const char *name, double *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, name);
    if (!cJSON_IsNumber(item))
        return TW_INVALID;
    *out = item->valuedouble;
    return TW_OK;
}

/* True when a decoded number is a count: a whole number in [0, 2^64), so the cast to
 * uint64_t is exact (1e308 or -1 are rejected, never cast). */
static bool is_count(double value)
{
    return value >= 0 && value < 0x1p64 && value == floor(value);
}

int tw_sketch_from_json(const cJSON *json, tw_sketch *sketch)
{
    double accuracy, count, zero, sum, offset, min = INFINITY, max = -INFINITY;
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(json, "counts");
    if (json_number(json, "relative_accuracy", &accuracy) || json_number(json, "count", &count) ||
        json_number(json, "zero_count", &zero) || json_number(json, "sum", &sum) ||
        json_number(json, "offset", &offset) || !cJSON_IsArray(counts) ||
        accuracy != TW_SKETCH_RELATIVE_ACCURACY || !is_count(count) || !is_count(zero) ||
        !span_valid(offset, cJSON_GetArraySize(counts)))
        return TW_INVALID;
    if (count > 0 && (json_number(json, "min", &min) || json_number(json, "max", &max) ||
                      !stats_valid(sum, min, max)))
        return TW_INVALID;
    tw_sketch_init(sketch);
    int length = cJSON_GetArraySize(counts);
    if (length > 0) {
        ensure_index(sketch, (int32_t)offset);
        ensure_index(sketch, (int32_t)offset + length - 1);
        int i = 0;
        for (const cJSON *item = counts->child; item; item = item->next) {
            if (!cJSON_IsNumber(item) || !is_count(item->valuedouble)) {
                tw_sketch_free(sketch);
                return TW_INVALID;
            }
            counter_add(sketch, (uint32_t)i++, (uint64_t)item->valuedouble);
        }
    }
    sketch->count = (uint64_t)count;
    sketch->zero_count = (uint64_t)zero;
    sketch->sum = sum;
    sketch->min = min;
    sketch->max = max;
    return TW_OK;
}

void tw_sketch_write(const tw_sketch *sketch, tw_wire_writer *out)
{
    tw_wire_put_varint(out, sketch->count);
    if (!sketch->count)
        return;
    tw_wire_put_varint(out, sketch->zero_count);
    tw_wire_put_double(out, sketch->sum);
    tw_wire_put_double(out, sketch->min);
    tw_wire_put_double(out, sketch->max);
    tw_wire_put_svarint(out, sketch->offset);
    tw_wire_put_varint(out, sketch->length);
    for (uint32_t i = 0; i < sketch->length; i++)
        tw_wire_put_varint(out, counter_get(sketch, i));
}

int tw_sketch_read(tw_sketch *sketch, tw_wire_reader *in)
{
    tw_sketch_init(sketch);
    sketch->count = tw_wire_get_varint(in);
    if (!sketch->count)
        return in->failed ? TW_INVALID : TW_OK;
    sketch->zero_count = tw_wire_get_varint(in);
    sketch->sum = tw_wire_get_double(in);
    sketch->min = tw_wire_get_double(in);
    sketch->max = tw_wire_get_double(in);
    int64_t wide_offset = tw_wire_get_svarint(in);
    uint64_t length = tw_wire_get_varint(in);
    if (in->failed || !stats_valid(sketch->sum, sketch->min, sketch->max) ||
        (length && !span_valid((double)wide_offset, (double)length)))
        return TW_INVALID;
    int32_t offset = length ? (int32_t)wide_offset : 0; /* in the key range: checked above */
    if (length) {
        ensure_index(sketch, offset);
        ensure_index(sketch, offset + (int32_t)length - 1);
        for (uint64_t i = 0; i < length; i++)
            counter_add(sketch, (uint32_t)i, tw_wire_get_varint(in));
    }
    return in->failed ? TW_INVALID : TW_OK;
}
