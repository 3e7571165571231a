/* Pipelined XADD writer. Commands are formatted straight into RESP (no printf-style
 * parsing per field) and written as one batch; one batch is in flight while the next is
 * generated and formatted, so the simulator and Redis work at the same time. Replies are
 * matched to reports in order: success removes a report from the queue, an error reply
 * keeps it for a later retry, a lost connection keeps every unconfirmed one. A confirmed
 * report is copied into the re-send window with the entry id of its reply. */
#include "stream_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream_resolve.h"
#include "tw_alloc.h"
#include "tw_log.h"
#include "tw_resp.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_trace.h"

#define CONNECT_TIMEOUT_MS 1000
#define BACKOFF_INITIAL_US 100000
#define BACKOFF_MAX_US 5000000
#define REPORT_FIELD_COUNT 8

static const double batch_bounds_s[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                        0.005,  0.01,    0.025,  0.05,  0.1};

/* The re-send window's series. */
static void register_window_metrics(stream_writer *writer, tw_metrics *metrics)
{
    writer->resent = tw_metrics_counter(
        metrics, "simulator_reports_resent_total",
        "Confirmed reports Redis lost (it came back behind them), written again.", NULL);
    writer->resolved = tw_metrics_counter(
        metrics, "simulator_reports_resolved_total",
        "In-flight reports found applied after a reconnection, so not written again.", NULL);
    writer->rollbacks = tw_metrics_counter(
        metrics, "simulator_redis_rollbacks_total",
        "Reconnections to a Redis that no longer held the last confirmed report.", NULL);
    writer->evicted = tw_metrics_counter(
        metrics, "simulator_resend_window_evicted_total",
        "Confirmed reports dropped from the re-send window by its cap before its time.", NULL);
    writer->window_reports = tw_metrics_gauge(metrics, "simulator_resend_window_reports",
                                              "Confirmed reports held for re-sending.", NULL);
}

int stream_writer_init(stream_writer *writer, const stream_writer_config *config,
                       tw_metrics *metrics)
{
    memset(writer, 0, sizeof *writer);
    writer->url = *config->url;
    writer->stream_key = config->stream_key;
    writer->maxlen = config->maxlen;
    writer->batch_max = config->batch_max;
    writer->keep = tw_xcalloc(config->batch_max, sizeof *writer->keep);
    writer->ids = tw_xcalloc(config->batch_max, sizeof *writer->ids);
    tw_buf_init(&writer->command);
    tw_buf_init(&writer->next);
    tw_backoff_init(&writer->backoff, BACKOFF_INITIAL_US, BACKOFF_MAX_US);
    atomic_init(&writer->connected, false);
    writer->sent = tw_metrics_counter(metrics, "simulator_reports_sent_total",
                                      "Reports Redis confirmed (XADD replied with an id).", NULL);
    writer->errors = tw_metrics_counter(metrics, "simulator_xadd_errors_total",
                                        "XADD commands Redis answered with an error.", NULL);
    writer->reconnects = tw_metrics_counter(metrics, "simulator_redis_reconnects_total",
                                            "Connections to Redis re-established after a loss.",
                                            NULL);
    writer->batch_seconds = tw_metrics_histogram(
        metrics, "simulator_batch_duration_seconds",
        "Time to write one pipelined XADD batch and read its replies.", NULL, batch_bounds_s,
        sizeof batch_bounds_s / sizeof batch_bounds_s[0]);
    register_window_metrics(writer, metrics);
    int window = resend_window_init(&writer->window, config->resend_window_ms,
                                    config->resend_window_max, config->antennas, config->run);
    return writer->keep && writer->ids && window == TW_OK ? TW_OK : TW_ERR;
}

static void disconnect(stream_writer *writer, const char *why)
{
    if (writer->ctx) {
        tw_log_warn("redis connection lost", TW_STR("error", why));
        redisFree(writer->ctx);
        writer->ctx = NULL;
    }
    atomic_store(&writer->connected, false);
    tw_backoff_failed(&writer->backoff, tw_mono_us());
}

void stream_writer_free(stream_writer *writer)
{
    if (writer->ctx)
        redisFree(writer->ctx);
    tw_buf_free(&writer->command);
    tw_buf_free(&writer->next);
    free(writer->keep);
    free(writer->ids);
    resend_window_free(&writer->window);
}

static int ensure_connected(stream_writer *writer)
{
    if (!tw_backoff_ready(&writer->backoff, tw_mono_us()))
        return TW_AGAIN;
    if (writer->ctx)
        return TW_OK;
    char err[256];
    writer->ctx = tw_redis_connect(&writer->url, CONNECT_TIMEOUT_MS, err, sizeof err);
    if (!writer->ctx) {
        tw_log_warn("redis connect failed", TW_STR("error", err),
                    TW_INT("retry_in_ms", writer->backoff.current_us / TW_US_PER_MS));
        tw_backoff_failed(&writer->backoff, tw_mono_us());
        return TW_AGAIN;
    }
    if (writer->connections++ > 0) {
        tw_counter_add(writer->reconnects, 1);
        writer->resolve_pending = resend_window_enabled(&writer->window) && !writer->resolve_disabled;
    }
    tw_backoff_succeeded(&writer->backoff);
    atomic_store(&writer->connected, true);
    tw_log_info("redis connected", TW_STR("host", writer->ctx->tcp.host),
                TW_INT("port", writer->ctx->tcp.port));
    return TW_OK;
}

/* One "name value" pair of the record. */
static void field_text(tw_buf *out, const char *name, const char *value)
{
    tw_resp_bulk_str(out, name);
    tw_resp_bulk_str(out, value);
}

static void field_u64(tw_buf *out, const char *name, uint64_t value)
{
    tw_resp_bulk_str(out, name);
    tw_resp_bulk_u64(out, value);
}

static void field_i64(tw_buf *out, const char *name, int64_t value)
{
    tw_resp_bulk_str(out, name);
    tw_resp_bulk_i64(out, value);
}

static void field_latency(tw_buf *out, double latency_ms)
{
    char text[TW_DECIMAL_MAX_BYTES + 5];
    size_t len = tw_format_fixed3(latency_ms, text);
    tw_resp_bulk_str(out, "latency");
    tw_resp_bulk(out, text, len);
}

/* XADD key [MAXLEN ~ n] * antenna_id .. timestamp .. packets .. loss .. latency .. seq ..
 * run .. sent_us .. as one RESP array. */
static void format_xadd(const stream_writer *writer, tw_buf *out, const tw_report *report)
{
    bool traced = report->traceparent[0] != '\0';
    tw_resp_array(out, 3 + 2 * (REPORT_FIELD_COUNT + traced) + (writer->maxlen > 0 ? 3 : 0));
    tw_resp_bulk_str(out, "XADD");
    tw_resp_bulk_str(out, writer->stream_key);
    if (writer->maxlen > 0) {
        tw_resp_bulk_str(out, "MAXLEN");
        tw_resp_bulk_str(out, "~");
        tw_resp_bulk_i64(out, writer->maxlen);
    }
    tw_resp_bulk_str(out, "*");
    field_text(out, "antenna_id", report->antenna_id);
    field_i64(out, "timestamp", report->timestamp);
    field_u64(out, "packets", report->packets);
    field_u64(out, "loss", report->loss);
    field_latency(out, report->latency_ms);
    field_u64(out, "seq", report->seq);
    field_text(out, "run", report->run);
    field_i64(out, "sent_us", report->sent_us);
    if (traced) {
        tw_resp_bulk_str(out, "traceparent");
        tw_resp_bulk(out, report->traceparent, TW_TRACEPARENT_LEN);
    }
}

void stream_writer_start_trace(tw_report *report)
{
    tw_trace_context ctx;
    tw_trace_random_id(ctx.trace_id, TW_TRACE_ID_BYTES);
    tw_trace_random_id(ctx.span_id, TW_SPAN_ID_BYTES);
    ctx.flags = TW_TRACE_FLAG_SAMPLED;
    tw_traceparent_format(&ctx, report->traceparent);
}

/* Records the "report.send" span of a traced report Redis just stored as entry_id. */
static void trace_confirmed(const stream_writer *writer, const tw_report *report,
                            const char *entry_id)
{
    tw_trace_context ctx;
    if (!tw_trace_admit() ||
        tw_traceparent_parse(report->traceparent, TW_TRACEPARENT_LEN, &ctx) != TW_OK)
        return;
    tw_span span;
    tw_span_init(&span, "report.send", TW_SPAN_PRODUCER, NULL, report->sent_us * TW_NS_PER_US);
    span.ctx = ctx; /* the identity the stream entry already carries */
    tw_span_attr_str(&span, "messaging.system", "redis");
    tw_span_attr_str(&span, "messaging.destination.name", writer->stream_key);
    tw_span_attr_str(&span, "messaging.message.id", entry_id);
    tw_span_attr_str(&span, "antenna_id", report->antenna_id);
    tw_span_attr_int(&span, "seq", (int64_t)report->seq);
    tw_trace_end(&span);
}

/* A report Redis confirmed with entry id reply: the id noted for the window (0-0 when it
 * cannot be parsed), its span ended. */
static void note_confirmed(stream_writer *writer, size_t i, const tw_report *report,
                           const redisReply *reply)
{
    if (writer->window.slots && stream_id_parse(reply->str, reply->len, &writer->ids[i]) != TW_OK)
        writer->ids[i] = (stream_id){0, 0};
    if (report->traceparent[0])
        trace_confirmed(writer, report, reply->str);
}

/* Copies the confirmed reports among the first n queued into the window, with their ids. */
static void keep_in_window(stream_writer *writer, const report_queue *queue, size_t n,
                           int confirmed)
{
    if (!writer->window.slots || confirmed == 0)
        return;
    int64_t now_us = tw_mono_us();
    for (size_t i = 0; i < n; i++) {
        if (!writer->keep[i] && (writer->ids[i].ms | writer->ids[i].seq))
            resend_window_push(&writer->window, report_queue_at(queue, i), writer->ids[i], now_us);
    }
}

/* Reads one reply per sent report; returns how many were confirmed, or TW_ERR when the
 * connection failed part-way (reports without a reply stay queued) or Redis answered that
 * it is no longer the master (the connection is closed, so the next one finds it). */
static int read_replies(stream_writer *writer, const report_queue *queue, size_t n,
                        int *confirmed)
{
    char why[256] = ""; /* an error reply that calls for a reconnection */
    *confirmed = 0;
    for (size_t i = 0; i < n; i++)
        writer->keep[i] = true;
    for (size_t i = 0; i < n; i++) {
        redisReply *reply = NULL;
        if (redisGetReply(writer->ctx, (void **)&reply) != REDIS_OK || !reply) {
            writer->unreplied = n - i;
            disconnect(writer, writer->ctx->errstr[0] ? writer->ctx->errstr : "no reply");
            return TW_ERR;
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            if (tw_counter_value(writer->errors) == 0 || i == 0)
                tw_log_warn("XADD rejected; report kept for retry", TW_STR("error", reply->str));
            tw_counter_add(writer->errors, 1);
            if (!*why && tw_redis_error_needs_reconnect(reply->str))
                snprintf(why, sizeof why, "%s", reply->str);
        } else {
            writer->keep[i] = false;
            (*confirmed)++;
            const tw_report *report = report_queue_at(queue, i);
            if (reply->type == REDIS_REPLY_STRING)
                note_confirmed(writer, i, report, reply);
            else
                writer->ids[i] = (stream_id){0, 0};
        }
        freeReplyObject(reply);
    }
    if (*why) { /* not the master any more: every reply was read, find the master again */
        disconnect(writer, why);
        return TW_ERR;
    }
    return TW_OK;
}

/* Formats `count` queued reports from position `first` into out. */
static void format_batch(stream_writer *writer, const report_queue *queue, size_t first,
                         size_t count, tw_buf *out)
{
    tw_buf_reset(out);
    for (size_t i = 0; i < count; i++)
        format_xadd(writer, out, report_queue_at(queue, first + i));
}

/* Hands a formatted batch of n reports to the socket; false when the connection failed. */
static bool write_batch(stream_writer *writer, const tw_buf *batch, size_t n)
{
    redisAppendFormattedCommand(writer->ctx, batch->data, batch->len);
    int done = 0;
    while (!done) {
        if (redisBufferWrite(writer->ctx, &done) != REDIS_OK) {
            writer->unreplied = n; /* part of the batch may have reached Redis */
            disconnect(writer, writer->ctx->errstr[0] ? writer->ctx->errstr : "write failed");
            return false; /* nothing is in flight: the reports stay queued */
        }
    }
    return true;
}

/* The oldest n queued reports were written: their replies are read by the next flush. */
static void mark_in_flight(stream_writer *writer, report_queue *queue, size_t n)
{
    writer->in_flight = n;
    writer->in_flight_since_us = tw_mono_us();
    queue->pinned = n;
}

static void sync_window_metrics(stream_writer *writer)
{
    uint64_t evicted = writer->window.evicted;
    uint64_t counted = tw_counter_value(writer->evicted);
    if (evicted > counted)
        tw_counter_add(writer->evicted, evicted - counted);
    tw_gauge_set(writer->window_reports, (double)writer->window.count);
}

/* Counts and logs what a resolution found. */
static void account_resolution(stream_writer *writer, const stream_resolve_result *result)
{
    tw_counter_add(writer->resent, result->resent);
    tw_counter_add(writer->resolved, result->resolved);
    tw_counter_add(writer->sent, result->resolved);
    sync_window_metrics(writer);
    if (result->rollback) {
        char survivor[STREAM_ID_MAX_LEN + 1] = "none";
        if (result->has_survivor)
            stream_id_format(result->survivor, survivor);
        tw_counter_add(writer->rollbacks, 1);
        tw_log_warn("redis lost confirmed reports; re-sending", TW_INT("reports", result->resent),
                    TW_STR("last_held_id", survivor));
    } else if (result->checked) {
        tw_log_info("redis holds every confirmed report",
                    TW_INT("in_flight_applied", result->resolved),
                    TW_INT("scan_cut", result->scan_cut));
    }
}

/* After a reconnection, before anything is sent: what Redis still holds (stream_resolve).
 * TW_OK to go on sending, TW_AGAIN when the connection failed meanwhile. */
static int resolve(stream_writer *writer, report_queue *queue)
{
    stream_resolve_result result;
    char err[256] = "";
    size_t in_flight_max = writer->unreplied > 0 ? writer->batch_max : 0;
    int status = stream_resolve(writer->ctx, writer->stream_key, &writer->window, queue,
                                in_flight_max, writer->keep, &result, err, sizeof err);
    account_resolution(writer, &result);
    if (status == TW_ERR) {
        disconnect(writer, err);
        return TW_AGAIN;
    }
    writer->resolve_pending = false;
    writer->unreplied = 0;
    if (status == TW_INVALID && !writer->resolve_warned) {
        writer->resolve_warned = true;
        tw_log_warn("cannot read the stream back after reconnecting; unconfirmed reports are "
                    "re-sent as queued",
                    TW_STR("error", err));
    }
    if (status == TW_INVALID && writer->ctx->err) {
        /* not Redis refusing but this client failing: never try again, or every
         * reconnection would end here */
        writer->resolve_disabled = true;
        disconnect(writer, err);
        return TW_AGAIN;
    }
    return TW_OK;
}

/* After the in-flight batch's replies were read (status and confirmed from read_replies):
 * keeps the confirmed reports in the window and removes them from the queue. */
static void finish_batch(stream_writer *writer, report_queue *queue, int status, int confirmed)
{
    size_t n = writer->in_flight;
    keep_in_window(writer, queue, n, confirmed);
    report_queue_remove_done(queue, n, writer->keep);
    writer->in_flight = 0;
    queue->pinned = 0;
    tw_counter_add(writer->sent, (uint64_t)confirmed);
    sync_window_metrics(writer);
    tw_histogram_observe(writer->batch_seconds,
                         (double)(tw_mono_us() - writer->in_flight_since_us) / 1e6);
    bool clean = status == TW_OK && (size_t)confirmed == n;
    if (status == TW_OK && !clean)
        tw_backoff_failed(&writer->backoff, tw_mono_us()); /* error replies: pause retries */
    else if (clean && writer->ctx) /* not when writing the next batch failed meanwhile */
        tw_backoff_succeeded(&writer->backoff);
}

static size_t batch_size(const stream_writer *writer, size_t available)
{
    return available < writer->batch_max ? available : writer->batch_max;
}

/* True when a master check is due (with Sentinels): no new batch goes out, so the next
 * flush starts with nothing in flight and can leave a master that is no longer the one. */
static bool master_check_due(const stream_writer *writer)
{
    return writer->url.sentinel.count > 0 && tw_mono_us() >= writer->next_master_check_us;
}

int stream_writer_flush(stream_writer *writer, report_queue *queue)
{
    if (writer->in_flight == 0) {
        if (ensure_connected(writer) != TW_OK)
            return TW_AGAIN;
        if (tw_redis_master_moved(&writer->url, writer->ctx, &writer->next_master_check_us)) {
            disconnect(writer, "the sentinels name another master");
            return TW_AGAIN;
        }
        if (writer->resolve_pending && resolve(writer, queue) != TW_OK)
            return TW_AGAIN;
        size_t n = batch_size(writer, queue->count);
        if (n > 0) {
            format_batch(writer, queue, 0, n, &writer->command);
            if (write_batch(writer, &writer->command, n))
                mark_in_flight(writer, queue, n);
        }
        return 0;
    }
    /* Redis works on the batch in flight while the next one is formatted here */
    size_t next = batch_size(writer, queue->count - writer->in_flight);
    format_batch(writer, queue, writer->in_flight, next, &writer->next);
    int confirmed = 0;
    int status = read_replies(writer, queue, writer->in_flight, &confirmed);
    /* all confirmed: the next batch goes out before the window copies are made, so Redis
     * is not kept waiting for them; after an error it is formatted again later, behind the
     * reports kept for retry */
    bool written = status == TW_OK && (size_t)confirmed == writer->in_flight && next > 0 &&
                   !master_check_due(writer) && write_batch(writer, &writer->next, next);
    finish_batch(writer, queue, status, confirmed);
    if (written) {
        tw_buf swap = writer->command;
        writer->command = writer->next;
        writer->next = swap;
        mark_in_flight(writer, queue, next); /* the next batch now starts the queue */
    }
    return confirmed;
}

bool stream_writer_busy(const stream_writer *writer)
{
    return writer->in_flight > 0;
}

static int sink_flush(void *impl, report_queue *queue)
{
    return stream_writer_flush(impl, queue);
}

static bool sink_busy(const void *impl)
{
    return stream_writer_busy(impl);
}

static int sink_drain(void *impl, int timeout_ms)
{
    (void)impl; /* a flush reads its batch's replies itself: nothing is left in flight */
    (void)timeout_ms;
    return 0;
}

static bool sink_ready(const void *impl)
{
    return atomic_load(&((const stream_writer *)impl)->connected);
}

static void sink_stats(const void *impl, report_sink_stats *out)
{
    const stream_writer *writer = impl;
    *out = (report_sink_stats){tw_counter_value(writer->sent), tw_counter_value(writer->resent),
                               tw_counter_value(writer->resolved),
                               tw_counter_value(writer->rollbacks)};
}

static void sink_free(void *impl)
{
    stream_writer_free(impl);
}

static const report_sink_type stream_sink_type = {
    "redis",   "redis not connected", sink_flush, sink_busy, sink_drain, sink_ready,
    sink_stats, sink_free};

report_sink stream_writer_sink(stream_writer *writer)
{
    return (report_sink){&stream_sink_type, writer};
}
