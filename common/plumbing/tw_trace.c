/* The tracer: sampling, the thread-local current span, the bounded span queue and the
 * exporter thread. The queue is a ring of span copies under one mutex; producers hold it
 * for a copy and never wait for the exporter, which takes whole batches out of the ring
 * before posting, so a slow or dead collector only ever costs dropped spans. */
#include "tw_trace.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tw_alloc.h"
#include "tw_backoff.h"
#include "tw_http_client.h"
#include "tw_log.h"
#include "tw_status.h"
#include "tw_time.h"

#define QUEUE_SPANS 2048          /* finished spans waiting for export */
#define BATCH_SPANS 256           /* spans per OTLP request */
#define EXPORT_INTERVAL_US 200000 /* a partial batch waits at most this long */
#define EXPORT_TIMEOUT_MS 800     /* one POST, connect to reply (also bounds a stop) */
#define MAX_ATTEMPTS 5            /* posts per batch, first one included */
#define RETRY_BASE_US 100000      /* first retry delay */
#define RETRY_MAX_US 2000000      /* longest retry delay */
#define SHUTDOWN_FLUSH_US 800000  /* tw_trace_stop exports for at most this long */
#define TRACES_PATH "/v1/traces"
#define CONTENT_TYPE_JSON "application/json"
#define SERVICE_NAME_BYTES 128
#define HTTP_ERROR_BYTES 256

typedef struct {
    atomic_bool enabled;              /* an endpoint is configured and the thread runs */
    double sample_ratio;              /* for new traces */
    char service[SERVICE_NAME_BYTES]; /* resource service.name */
    tw_http_url url;                  /* collector */
    pthread_t thread;                 /* the exporter */
    pthread_mutex_t lock;             /* guards the queue and stopping */
    pthread_cond_t wake;              /* a full batch is ready, or stop */
    tw_span *queue;                   /* QUEUE_SPANS slots, owned */
    size_t head;                      /* oldest queued span */
    size_t count;                     /* spans queued */
    atomic_size_t queued;             /* copy of count readable without the lock */
    bool stopping;                    /* tw_trace_stop was called */
    int64_t stop_deadline_us;         /* monotonic: no export attempt starts after this */
    bool failing;                     /* the last batch failed (logged once per episode) */
    tw_counter *exported;             /* trace_spans_exported_total */
    tw_counter *dropped;              /* trace_spans_dropped_total (queue full) */
    tw_counter *failed;               /* trace_spans_failed_total (export gave up) */
    tw_counter *retries;              /* trace_export_retries_total */
    tw_counter *invalid;              /* trace_traceparent_invalid_total */
} tracer;

static tracer tr = {.enabled = false};
static _Thread_local const tw_span *current_span;

int64_t tw_trace_now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * TW_NS_PER_US * TW_US_PER_S + now.tv_nsec;
}

bool tw_trace_enabled(void)
{
    return atomic_load_explicit(&tr.enabled, memory_order_relaxed);
}

bool tw_trace_sample_new(void)
{
    return tw_trace_enabled() && tr.sample_ratio > 0 &&
           (tr.sample_ratio >= 1 || tw_trace_random_unit() < tr.sample_ratio);
}

bool tw_trace_admit(void)
{
    if (!tw_trace_enabled())
        return false;
    if (atomic_load_explicit(&tr.queued, memory_order_relaxed) < QUEUE_SPANS)
        return true;
    tw_counter_add(tr.dropped, 1);
    return false;
}

bool tw_trace_begin(tw_span *span, const char *name, tw_span_kind kind,
                    const tw_trace_context *parent)
{
    if (!tw_trace_enabled())
        return false;
    if (parent ? !(parent->flags & TW_TRACE_FLAG_SAMPLED) : !tw_trace_sample_new())
        return false;
    if (!tw_trace_admit())
        return false;
    tw_span_init(span, name, kind, parent, tw_trace_now_ns());
    return true;
}

bool tw_trace_begin_child(tw_span *span, const char *name, tw_span_kind kind)
{
    const tw_span *parent = current_span;
    return parent && tw_trace_begin(span, name, kind, &parent->ctx);
}

bool tw_trace_begin_local(tw_span *span, const char *name, tw_span_kind kind)
{
    const tw_span *parent = current_span;
    return tw_trace_begin(span, name, kind, parent ? &parent->ctx : NULL);
}

void tw_trace_end(tw_span *span)
{
    span->end_ns = tw_trace_now_ns();
    tw_trace_submit(span);
}

void tw_trace_submit(const tw_span *span)
{
    if (!tw_trace_enabled())
        return;
    pthread_mutex_lock(&tr.lock);
    bool stored = tr.count < QUEUE_SPANS && !tr.stopping;
    if (stored) {
        tr.queue[(tr.head + tr.count) % QUEUE_SPANS] = *span;
        if (++tr.count == BATCH_SPANS)
            pthread_cond_signal(&tr.wake);
        atomic_store_explicit(&tr.queued, tr.count, memory_order_relaxed);
    }
    pthread_mutex_unlock(&tr.lock);
    if (!stored)
        tw_counter_add(tr.dropped, 1);
}

const tw_span *tw_trace_set_current(const tw_span *span)
{
    const tw_span *previous = current_span;
    current_span = span;
    if (span)
        tw_log_set_span_ids(span->ctx.trace_id, TW_TRACE_ID_BYTES, span->ctx.span_id,
                            TW_SPAN_ID_BYTES);
    else
        tw_log_set_span_ids(NULL, 0, NULL, 0);
    return previous;
}

const tw_span *tw_trace_current(void)
{
    return current_span;
}

void tw_trace_count_invalid(void)
{
    if (tr.invalid)
        tw_counter_add(tr.invalid, 1);
}

tw_export_outcome tw_trace_classify(int transport, int status)
{
    if (transport != TW_OK)
        return TW_EXPORT_RETRY;
    if (status >= 200 && status < 300)
        return TW_EXPORT_DONE;
    if (status == 429 || status == 502 || status == 503 || status == 504)
        return TW_EXPORT_RETRY;
    return TW_EXPORT_DROP;
}

/* Waits (lock held) until deadline_us or a stop; returns true when stopping. */
static bool wait_until(int64_t deadline_mono_us)
{
    while (!tr.stopping) {
        if (deadline_mono_us <= tw_mono_us())
            break;
        struct timespec at = tw_mono_timespec(deadline_mono_us);
        pthread_cond_timedwait(&tr.wake, &tr.lock, &at);
    }
    return tr.stopping;
}

/* Time left for one attempt: the normal timeout, or what remains before the stop deadline. */
static int attempt_timeout_ms(void)
{
    pthread_mutex_lock(&tr.lock);
    bool stopping = tr.stopping;
    int64_t left_us = tr.stop_deadline_us - tw_mono_us();
    pthread_mutex_unlock(&tr.lock);
    if (!stopping)
        return EXPORT_TIMEOUT_MS;
    return left_us > 0 ? (int)(left_us / TW_US_PER_MS) : 0;
}

static void note_result(bool ok, const char *reason, size_t spans)
{
    if (ok && tr.failing) {
        tw_log_info("trace export recovered", TW_STR("endpoint", tr.url.host));
        tr.failing = false;
    } else if (!ok && !tr.failing) {
        tw_log_warn("trace export failed; spans dropped", TW_STR("endpoint", tr.url.host),
                    TW_INT("port", tr.url.port), TW_STR("reason", reason),
                    TW_INT("spans", (int64_t)spans));
        tr.failing = true;
    }
}

/* Posts one encoded batch, retrying what is worth retrying; counts the outcome. */
static void export_batch(const char *body, size_t len, size_t spans)
{
    char err[HTTP_ERROR_BYTES] = "";
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        int timeout_ms = attempt_timeout_ms();
        if (timeout_ms <= 0)
            break;
        int status = 0;
        int transport = tw_http_post(&tr.url, TRACES_PATH, CONTENT_TYPE_JSON, body, len, timeout_ms,
                                     &status, err, sizeof err);
        tw_export_outcome outcome = tw_trace_classify(transport, status);
        if (transport == TW_OK && outcome != TW_EXPORT_DONE)
            snprintf(err, sizeof err, "collector answered HTTP %d", status);
        if (outcome == TW_EXPORT_DONE) {
            tw_counter_add(tr.exported, spans);
            note_result(true, NULL, spans);
            return;
        }
        if (outcome == TW_EXPORT_DROP || attempt == MAX_ATTEMPTS)
            break;
        tw_counter_add(tr.retries, 1);
        int64_t delay =
            tw_backoff_delay_us(attempt, RETRY_BASE_US, RETRY_MAX_US, tw_trace_random_unit());
        pthread_mutex_lock(&tr.lock);
        wait_until(tw_mono_us() + delay); /* a stop cuts the wait short; the deadline rules */
        pthread_mutex_unlock(&tr.lock);
    }
    note_result(false, err, spans);
    tw_counter_add(tr.failed, spans);
}

/* Takes up to BATCH_SPANS spans out of the queue (lock held) into batch. */
static size_t take_batch(tw_span *batch)
{
    size_t n = tr.count < BATCH_SPANS ? tr.count : BATCH_SPANS;
    for (size_t i = 0; i < n; i++)
        batch[i] = tr.queue[(tr.head + i) % QUEUE_SPANS];
    tr.head = (tr.head + n) % QUEUE_SPANS;
    tr.count -= n;
    atomic_store_explicit(&tr.queued, tr.count, memory_order_relaxed);
    return n;
}

static void *exporter_main(void *arg)
{
    (void)arg;
    tw_span *batch = tw_xmalloc(BATCH_SPANS * sizeof *batch);
    tw_buf body;
    tw_buf_init(&body);
    pthread_mutex_lock(&tr.lock);
    for (;;) {
        if (tr.count < BATCH_SPANS && !tr.stopping)
            wait_until(tw_mono_us() + EXPORT_INTERVAL_US);
        if (tr.stopping && (tr.count == 0 || tw_mono_us() >= tr.stop_deadline_us))
            break;
        size_t n = take_batch(batch);
        if (n == 0)
            continue;
        pthread_mutex_unlock(&tr.lock);
        tw_buf_reset(&body);
        tw_otlp_encode(&body, tr.service, batch, n);
        export_batch(body.data, body.len, n);
        pthread_mutex_lock(&tr.lock);
    }
    size_t left = tr.count;
    tr.count = 0;
    atomic_store_explicit(&tr.queued, 0, memory_order_relaxed);
    pthread_mutex_unlock(&tr.lock);
    tw_counter_add(tr.failed, left);
    tw_buf_free(&body);
    free(batch);
    return NULL;
}

static void register_metrics(tw_metrics *metrics)
{
    tr.exported = tw_metrics_counter(metrics, "trace_spans_exported_total",
                                     "Spans the OTLP collector accepted.", NULL);
    tr.dropped = tw_metrics_counter(metrics, "trace_spans_dropped_total",
                                    "Spans dropped because the export queue was full.", NULL);
    tr.failed = tw_metrics_counter(
        metrics, "trace_spans_failed_total",
        "Spans whose export failed for good (refused, retries exhausted, or left at exit).", NULL);
    tr.retries = tw_metrics_counter(metrics, "trace_export_retries_total",
                                    "Export attempts repeated after a retryable failure.", NULL);
    tr.invalid =
        tw_metrics_counter(metrics, "trace_traceparent_invalid_total",
                           "Incoming traceparent values that failed validation (ignored).", NULL);
}

/* True when settings name a collector. */
static bool has_endpoint(const tw_trace_settings *settings)
{
    return settings->endpoint && *settings->endpoint;
}

int tw_trace_start(const tw_trace_settings *settings, const char *default_service,
                   tw_metrics *metrics)
{
    register_metrics(metrics);
    if (!has_endpoint(settings))
        return TW_OK;
    char err[HTTP_ERROR_BYTES];
    if (tw_http_url_parse(settings->endpoint, &tr.url, err, sizeof err) != TW_OK) {
        tw_log_error("bad trace settings; tracing stays off",
                     TW_STR("endpoint", settings->endpoint), TW_STR("reason", err));
        return TW_INVALID;
    }
    const char *service = settings->service_name && *settings->service_name ? settings->service_name
                                                                            : default_service;
    snprintf(tr.service, sizeof tr.service, "%s", service);
    tr.sample_ratio = settings->sample_ratio;
    tr.queue = tw_xmalloc(QUEUE_SPANS * sizeof *tr.queue);
    pthread_mutex_init(&tr.lock, NULL);
    tw_mono_cond_init(&tr.wake);
    if (pthread_create(&tr.thread, NULL, exporter_main, NULL) != 0) {
        tw_log_error("cannot start the trace exporter; tracing stays off");
        return TW_OK;
    }
    atomic_store(&tr.enabled, true);
    tw_log_info("tracing on", TW_STR("endpoint", settings->endpoint), TW_STR("service", tr.service),
                TW_DBL("sample_ratio", tr.sample_ratio));
    return TW_OK;
}

void tw_trace_stop(void)
{
    if (!tw_trace_enabled())
        return;
    pthread_mutex_lock(&tr.lock);
    tr.stopping = true;
    tr.stop_deadline_us = tw_mono_us() + SHUTDOWN_FLUSH_US;
    pthread_cond_signal(&tr.wake);
    pthread_mutex_unlock(&tr.lock);
    pthread_join(tr.thread, NULL);
    /* The lock and queue stay: a late tw_trace_submit sees `stopping` and drops. */
    atomic_store(&tr.enabled, false);
}
