/* Tracing: sampling decisions, the thread's current span (for log correlation and child
 * spans), and the export pipeline. A finished span is copied into a bounded queue under a
 * short lock (dropped and counted when the queue is full: the caller never waits); one
 * exporter thread posts batches as OTLP/HTTP JSON to {endpoint}/v1/traces, retrying only
 * connection errors and 429/502/503/504, with exponential backoff and jitter, a bounded
 * number of times. Off (every call a cheap no-op) when no endpoint is configured.
 *
 *   tw_span span;
 *   if (tw_trace_begin(&span, "report.apply", TW_SPAN_CONSUMER, &parent))
 *       tw_trace_end(&span);
 */
#ifndef TW_TRACE_H
#define TW_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_metrics.h"
#include "tw_span.h"

typedef struct {
    const char *endpoint;     /* OTLP/HTTP base URL ("" = tracing off) */
    const char *service_name; /* resource service.name ("" = the binary's name) */
    double sample_ratio;      /* fraction of new traces sampled, 0..1 */
} tw_trace_settings;

/* The three tracing entries of a service's option table; default_ratio is text ("0.01").
 * The endpoint must be empty or an http:// URL (TW_OPT_HTTP_URL): a bad one is refused with
 * exit 2 like any bad flag, by the options parser, so the tracer never exits. */
// clang-format off
#define TW_TRACE_OPTIONS(s, default_ratio)                                                         \
    {"otlp-endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", TW_OPT_HTTP_URL, "",                          \
     "OTLP/HTTP collector base URL, e.g. http://jaeger:4318 (empty: tracing off)",                 \
     &(s)->endpoint, 0, 0, NULL},                                                                  \
    {"service-name", "OTEL_SERVICE_NAME", TW_OPT_STR, "",                                          \
     "service.name of exported spans (empty: the binary's name)", &(s)->service_name, 0, 0, NULL}, \
    {"trace-sample", "OTEL_TRACES_SAMPLER_ARG", TW_OPT_DBL, default_ratio,                         \
     "fraction of new traces sampled, 0..1 (an incoming traceparent decides for its own trace)",  \
     &(s)->sample_ratio, 0, 1, NULL}
// clang-format on

/* What the exporter does with a batch after one attempt. */
typedef enum {
    TW_EXPORT_DONE,  /* accepted (2xx) */
    TW_EXPORT_RETRY, /* connection error, 429, 502, 503, 504: try again after a backoff */
    TW_EXPORT_DROP,  /* any other status: retrying would not help */
} tw_export_outcome;

/* Registers the trace metrics in metrics and, with an endpoint, starts the exporter thread.
 * TW_OK; TW_INVALID (logged, tracing stays off) when the endpoint is not an http:// URL,
 * which TW_TRACE_OPTIONS has already refused for settings parsed from options. */
int tw_trace_start(const tw_trace_settings *settings, const char *default_service,
                   tw_metrics *metrics);
/* Stops the exporter after flushing what is queued (bounded: under a second). */
void tw_trace_stop(void);
/* True when spans are exported. */
bool tw_trace_enabled(void);
/* Sampling decision for a new trace: enabled and a random draw under the ratio. */
bool tw_trace_sample_new(void);
/* True when a span built now could be queued; when the queue is full, counts the span as
 * dropped and returns false, so callers skip building it. False when tracing is off. */
bool tw_trace_admit(void);
/* Starts span now as a child of parent (sampled when parent's sampled flag is set) or, with
 * parent NULL, as the root of a new trace (sampled by ratio). False (span untouched) when
 * not sampled, tracing is off, or the queue is full (see tw_trace_admit). */
bool tw_trace_begin(tw_span *span, const char *name, tw_span_kind kind,
                    const tw_trace_context *parent);
/* Starts span now as a child of this thread's current span; false when there is none. */
bool tw_trace_begin_child(tw_span *span, const char *name, tw_span_kind kind);
/* Starts span now as a child of the current span, or as a new root trace when there is
 * none (sampled by ratio). */
bool tw_trace_begin_local(tw_span *span, const char *name, tw_span_kind kind);
/* Ends span now and queues it for export. */
void tw_trace_end(tw_span *span);
/* Queues a finished span (end_ns set) for export; drops and counts it when the queue is full. */
void tw_trace_submit(const tw_span *span);
/* Makes span this thread's current span (NULL clears); returns the previous one. */
const tw_span *tw_trace_set_current(const tw_span *span);
/* This thread's current span, or NULL. */
const tw_span *tw_trace_current(void);
/* Counts an incoming traceparent that failed validation (it is ignored). */
void tw_trace_count_invalid(void);
/* Unix time now, nanoseconds. */
int64_t tw_trace_now_ns(void);
/* Classifies one export attempt: transport is TW_OK or TW_ERR, status the HTTP status. */
tw_export_outcome tw_trace_classify(int transport, int status);

#endif
