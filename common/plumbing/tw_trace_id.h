/* Trace identity: W3C trace context (`traceparent`) parsing and formatting, and random
 * trace and span ids. Knows nothing of spans or exporting. */
#ifndef TW_TRACE_ID_H
#define TW_TRACE_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TW_TRACE_ID_BYTES 16
#define TW_SPAN_ID_BYTES 8
#define TW_TRACE_ID_HEX_LEN (2 * TW_TRACE_ID_BYTES) /* 32 */
#define TW_SPAN_ID_HEX_LEN (2 * TW_SPAN_ID_BYTES)   /* 16 */
#define TW_TRACEPARENT_TEXT_LEN 55                  /* "00-" 32 "-" 16 "-" 2 */
#define TW_TRACE_FLAG_SAMPLED 0x01

typedef struct {
    uint8_t trace_id[TW_TRACE_ID_BYTES]; /* never all zero when valid */
    uint8_t span_id[TW_SPAN_ID_BYTES];   /* never all zero when valid */
    uint8_t flags;                       /* trace-flags; bit 0 = sampled */
} tw_trace_context;

/* Parses a version-00 traceparent of exactly len bytes (lowercase hex, non-zero ids);
 * TW_OK or TW_INVALID. */
int tw_traceparent_parse(const char *text, size_t len, tw_trace_context *out);
/* Writes ctx as "00-<trace>-<span>-<flags>" plus a NUL into out (56 bytes). */
void tw_traceparent_format(const tw_trace_context *ctx, char out[TW_TRACEPARENT_TEXT_LEN + 1]);
/* Writes n bytes as 2n lowercase hex digits plus a NUL into out. */
void tw_trace_hex(const uint8_t *bytes, size_t n, char *out);
/* Fills n bytes with a random value that is not all zero (thread-local generator seeded
 * from getrandom). */
void tw_trace_random_id(uint8_t *out, size_t n);
/* Uniform double in [0, 1) from the same thread-local generator. */
double tw_trace_random_unit(void);
/* True when the bytes are all zero. */
bool tw_trace_id_is_zero(const uint8_t *bytes, size_t n);

#endif
