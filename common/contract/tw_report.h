/* The antenna report: the stream record of the contract as a fixed-size struct, the
 * validation that decides what is malformed (and why), and the field names both the
 * simulator (writer) and analytics (reader) use. */
#ifndef TW_REPORT_H
#define TW_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_trace_id.h"

#define TW_ANTENNA_ID_MAX_LEN 64
#define TW_RUN_ID_MAX_LEN 32
#define TW_TRACEPARENT_LEN TW_TRACEPARENT_TEXT_LEN
#define TW_REPORT_MAX_PACKETS 1000000000000ULL /* per report; keeps every sum far from overflow */
#define TW_REPORT_MAX_LATENCY_MS 1e9
#define TW_REPORT_MAX_TIMESTAMP 10000000000LL /* year 2286 */

/* Why a record was rejected; TW_MALFORMED_NONE for a valid one. */
typedef enum {
    TW_MALFORMED_NONE = 0,
    TW_MALFORMED_MISSING_FIELD,   /* a required field is absent */
    TW_MALFORMED_DUPLICATE_FIELD, /* a required field appears twice */
    TW_MALFORMED_BAD_ANTENNA_ID,  /* empty, longer than 64, or outside [A-Za-z0-9._-] */
    TW_MALFORMED_NOT_A_NUMBER,    /* text where a number was required */
    TW_MALFORMED_NEGATIVE,        /* a count, time or latency below zero */
    TW_MALFORMED_NOT_FINITE,      /* NaN or infinity */
    TW_MALFORMED_OVERFLOW,        /* a number beyond its field's range */
    TW_MALFORMED_LOSS_EXCEEDS_PACKETS, /* loss > packets */
    TW_MALFORMED_REASON_COUNT
} tw_malformed_reason;

typedef struct {
    char antenna_id[TW_ANTENNA_ID_MAX_LEN + 1]; /* validated id */
    int64_t timestamp;                          /* Unix seconds */
    uint64_t packets;                           /* packets sent in the interval */
    uint64_t loss;                              /* packets lost, <= packets */
    double latency_ms;                          /* mean round-trip latency, ms */
    uint64_t seq;                               /* per-run sequence number, 0 when absent */
    char run[TW_RUN_ID_MAX_LEN + 1];            /* run id, "" when absent */
    int64_t sent_us;                            /* send time, 0 when absent */
    char traceparent[TW_TRACEPARENT_LEN + 1];   /* W3C trace context, "" when absent */
} tw_report;

/* Parses a record from parallel arrays of field names and values (as in a stream entry).
 * Returns TW_MALFORMED_NONE and fills report, or the first reason it is malformed.
 * An invalid optional field is dropped (left absent) and counted in *ignored_optional. */
tw_malformed_reason tw_report_parse(tw_report *report, size_t field_count, const char **names,
                                    const size_t *name_lens, const char **values,
                                    const size_t *value_lens, int *ignored_optional);
/* Label-friendly name of a reason, e.g. "loss_exceeds_packets". */
const char *tw_malformed_reason_name(tw_malformed_reason reason);
/* True when text is a valid antenna id. */
bool tw_antenna_id_valid(const char *text, size_t len);

#endif
