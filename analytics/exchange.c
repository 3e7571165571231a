/* The streamed replica exchange and merge document; see exchange.h. */
#include "exchange.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_api_query.h"
#include "tw_exchange.h"
#include "tw_http_stream.h"
#include "tw_sketch.h"
#include "tw_status.h"
#include "tw_time.h"
#include "window_figures.h"

/* Antennas encoded per turn of the lock: about a millisecond of work at a time. */
#define CHUNK_ANTENNAS 1024
/* Streamed replies served at once; each holds one chunk's bytes. */
#define MAX_IN_FLIGHT 2
#define HTTP_UNAVAILABLE 503
#define RETRY_AFTER_S "1"

/* What a reply asked for: ?window=&since=&instance=&at=. */
typedef struct {
    int64_t window_s; /* window of every figure */
    int64_t since;    /* the version the client holds, 0 for none */
    int64_t instance; /* the instance that version belongs to */
    int64_t at;       /* the replica clock (Unix s) of that version's reply */
} exchange_query;

/* Decides whether an antenna goes in the reply, and appends it to out (TW_OK, or TW_ERR
 * when it could not be encoded). */
typedef struct {
    bool (*wanted)(const antenna_state *antenna, const void *arg);
    int (*encode)(tw_buf *out, const antenna_state *antenna, window_totals *totals, void *arg);
    void *arg;
} row_stream;

/* One streamed reply's fixed facts. */
typedef struct {
    api_context *ctx;  /* state */
    uint64_t instance; /* the state's instance when the reply began */
    int64_t now;       /* the clock every window is computed at */
    int64_t window_s;  /* the window */
} stream_frame;

static int64_t wall_s(void)
{
    return tw_wall_us() / TW_US_PER_S;
}

/* A 503 that says when to ask again. */
static int reply_retry_later(struct mg_connection *conn, const char *reason)
{
    char body[160];
    int len = snprintf(body, sizeof body, "{\"error\":\"%s\"}", reason);
    char length[16];
    snprintf(length, sizeof length, "%d", len);
    mg_response_header_start(conn, HTTP_UNAVAILABLE);
    mg_response_header_add(conn, "Retry-After", RETRY_AFTER_S, -1);
    mg_response_header_add(conn, "Content-Type", "application/json", -1);
    mg_response_header_add(conn, "Content-Length", length, -1);
    mg_response_header_send(conn);
    mg_write(conn, body, (size_t)len);
    return HTTP_UNAVAILABLE;
}

/* Takes one of the MAX_IN_FLIGHT places, or answers 503; returns 0 when it got one. */
static int take_place(struct mg_connection *conn, api_context *ctx)
{
    int refused = api_refuse_until_restored(conn, ctx);
    if (refused)
        return refused;
    if (atomic_fetch_add(&ctx->streams_in_flight, 1) < MAX_IN_FLIGHT)
        return 0;
    atomic_fetch_sub(&ctx->streams_in_flight, 1);
    return reply_retry_later(conn, "busy: as many streamed replies as allowed are in flight");
}

/* Encodes the wanted antennas chunk by chunk, writing each chunk with the lock released.
 * TW_ERR when the client went away or a row could not be encoded, TW_AGAIN when the state
 * was replaced meanwhile (a reload or an adoption: the rows already sent belong to the
 * state before). */
static int stream_rows(struct mg_connection *conn, const stream_frame *frame,
                       const row_stream *rows, tw_buf *buf)
{
    aggregator *agg = frame->ctx->agg;
    for (size_t next = 0;;) {
        pthread_mutex_lock(&agg->lock);
        if (agg->instance != frame->instance) {
            pthread_mutex_unlock(&agg->lock);
            return TW_AGAIN;
        }
        size_t count = agg->antennas.count;
        size_t end = count - next > CHUNK_ANTENNAS ? next + CHUNK_ANTENNAS : count;
        int encoded = TW_OK;
        for (size_t i = next; i < end && encoded == TW_OK; i++) {
            const antenna_state *antenna = agg->antennas.items[i];
            if (!rows->wanted(antenna, rows->arg))
                continue;
            window_totals totals;
            window_figures_antenna(antenna, frame->now, frame->window_s, &totals);
            encoded = rows->encode(buf, antenna, &totals, rows->arg);
            tw_sketch_free(&totals.latency);
        }
        pthread_mutex_unlock(&agg->lock);
        if (encoded != TW_OK || tw_http_stream_send(conn, buf) != TW_OK)
            return TW_ERR;
        if (end == count)
            return TW_OK;
        next = end;
    }
}

/* ---- the binary exchange ---- */

/* A delta's rule: changed after the client's version, or a bucket left the window. */
typedef struct {
    const exchange_query *query;
    int64_t now;
    bool full;
} delta_rule;

static bool exchange_wanted(const antenna_state *antenna, const void *arg)
{
    const delta_rule *rule = arg;
    if (rule->full || antenna->changed_version > (uint64_t)rule->query->since)
        return true;
    return rule->query->window_s > 0 &&
           bucket_ring_left_window(&antenna->slots, rule->query->window_s, rule->query->at,
                                   rule->now);
}

static int exchange_encode(tw_buf *out, const antenna_state *antenna, window_totals *totals,
                           void *arg)
{
    (void)arg;
    tw_exchange_row row = {.last_seen = antenna->last_seen,
                           .interval_s = antenna->interval_s,
                           .records = totals->records,
                           .packets = totals->packets,
                           .loss = totals->loss,
                           .latency = totals->latency};
    memcpy(row.antenna_id, antenna->id, sizeof row.antenna_id);
    tw_wire_writer writer = {out};
    tw_exchange_write_row(&row, &writer);
    return TW_OK;
}

static int read_exchange_query(struct mg_connection *conn, exchange_query *q)
{
    if (tw_api_query_window(conn, &q->window_s) != TW_OK ||
        tw_http_query_int(conn, "since", 0, INT64_MAX, 0, &q->since) != TW_OK ||
        tw_http_query_int(conn, "instance", 0, INT64_MAX, 0, &q->instance) != TW_OK ||
        tw_http_query_int(conn, "at", 0, INT64_MAX, 0, &q->at) != TW_OK)
        return TW_INVALID;
    return TW_OK;
}

/* Whether the client's version can be answered with a delta. */
static bool delta_possible(const exchange_query *q, const tw_exchange_header *h)
{
    return q->since > 0 && (uint64_t)q->instance == h->instance &&
           (uint64_t)q->since <= h->version && (q->window_s == 0 || (q->at > 0 && q->at <= h->now));
}

/* The header's figures, read under the lock; the caller frees header->latency. */
static void fill_header(api_context *ctx, const exchange_query *q, tw_exchange_header *h)
{
    memset(h, 0, sizeof *h);
    h->window_s = q->window_s;
    h->now = wall_s();
    h->started_at = ctx->started_at_s;
    window_totals totals;
    aggregator *agg = ctx->agg;
    pthread_mutex_lock(&agg->lock);
    window_figures_global(agg, h->now, q->window_s, &totals);
    h->instance = agg->instance;
    h->version = agg->version;
    h->updated_at_us = agg->updated_at_us;
    h->malformed = aggregator_malformed_total(agg);
    h->antennas = agg->antennas.count;
    h->untracked = agg->untracked;
    int64_t span_s = window_span_s(agg, h->now, q->window_s, ctx->started_at_s);
    pthread_mutex_unlock(&agg->lock);
    h->records = totals.records;
    h->packets = totals.packets;
    h->loss = totals.loss;
    h->latency = totals.latency;
    h->throughput_rps = window_throughput(totals.records, span_s);
    h->lag = atomic_load(ctx->lag);
    h->pending = atomic_load(ctx->pending);
    h->full = !delta_possible(q, h);
}

/* Ends a streamed document whose rows stream_rows wrote with status rc: unless the
 * connection failed (TW_ERR), what buf holds, its closing included, is the last chunk
 * sent. Frees buf; the status is 200 (the head is already sent). */
static int stream_close(struct mg_connection *conn, tw_buf *buf, int rc)
{
    if (rc != TW_ERR && tw_http_stream_send(conn, buf) == TW_OK)
        tw_http_stream_end(conn);
    tw_buf_free(buf);
    return 200;
}

static int serve_exchange(struct mg_connection *conn, api_context *ctx, const exchange_query *q)
{
    tw_exchange_header header;
    fill_header(ctx, q, &header);
    if (!tw_http_stream_begin(conn, TW_EXCHANGE_CONTENT_TYPE, NULL, NULL)) {
        tw_sketch_free(&header.latency);
        return 200;
    }
    tw_buf buf;
    tw_buf_init(&buf);
    tw_wire_writer writer = {&buf};
    tw_exchange_write_header(&header, &writer);
    tw_sketch_free(&header.latency);
    delta_rule rule = {q, header.now, header.full};
    row_stream rows = {exchange_wanted, exchange_encode, &rule};
    stream_frame frame = {ctx, header.instance, header.now, q->window_s};
    int rc = stream_rows(conn, &frame, &rows, &buf);
    if (rc == TW_OK)
        tw_exchange_write_end(&writer);
    else if (rc != TW_ERR)
        tw_exchange_write_abandoned(&writer);
    return stream_close(conn, &buf, rc);
}

static int handle_exchange(struct mg_connection *conn, void *arg)
{
    api_context *ctx = arg;
    exchange_query q;
    if (!tw_http_allow_methods(conn, "GET,HEAD"))
        return TW_HTTP_METHOD_NOT_ALLOWED;
    if (read_exchange_query(conn, &q) != TW_OK)
        return TW_HTTP_BAD_REQUEST;
    int refused = take_place(conn, ctx);
    if (refused)
        return refused;
    int status = serve_exchange(conn, ctx, &q);
    atomic_fetch_sub(&ctx->streams_in_flight, 1);
    return status;
}

/* ---- the JSON merge document ---- */

static bool every_antenna(const antenna_state *antenna, const void *arg)
{
    (void)antenna;
    (void)arg;
    return true;
}

/* Separates rows with commas: the first row of the document goes without. */
typedef struct {
    bool first;
} json_rows;

static int merge_encode(tw_buf *out, const antenna_state *antenna, window_totals *totals, void *arg)
{
    json_rows *state = arg;
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "antenna_id", antenna->id);
    cJSON_AddNumberToObject(json, "last_seen", (double)antenna->last_seen);
    cJSON_AddNumberToObject(json, "interval_s", antenna->interval_s);
    cJSON_AddNumberToObject(json, "records", (double)totals->records);
    cJSON_AddNumberToObject(json, "packets", (double)totals->packets);
    cJSON_AddNumberToObject(json, "loss", (double)totals->loss);
    cJSON_AddItemToObject(json, "latency_sketch", tw_sketch_to_json(&totals->latency));
    if (!state->first)
        tw_buf_puts(out, ",");
    state->first = false;
    int status = tw_http_stream_put_json(out, json);
    cJSON_Delete(json);
    return status;
}

/* Everything of the merge document but its antennas, read under the lock. */
static cJSON *merge_head(api_context *ctx, int64_t now, int64_t window_s, uint64_t *instance)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddNumberToObject(json, "window_s", (double)window_s);
    cJSON_AddNumberToObject(json, "now", (double)now);
    cJSON_AddNumberToObject(json, "started_at", (double)ctx->started_at_s);
    window_totals totals;
    aggregator *agg = ctx->agg;
    pthread_mutex_lock(&agg->lock);
    *instance = agg->instance;
    window_figures_global(agg, now, window_s, &totals);
    cJSON_AddNumberToObject(json, "records", (double)totals.records);
    cJSON_AddNumberToObject(json, "packets", (double)totals.packets);
    cJSON_AddNumberToObject(json, "loss", (double)totals.loss);
    cJSON_AddNumberToObject(json, "malformed", (double)aggregator_malformed_total(agg));
    cJSON_AddItemToObject(json, "malformed_by_reason", api_malformed_json(agg));
    cJSON_AddNumberToObject(json, "duplicates", (double)agg->duplicates);
    cJSON_AddNumberToObject(json, "seq_gaps", (double)aggregator_seq_gaps(agg));
    char updated[40];
    tw_format_rfc3339(agg->updated_at_us, updated, sizeof updated);
    int64_t span_s = window_span_s(agg, now, window_s, ctx->started_at_s);
    pthread_mutex_unlock(&agg->lock);
    cJSON_AddStringToObject(json, "updated_at", updated);
    cJSON_AddNumberToObject(json, "throughput_rps", window_throughput(totals.records, span_s));
    cJSON_AddItemToObject(json, "latency_sketch", tw_sketch_to_json(&totals.latency));
    tw_sketch_free(&totals.latency);
    api_add_optional_int(json, "lag", atomic_load(ctx->lag));
    api_add_optional_int(json, "pending", atomic_load(ctx->pending));
    return json;
}

static int serve_merge(struct mg_connection *conn, api_context *ctx, int64_t window_s)
{
    int64_t now = wall_s();
    uint64_t instance = 0;
    cJSON *head = merge_head(ctx, now, window_s, &instance);
    tw_buf buf;
    tw_buf_init(&buf);
    int printed = tw_http_stream_put_json(&buf, head);
    cJSON_Delete(head);
    if (printed != TW_OK) {
        tw_buf_free(&buf);
        return tw_http_reply_error(conn, 500, "out of memory");
    }
    if (!tw_http_stream_begin(conn, "application/json", NULL, NULL)) {
        tw_buf_free(&buf);
        return 200;
    }
    buf.data[--buf.len] = '\0'; /* drops the closing brace: the object stays open */
    tw_buf_puts(&buf, ",\"antennas\":[");
    json_rows state = {true};
    row_stream rows = {every_antenna, merge_encode, &state};
    stream_frame frame = {ctx, instance, now, window_s};
    int rc = stream_rows(conn, &frame, &rows, &buf);
    /* a state replaced meanwhile leaves a document that says it is incomplete */
    if (rc != TW_ERR)
        tw_buf_puts(&buf, rc == TW_OK ? "]}" : "],\"incomplete\":true}");
    return stream_close(conn, &buf, rc);
}

/* Everything a tool needs to merge this replica exactly with others, as JSON. */
static int handle_merge(struct mg_connection *conn, void *arg)
{
    api_context *ctx = arg;
    int64_t window_s;
    int refused = tw_api_query_begin(conn, "GET,HEAD", &window_s);
    if (refused || (refused = take_place(conn, ctx)))
        return refused;
    int status = serve_merge(conn, ctx, window_s);
    atomic_fetch_sub(&ctx->streams_in_flight, 1);
    return status;
}

void exchange_register(tw_http *http, api_context *ctx)
{
    tw_http_route(http, "/api/v1/exchange", "exchange", handle_exchange, ctx);
    tw_http_route(http, "/api/v1/merge", "merge", handle_merge, ctx);
}
