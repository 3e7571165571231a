/* The span model (fixed size, so a finished span is copied, never allocated) and its
 * OTLP/HTTP JSON encoding: one ExportTraceServiceRequest per batch. */
#ifndef TW_SPAN_H
#define TW_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"
#include "tw_trace_id.h"

#define TW_SPAN_NAME_BYTES 48
#define TW_SPAN_MAX_ATTRS 8
#define TW_SPAN_ATTR_KEY_BYTES 32
#define TW_SPAN_ATTR_STR_BYTES 72
#define TW_SPAN_STATUS_BYTES 96

/* OTLP SpanKind numbers. */
typedef enum {
    TW_SPAN_INTERNAL = 1,
    TW_SPAN_SERVER = 2,
    TW_SPAN_CLIENT = 3,
    TW_SPAN_PRODUCER = 4,
    TW_SPAN_CONSUMER = 5,
} tw_span_kind;

/* OTLP status codes. */
typedef enum {
    TW_SPAN_STATUS_UNSET = 0,
    TW_SPAN_STATUS_OK = 1,
    TW_SPAN_STATUS_ERROR = 2
} tw_span_status;

typedef enum { TW_ATTR_STR, TW_ATTR_INT, TW_ATTR_DBL } tw_attr_type;

typedef struct {
    char key[TW_SPAN_ATTR_KEY_BYTES]; /* attribute name, e.g. "http.method" */
    tw_attr_type type;                /* which member of the value is set */
    union {
        char str[TW_SPAN_ATTR_STR_BYTES]; /* truncated to fit */
        int64_t i;
        double d;
    } value;
} tw_span_attr;

typedef struct {
    tw_trace_context ctx;                      /* this span's trace id, span id and flags */
    uint8_t parent_span_id[TW_SPAN_ID_BYTES];  /* all zero for a root span */
    char name[TW_SPAN_NAME_BYTES];             /* span name */
    tw_span_kind kind;                         /* OTLP kind */
    int64_t start_ns;                          /* Unix nanoseconds */
    int64_t end_ns;                            /* Unix nanoseconds */
    tw_span_status status;                     /* OTLP status code */
    char status_message[TW_SPAN_STATUS_BYTES]; /* with TW_SPAN_STATUS_ERROR */
    tw_span_attr attrs[TW_SPAN_MAX_ATTRS];     /* attributes (extra ones are ignored) */
    int attr_count;                            /* entries used in attrs */
} tw_span;

/* Starts span `name` at start_ns: a child of parent (new span id, parent's trace id) or,
 * with parent NULL, the root of a new sampled trace. */
void tw_span_init(tw_span *span, const char *name, tw_span_kind kind,
                  const tw_trace_context *parent, int64_t start_ns);
/* Adds a string attribute (truncated to fit). */
void tw_span_attr_str(tw_span *span, const char *key, const char *value);
/* Adds an integer attribute. */
void tw_span_attr_int(tw_span *span, const char *key, int64_t value);
/* Adds a floating-point attribute. */
void tw_span_attr_dbl(tw_span *span, const char *key, double value);
/* Marks the span failed with a short reason. */
void tw_span_set_error(tw_span *span, const char *message);
/* True when the span has a parent. */
bool tw_span_has_parent(const tw_span *span);
/* Appends one OTLP JSON ExportTraceServiceRequest holding spans to out, with service_name
 * as the resource's service.name. */
void tw_otlp_encode(tw_buf *out, const char *service_name, const tw_span *spans, size_t count);

#endif
