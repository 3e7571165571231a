/* Route handlers; see api.h. Every JSON path validates its query strictly (400 with a
 * reason), answers 503 with the replica report when no replica answered, and otherwise
 * serves the cached merged snapshot. */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "tw_alloc.h"
#include "tw_api.h"
#include "tw_api_query.h"
#include "tw_http_stream.h"
#include "tw_report.h"
#include "tw_signal.h"
#include "tw_status.h"
#include "tw_time.h"

#define SORT_MAX_BYTES 32
#define LIMIT_MAX 1000000
#define ANTENNA_PREFIX "/api/v1/antennas/"
#define SSE_POLL_STEP_MS 100
#define HTTP_UNAVAILABLE 503
/* The list is sent in chunks of about this many bytes. */
#define LIST_CHUNK_BYTES 65536

static const char *const get_methods = "GET,HEAD";

/* Replies 503 with the replica report when no replica is counted (none answered, none
 * stale); returns 1 if it did. */
static int reply_if_unreachable(struct mg_connection *conn, const dash_snapshot *snapshot,
                                int *status)
{
    if (snapshot->totals.answered + snapshot->totals.stale_count > 0)
        return 0;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "error", "no analytics replica answered");
    dash_snapshot_add_replicas(snapshot, doc);
    *status = tw_http_reply_json(conn, HTTP_UNAVAILABLE, doc);
    cJSON_Delete(doc);
    return 1;
}

/* Builds a reply from a merged snapshot and sends it; returns the status sent. */
typedef int (*snapshot_reply)(struct mg_connection *conn, dash_snapshot *snapshot,
                              const void *query);

/* Replies from the snapshot of window_s: 503 when no replica answered, else reply's answer. */
static int reply_from_snapshot(struct mg_connection *conn, const dash_app *app, int64_t window_s,
                               snapshot_reply reply, const void *query)
{
    dash_snapshot *snapshot = dash_source_get(app->source, window_s);
    int status;
    if (!reply_if_unreachable(conn, snapshot, &status))
        status = reply(conn, snapshot, query);
    dash_snapshot_release(snapshot);
    return status;
}

/* Sends doc as a 200 JSON reply and frees it. */
static int reply_json_owned(struct mg_connection *conn, cJSON *doc)
{
    int status = tw_http_reply_json(conn, 200, doc);
    cJSON_Delete(doc);
    return status;
}

static int reply_summary(struct mg_connection *conn, dash_snapshot *snapshot, const void *query)
{
    (void)query;
    return tw_http_reply(conn, 200, "application/json", snapshot->summary_json,
                         snapshot->summary_len);
}

static int handle_summary(struct mg_connection *conn, void *arg)
{
    int64_t window_s;
    int refused = tw_api_query_begin(conn, get_methods, &window_s);
    if (refused)
        return refused;
    return reply_from_snapshot(conn, arg, window_s, reply_summary, NULL);
}

static int query_sort(struct mg_connection *conn, dash_sort *sort)
{
    char text[SORT_MAX_BYTES];
    int found = tw_http_query_str(conn, "sort", text, sizeof text);
    *sort = DASH_SORT_ANTENNA_ID;
    if (found == 0 || (found > 0 && dash_sort_parse(text, sort) == TW_OK))
        return TW_OK;
    tw_http_reply_error(conn, 400, "sort must be one of loss_rate, latency, antenna_id");
    return TW_INVALID;
}

/* ?sort=, ?order=, ?q=, ?offset= and ?limit= of the antenna list. */
typedef struct {
    dash_sort sort;                         /* row order */
    bool reversed;                          /* ?order= against the sort's own direction */
    char filter[TW_ANTENNA_ID_MAX_LEN + 1]; /* ids containing this, "" for all */
    int64_t offset;                         /* rows skipped */
    int64_t limit;                          /* most rows */
} list_query;

/* ?order=asc|desc; each sort has its own direction (ids ascending, figures descending). */
static int query_order(struct mg_connection *conn, dash_sort sort, bool *reversed)
{
    char text[SORT_MAX_BYTES];
    int found = tw_http_query_str(conn, "order", text, sizeof text);
    bool ascending_first = sort == DASH_SORT_ANTENNA_ID;
    *reversed = false;
    if (found == 0)
        return TW_OK;
    if (found > 0 && (!strcmp(text, "asc") || !strcmp(text, "desc"))) {
        *reversed = !strcmp(text, "asc") != ascending_first;
        return TW_OK;
    }
    tw_http_reply_error(conn, 400, "order must be asc or desc");
    return TW_INVALID;
}

/* ?q=: a part of an antenna id (the id's own characters only). */
static int query_filter(struct mg_connection *conn, char *out, size_t out_size)
{
    int found = tw_http_query_str(conn, "q", out, out_size);
    if (found <= 0) {
        out[0] = '\0';
        if (found == 0)
            return TW_OK;
    } else if (tw_antenna_id_valid(out, strlen(out))) {
        return TW_OK;
    }
    tw_http_reply_error(conn, 400, "q must be part of an antenna id: [A-Za-z0-9._-]{1,64}");
    return TW_INVALID;
}

static cJSON *row_json_at(size_t i, const void *rows)
{
    return dash_row_json(((const dash_row *const *)rows)[i]);
}

/* The page of rows as a JSON array, with the number of matching rows in X-Total-Count. */
static int reply_antennas(struct mg_connection *conn, dash_snapshot *snapshot, const void *query)
{
    const list_query *q = query;
    size_t limit = (size_t)q->limit < snapshot->count ? (size_t)q->limit : snapshot->count;
    const dash_row **rows = tw_xcalloc(limit + 1, sizeof *rows);
    size_t got = 0;
    dash_page_query page = {q->sort, q->reversed, q->filter, (size_t)q->offset, limit};
    size_t total = dash_snapshot_page(snapshot, &page, rows, &got);
    char total_text[24];
    snprintf(total_text, sizeof total_text, "%zu", total);
    if (tw_http_stream_begin(conn, "application/json", "X-Total-Count", total_text))
        tw_http_stream_json_array(conn, got, row_json_at, rows, LIST_CHUNK_BYTES);
    free(rows);
    return 200;
}

static int handle_antennas(struct mg_connection *conn, void *arg)
{
    int64_t window_s;
    list_query q;
    int refused = tw_api_query_begin(conn, get_methods, &window_s);
    if (refused)
        return refused;
    if (query_sort(conn, &q.sort) != TW_OK || query_order(conn, q.sort, &q.reversed) != TW_OK ||
        query_filter(conn, q.filter, sizeof q.filter) != TW_OK ||
        tw_http_query_int(conn, "offset", 0, LIMIT_MAX, 0, &q.offset) != TW_OK ||
        tw_http_query_int(conn, "limit", 1, LIMIT_MAX, LIMIT_MAX, &q.limit) != TW_OK)
        return TW_HTTP_BAD_REQUEST;
    return reply_from_snapshot(conn, arg, window_s, reply_antennas, &q);
}

static int reply_antenna(struct mg_connection *conn, dash_snapshot *snapshot, const void *query)
{
    const dash_row *row = dash_snapshot_find(snapshot, query);
    if (!row)
        return tw_http_reply_error(conn, 404, "unknown antenna");
    return reply_json_owned(conn, dash_row_json(row));
}

static int handle_antenna(struct mg_connection *conn, void *arg)
{
    int64_t window_s;
    int refused = tw_api_query_begin(conn, get_methods, &window_s);
    if (refused)
        return refused;
    const char *id = tw_http_path(conn) + strlen(ANTENNA_PREFIX);
    if (!tw_antenna_id_valid(id, strlen(id)))
        return tw_http_reply_error(conn, 400, "antenna id must match [A-Za-z0-9._-]{1,64}");
    return reply_from_snapshot(conn, arg, window_s, reply_antenna, id);
}

static int handle_history(struct mg_connection *conn, void *arg)
{
    dash_app *app = arg;
    if (!tw_http_allow_methods(conn, get_methods))
        return TW_HTTP_METHOD_NOT_ALLOWED;
    return reply_json_owned(conn, dash_history_json(app->history));
}

/* Sends one event; TW_OK while the client is still there. */
static int send_event(struct mg_connection *conn, const char *name, const char *data, size_t len)
{
    if (mg_printf(conn, "event: %s\ndata: ", name) <= 0 || mg_write(conn, data, len) <= 0 ||
        mg_write(conn, "\n\n", 2) <= 0)
        return TW_ERR;
    return TW_OK;
}

static int push_summary(struct mg_connection *conn, dash_app *app, int64_t window_s)
{
    dash_snapshot *snapshot = dash_source_get(app->source, window_s);
    int rc = send_event(conn, "summary", snapshot->summary_json, snapshot->summary_len);
    dash_snapshot_release(snapshot);
    return rc;
}

/* Sleeps until the next push, returning early (TW_ERR) when the service stops. */
static int wait_next_push(const dash_app *app)
{
    for (int waited = 0; waited < app->sse_interval_ms; waited += SSE_POLL_STEP_MS) {
        if (tw_signal_stop_requested())
            return TW_ERR;
        tw_sleep_us((int64_t)SSE_POLL_STEP_MS * TW_US_PER_MS);
    }
    return tw_signal_stop_requested() ? TW_ERR : TW_OK;
}

static int handle_stream(struct mg_connection *conn, void *arg)
{
    dash_app *app = arg;
    int64_t window_s;
    int refused = tw_api_query_begin(conn, "GET", &window_s);
    if (refused)
        return refused;
    if (atomic_fetch_add(&app->sse_clients, 1) >= app->sse_max_clients) {
        atomic_fetch_sub(&app->sse_clients, 1);
        return tw_http_reply_error(conn, HTTP_UNAVAILABLE, "too many event streams; poll instead");
    }
    mg_printf(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    "Cache-Control: no-store\r\nConnection: close\r\n\r\nretry: 1000\n\n");
    while (push_summary(conn, app, window_s) == TW_OK && wait_next_push(app) == TW_OK)
        ;
    atomic_fetch_sub(&app->sse_clients, 1);
    return 200;
}

static int handle_static(struct mg_connection *conn, void *arg)
{
    (void)arg;
    tw_embedded_file asset;
    if (!tw_http_allow_methods(conn, get_methods))
        return TW_HTTP_METHOD_NOT_ALLOWED;
    if (!dash_asset_find(tw_http_path(conn), &asset))
        return tw_http_reply_error(conn, 404, "no such file");
    return tw_http_reply(conn, 200, asset.content_type, asset.data, asset.len);
}

void dash_api_register(tw_http *http, dash_app *app)
{
    tw_http_route(http, "/api/v1/summary", "summary", handle_summary, app);
    tw_http_route(http, "/api/v1/antennas", "antennas", handle_antennas, app);
    tw_http_route(http, ANTENNA_PREFIX, "antenna", handle_antenna, app);
    tw_http_route(http, "/api/v1/history", "history", handle_history, app);
    tw_http_route(http, "/api/v1/stream", "stream", handle_stream, app);
    tw_http_route(http, "/", "page", handle_static, app);
    tw_http_route(http, "/index.html", "page", handle_static, app);
    tw_http_route(http, "/static/", "static", handle_static, app);
}
