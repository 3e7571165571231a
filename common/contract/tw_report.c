/* Stream record validation. Numbers are parsed strictly (no signs but '-', no spaces,
 * no trailing text), because a lenient parser is how garbage skews totals. */
#include "tw_report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tw_decimal.h"
#include "tw_status.h"

#define NUMBER_TEXT_MAX 64

static const char *reason_names[TW_MALFORMED_REASON_COUNT] = {
    "none",     "missing_field", "duplicate_field", "bad_antenna_id",      "not_a_number",
    "negative", "not_finite",    "overflow",        "loss_exceeds_packets"};

const char *tw_malformed_reason_name(tw_malformed_reason reason)
{
    return reason < TW_MALFORMED_REASON_COUNT ? reason_names[reason] : "unknown";
}

bool tw_antenna_id_valid(const char *text, size_t len)
{
    if (len == 0 || len > TW_ANTENNA_ID_MAX_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

/* Copies a length-delimited value into a NUL-terminated buffer; false if too long. */
static bool copy_text(char *out, size_t out_size, const char *value, size_t len)
{
    if (len >= out_size || memchr(value, '\0', len))
        return false;
    memcpy(out, value, len);
    out[len] = '\0';
    return true;
}

/* Parses a non-negative decimal integer no larger than max ("-0" is zero). */
static tw_malformed_reason parse_count(const char *value, size_t len, uint64_t max, uint64_t *out)
{
    if (len >= NUMBER_TEXT_MAX)
        return TW_MALFORMED_OVERFLOW;
    bool negative = len > 0 && value[0] == '-';
    uint64_t parsed = 0;
    tw_decimal_status status = tw_parse_u64(value + negative, len - negative, &parsed);
    if (status == TW_DECIMAL_NOT_DIGITS)
        return TW_MALFORMED_NOT_A_NUMBER;
    if (negative && (status == TW_DECIMAL_OVERFLOW || parsed != 0))
        return TW_MALFORMED_NEGATIVE;
    if (status == TW_DECIMAL_OVERFLOW || parsed > max)
        return TW_MALFORMED_OVERFLOW;
    *out = parsed;
    return TW_MALFORMED_NONE;
}

/* Checks a latency that parsed as a number. */
static tw_malformed_reason latency_in_range(double parsed, double *out)
{
    if (parsed < 0)
        return TW_MALFORMED_NEGATIVE;
    if (parsed > TW_REPORT_MAX_LATENCY_MS)
        return TW_MALFORMED_OVERFLOW;
    *out = parsed;
    return TW_MALFORMED_NONE;
}

static tw_malformed_reason parse_latency(const char *value, size_t len, double *out)
{
    if (len >= NUMBER_TEXT_MAX)
        return TW_MALFORMED_OVERFLOW;
    double parsed;
    if (tw_parse_simple_decimal(value, len, &parsed))
        return latency_in_range(parsed, out); /* the common case: "38.522" */
    char text[NUMBER_TEXT_MAX];
    if (!copy_text(text, sizeof text, value, len))
        return TW_MALFORMED_NOT_A_NUMBER;
    if (!*text || strspn(text, "0123456789.-+eEinfINFaA") != strlen(text) || text[0] == '+')
        return TW_MALFORMED_NOT_A_NUMBER;
    char *end = NULL;
    errno = 0;
    parsed = strtod(text, &end);
    if (end == text || *end)
        return TW_MALFORMED_NOT_A_NUMBER;
    if (isnan(parsed) || isinf(parsed))
        return errno == ERANGE ? TW_MALFORMED_OVERFLOW : TW_MALFORMED_NOT_FINITE;
    return latency_in_range(parsed, out);
}

enum { F_ANTENNA, F_TIMESTAMP, F_PACKETS, F_LOSS, F_LATENCY, REQUIRED_FIELDS };
static const char *required_names[REQUIRED_FIELDS] = {"antenna_id", "timestamp", "packets", "loss",
                                                      "latency"};

static bool name_is(const char *name, size_t len, const char *expected)
{
    return strlen(expected) == len && memcmp(name, expected, len) == 0;
}

static tw_malformed_reason parse_required(tw_report *report, int field, const char *value,
                                          size_t len)
{
    uint64_t number = 0;
    tw_malformed_reason reason = TW_MALFORMED_NONE;
    switch (field) {
    case F_ANTENNA:
        if (!tw_antenna_id_valid(value, len))
            return TW_MALFORMED_BAD_ANTENNA_ID;
        copy_text(report->antenna_id, sizeof report->antenna_id, value, len);
        return TW_MALFORMED_NONE;
    case F_TIMESTAMP:
        reason = parse_count(value, len, TW_REPORT_MAX_TIMESTAMP, &number);
        report->timestamp = (int64_t)number;
        return reason;
    case F_PACKETS:
        return parse_count(value, len, TW_REPORT_MAX_PACKETS, &report->packets);
    case F_LOSS:
        return parse_count(value, len, TW_REPORT_MAX_PACKETS, &report->loss);
    default:
        return parse_latency(value, len, &report->latency_ms);
    }
}

/* Optional fields: an invalid one is dropped; returns 1 when it was dropped. */
static bool printable_ascii(const char *value, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (value[i] < '!' || value[i] > '~')
            return false;
    }
    return true;
}

static int parse_optional(tw_report *report, const char *name, size_t name_len, const char *value,
                          size_t len)
{
    uint64_t number = 0;
    if (name_is(name, name_len, "seq")) {
        if (parse_count(value, len, UINT64_MAX / 2, &number) != TW_MALFORMED_NONE || !number)
            return 1;
        report->seq = number;
    } else if (name_is(name, name_len, "run")) {
        if (!tw_antenna_id_valid(value, len) || len > TW_RUN_ID_MAX_LEN)
            return 1;
        copy_text(report->run, sizeof report->run, value, len);
    } else if (name_is(name, name_len, "sent_us")) {
        if (parse_count(value, len, INT64_MAX, &number) != TW_MALFORMED_NONE)
            return 1;
        report->sent_us = (int64_t)number;
    } else if (name_is(name, name_len, "traceparent")) {
        /* its shape is checked where it is used (counted there when wrong); bytes no trace
         * context can hold (outside printable ASCII) would not survive a JSON round trip */
        if (len != TW_TRACEPARENT_LEN || !printable_ascii(value, len))
            return 1;
        copy_text(report->traceparent, sizeof report->traceparent, value, len);
    }
    return 0;
}

tw_malformed_reason tw_report_parse(tw_report *report, size_t field_count, const char **names,
                                    const size_t *name_lens, const char **values,
                                    const size_t *value_lens, int *ignored_optional)
{
    memset(report, 0, sizeof *report);
    bool seen[REQUIRED_FIELDS] = {false};
    tw_malformed_reason first_error = TW_MALFORMED_NONE;
    for (size_t i = 0; i < field_count; i++) {
        int field = -1;
        for (int f = 0; f < REQUIRED_FIELDS && field < 0; f++) {
            if (name_is(names[i], name_lens[i], required_names[f]))
                field = f;
        }
        if (field < 0) {
            *ignored_optional +=
                parse_optional(report, names[i], name_lens[i], values[i], value_lens[i]);
            continue;
        }
        if (seen[field] && !first_error)
            first_error = TW_MALFORMED_DUPLICATE_FIELD;
        seen[field] = true;
        tw_malformed_reason reason = parse_required(report, field, values[i], value_lens[i]);
        if (reason && !first_error)
            first_error = reason;
    }
    for (int f = 0; f < REQUIRED_FIELDS; f++) {
        if (!seen[f])
            return TW_MALFORMED_MISSING_FIELD;
    }
    if (first_error)
        return first_error;
    return report->loss > report->packets ? TW_MALFORMED_LOSS_EXCEEDS_PACKETS : TW_MALFORMED_NONE;
}
