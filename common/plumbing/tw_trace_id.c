/* W3C traceparent and random ids. The generator is a per-thread xorshift64* seeded once
 * from getrandom(2), so making an id costs a few instructions and no lock or syscall. */
#include "tw_trace_id.h"

#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "tw_status.h"
#include "tw_time.h"

#define TRACEPARENT_VERSION "00"
#define VERSION_LEN 2
#define FLAGS_HEX_LEN 2
#define TRACE_ID_OFFSET (VERSION_LEN + 1)
#define SPAN_ID_OFFSET (TRACE_ID_OFFSET + TW_TRACE_ID_HEX_LEN + 1)
#define FLAGS_OFFSET (SPAN_ID_OFFSET + TW_SPAN_ID_HEX_LEN + 1)
#define UNIT_MANTISSA_BITS 53

static _Thread_local uint64_t rng_state;

static const char hex_digits[] = "0123456789abcdef";

/* Lowercase hex digit value, or -1 (W3C requires lowercase). */
static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes 2n hex digits into n bytes; false on a bad digit. */
static bool decode_hex(const char *text, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool tw_trace_id_is_zero(const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (bytes[i])
            return false;
    }
    return true;
}

int tw_traceparent_parse(const char *text, size_t len, tw_trace_context *out)
{
    if (!text || len != TW_TRACEPARENT_TEXT_LEN ||
        memcmp(text, TRACEPARENT_VERSION, VERSION_LEN) != 0 || text[VERSION_LEN] != '-' ||
        text[SPAN_ID_OFFSET - 1] != '-' || text[FLAGS_OFFSET - 1] != '-')
        return TW_INVALID;
    tw_trace_context ctx;
    if (!decode_hex(text + TRACE_ID_OFFSET, ctx.trace_id, TW_TRACE_ID_BYTES) ||
        !decode_hex(text + SPAN_ID_OFFSET, ctx.span_id, TW_SPAN_ID_BYTES) ||
        !decode_hex(text + FLAGS_OFFSET, &ctx.flags, 1))
        return TW_INVALID;
    if (tw_trace_id_is_zero(ctx.trace_id, TW_TRACE_ID_BYTES) ||
        tw_trace_id_is_zero(ctx.span_id, TW_SPAN_ID_BYTES))
        return TW_INVALID;
    *out = ctx;
    return TW_OK;
}

void tw_trace_hex(const uint8_t *bytes, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex_digits[bytes[i] >> 4];
        out[2 * i + 1] = hex_digits[bytes[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

void tw_traceparent_format(const tw_trace_context *ctx, char out[TW_TRACEPARENT_TEXT_LEN + 1])
{
    memcpy(out, TRACEPARENT_VERSION "-", VERSION_LEN + 1);
    tw_trace_hex(ctx->trace_id, TW_TRACE_ID_BYTES, out + TRACE_ID_OFFSET);
    out[SPAN_ID_OFFSET - 1] = '-';
    tw_trace_hex(ctx->span_id, TW_SPAN_ID_BYTES, out + SPAN_ID_OFFSET);
    out[FLAGS_OFFSET - 1] = '-';
    tw_trace_hex(&ctx->flags, 1, out + FLAGS_OFFSET);
}

/* xorshift64*: seeded from getrandom, else from the clock and thread identity. */
static uint64_t next_random(void)
{
    if (rng_state == 0) {
        if (getrandom(&rng_state, sizeof rng_state, 0) != (ssize_t)sizeof rng_state ||
            rng_state == 0)
            rng_state = (uint64_t)tw_mono_us() ^ ((uint64_t)gettid() << 32) ^ 0x9e3779b97f4a7c15ULL;
    }
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

void tw_trace_random_id(uint8_t *out, size_t n)
{
    do {
        for (size_t i = 0; i < n; i += sizeof(uint64_t)) {
            uint64_t word = next_random();
            size_t take = n - i < sizeof word ? n - i : sizeof word;
            memcpy(out + i, &word, take);
        }
    } while (tw_trace_id_is_zero(out, n));
}

double tw_trace_random_unit(void)
{
    return (double)(next_random() >> (64 - UNIT_MANTISSA_BITS)) /
           (double)(1ULL << UNIT_MANTISSA_BITS);
}
