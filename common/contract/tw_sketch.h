/* Mergeable latency quantile sketch (DDSketch-style): values fall into logarithmic
 * buckets of relative width 2%, so any quantile comes back within 1% relative error,
 * and two sketches merge exactly by adding bucket counts — what lets the dashboard
 * combine replicas without averaging percentiles. */
#ifndef TW_SKETCH_H
#define TW_SKETCH_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "tw_wire.h"

#define TW_SKETCH_RELATIVE_ACCURACY 0.01
/* Values at or below this (ms) are counted as zero: the sketch's resolution floor. */
#define TW_SKETCH_MIN_VALUE 1e-3
/* Values above this (ms) are clamped into the top bucket. */
#define TW_SKETCH_MAX_VALUE 1e9
/* Key of the zero bucket. */
#define TW_SKETCH_ZERO_KEY INT32_MIN

typedef struct {
    int32_t offset;      /* bucket index of the first counter */
    uint16_t length;     /* counters allocated (at most the whole key range, < 4096) */
    uint8_t count_width; /* bytes per counter: 1, 2, 4 or 8 */
    void *counts;        /* length counters of count_width bytes each; owned; NULL when no
                            bucket is used. Counters start one byte wide and widen only when
                            one would overflow: most sketches (an antenna's minute) hold small
                            counts, and memory must stay flat at 10k antennas. */
    uint64_t zero_count; /* values <= TW_SKETCH_MIN_VALUE */
    uint64_t count;      /* all values added */
    double min;          /* smallest value added (exact) */
    double max;          /* largest value added (exact) */
    double sum;          /* sum of values added, for the mean */
} tw_sketch;

/* Starts an empty sketch. */
void tw_sketch_init(tw_sketch *sketch);
/* Frees the buckets and empties the sketch. */
void tw_sketch_free(tw_sketch *sketch);
/* Key of the value's bucket (TW_SKETCH_ZERO_KEY for values counted as zero): compute it
 * once when one value goes into several sketches. */
int32_t tw_sketch_key(double value);
/* Adds one value (>= 0, finite). */
void tw_sketch_add(tw_sketch *sketch, double value);
/* Adds one value whose key tw_sketch_key already computed. */
void tw_sketch_add_keyed(tw_sketch *sketch, double value, int32_t key);
/* Count of the bucket with this key (0 outside the stored span). */
uint64_t tw_sketch_bucket_count(const tw_sketch *sketch, int32_t key);
/* Adds every value of src into dst. */
void tw_sketch_merge(tw_sketch *dst, const tw_sketch *src);
/* The q-quantile (0..1) of the values added: the value of rank floor(q*(n-1)) within
 * 1% relative error; NAN when empty. */
double tw_sketch_quantile(const tw_sketch *sketch, double q);
/* Mean of the values added; NAN when empty. */
double tw_sketch_mean(const tw_sketch *sketch);
/* Encodes the sketch as a JSON object (caller owns the result). */
cJSON *tw_sketch_to_json(const tw_sketch *sketch);
/* Decodes a JSON object made by tw_sketch_to_json into an empty sketch; TW_OK or TW_INVALID. */
int tw_sketch_from_json(const cJSON *json, tw_sketch *sketch);
/* Appends the binary form of the sketch. */
void tw_sketch_write(const tw_sketch *sketch, tw_wire_writer *out);
/* Reads the binary form into an empty sketch; TW_OK or TW_INVALID. */
int tw_sketch_read(tw_sketch *sketch, tw_wire_reader *in);

#endif
