/* HTTP handlers; see api.h. Every query value is validated: a bad one is a 400 with a
 * JSON reason, an unknown antenna a 404. */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"
#include "tw_alloc.h"
#include "tw_http_stream.h"
#include "tw_api.h"
#include "tw_api_query.h"
#include "tw_status.h"
#include "tw_time.h"
#include "window_figures.h"

#define ANTENNAS_PATH "/api/v1/antennas"
#define LIST_LIMIT_MAX 100000
#define SORT_TEXT_BYTES 32

typedef enum { SORT_ANTENNA_ID, SORT_LOSS_RATE, SORT_LATENCY } sort_key;

/* Antennas whose figures are computed per turn of the lock, so a list of 100k antennas
 * never holds ingest up for long. */
#define LIST_CHUNK_ANTENNAS 1024
/* The list is sent in chunks of about this many bytes. */
#define LIST_CHUNK_BYTES 65536
/* Tries at a list when the state is replaced while it is computed. */
#define LIST_TRIES 3

/* One antenna's row for a window, copied out from under the lock. */
typedef struct {
    char id[TW_ANTENNA_ID_MAX_LEN + 1]; /* antenna id */
    const char *status;                 /* "ok", "degraded" or "offline" (static) */
    int64_t last_seen;                  /* newest record */
    uint64_t records;                   /* in the window */
    uint64_t packets;                   /* in the window */
    uint64_t loss;                      /* in the window */
    tw_latency_figures latency;         /* in the window */
} antenna_view;

static int64_t now_s(void)
{
    return tw_wall_us() / TW_US_PER_S;
}

static const char *antenna_status(const antenna_state *antenna, const window_totals *totals,
                                  int64_t now)
{
    return tw_antenna_status(now, antenna->last_seen, antenna->interval_s, totals->packets,
                             totals->loss);
}

/* The antenna's row for the window (the caller holds the lock). */
static void view_of(const antenna_state *antenna, int64_t now, int64_t window_s,
                    antenna_view *out)
{
    window_totals totals;
    window_figures_antenna(antenna, now, window_s, &totals);
    memcpy(out->id, antenna->id, sizeof out->id);
    out->status = antenna_status(antenna, &totals, now);
    out->last_seen = antenna->last_seen;
    out->records = totals.records;
    out->packets = totals.packets;
    out->loss = totals.loss;
    out->latency = tw_latency_figures_of(&totals.latency);
    tw_sketch_free(&totals.latency);
}

static cJSON *antenna_json(const antenna_view *view)
{
    tw_antenna_row row = {view->id,      view->status,  view->last_seen, view->records,
                          view->packets, view->loss,    view->latency};
    return tw_antenna_row_to_json(&row);
}

/* Counts antennas active in the window and offline now (the caller holds the lock). */
static void count_antennas(const aggregator *agg, int64_t now, int64_t window_s,
                           uint64_t *active, uint64_t *offline)
{
    *active = *offline = 0;
    for (size_t i = 0; i < agg->antennas.count; i++) {
        const antenna_state *antenna = agg->antennas.items[i];
        if (antenna->records > 0 && (window_s == 0 || antenna->last_seen > now - window_s))
            (*active)++;
        if (!strcmp(tw_antenna_status(now, antenna->last_seen, antenna->interval_s, 0, 0),
                    "offline"))
            (*offline)++;
    }
}

static int handle_summary(struct mg_connection *conn, void *arg)
{
    api_context *ctx = arg;
    int64_t window_s;
    int refused = tw_api_query_begin(conn, "GET,HEAD", &window_s);
    if (refused || (refused = api_refuse_until_restored(conn, ctx)))
        return refused;
    int64_t now = now_s();
    window_totals totals;
    tw_summary summary = {.window_s = window_s, .lag = atomic_load(ctx->lag)};
    pthread_mutex_lock(&ctx->agg->lock);
    window_figures_global(ctx->agg, now, window_s, &totals);
    count_antennas(ctx->agg, now, window_s, &summary.antennas_active, &summary.antennas_offline);
    summary.malformed = aggregator_malformed_total(ctx->agg);
    summary.updated_at_us = ctx->agg->updated_at_us;
    int64_t span_s = window_span_s(ctx->agg, now, window_s, ctx->started_at_s);
    pthread_mutex_unlock(&ctx->agg->lock);
    summary.records = totals.records;
    summary.packets = totals.packets;
    summary.loss = totals.loss;
    summary.latency = &totals.latency;
    summary.throughput_rps = window_throughput(totals.records, span_s);
    cJSON *json = tw_summary_to_json(&summary);
    int status = tw_http_reply_json(conn, 200, json);
    cJSON_Delete(json);
    tw_sketch_free(&totals.latency);
    return status;
}

static double loss_rate(const antenna_view *view)
{
    return view->packets ? (double)view->loss / (double)view->packets : -1;
}

/* Descending by the chosen figure (unknown values last), then by id. */
static int compare_views(const void *a, const void *b, void *key_arg)
{
    const antenna_view *x = a, *y = b;
    sort_key key = *(const sort_key *)key_arg;
    double fx = 0, fy = 0;
    if (key == SORT_LOSS_RATE) {
        fx = loss_rate(x);
        fy = loss_rate(y);
    } else if (key == SORT_LATENCY) {
        fx = isnan(x->latency.p95) ? -1 : x->latency.p95;
        fy = isnan(y->latency.p95) ? -1 : y->latency.p95;
    }
    if (fx != fy)
        return fx > fy ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int read_sort(struct mg_connection *conn, sort_key *out)
{
    char text[SORT_TEXT_BYTES];
    int found = tw_http_query_str(conn, "sort", text, sizeof text);
    *out = SORT_ANTENNA_ID;
    if (found == 0 || (found > 0 && !strcmp(text, "antenna_id")))
        return TW_OK;
    if (found > 0 && !strcmp(text, "loss_rate")) {
        *out = SORT_LOSS_RATE;
        return TW_OK;
    }
    if (found > 0 && !strcmp(text, "latency")) {
        *out = SORT_LATENCY;
        return TW_OK;
    }
    tw_http_reply_error(conn, 400, "sort must be loss_rate, latency or antenna_id");
    return TW_INVALID;
}

/* Every antenna's row for the window, computed a chunk of antennas per turn of the lock
 * (from the start again if the state is replaced meanwhile); *count rows, caller frees. */
static antenna_view *collect_views(aggregator *agg, int64_t now, int64_t window_s,
                                   size_t *count)
{
    antenna_view *views = NULL;
    size_t n = 0, cap = 0;
    for (int tries = 0; tries < LIST_TRIES; tries++) {
        n = 0;
        uint64_t instance = 0;
        for (size_t next = 0;; next += LIST_CHUNK_ANTENNAS) {
            pthread_mutex_lock(&agg->lock);
            if (next == 0)
                instance = agg->instance;
            bool replaced = agg->instance != instance;
            size_t total = agg->antennas.count;
            if (!replaced && total > cap) {
                cap = total;
                views = tw_xrealloc(views, (cap + 1) * sizeof *views);
            }
            for (size_t i = next; !replaced && i < total && i < next + LIST_CHUNK_ANTENNAS; i++)
                view_of(agg->antennas.items[i], now, window_s, &views[n++]);
            pthread_mutex_unlock(&agg->lock);
            if (replaced)
                break;
            if (next + LIST_CHUNK_ANTENNAS >= total) {
                *count = n;
                return views ? views : tw_xcalloc(1, sizeof *views);
            }
        }
    }
    *count = n; /* replaced every time: the last try's rows */
    return views ? views : tw_xcalloc(1, sizeof *views);
}

static cJSON *view_json_at(size_t i, const void *views)
{
    return antenna_json(&((const antenna_view *)views)[i]);
}

/* Sends the first n views as a JSON array, chunk by chunk. */
static void send_views(struct mg_connection *conn, const antenna_view *views, size_t n)
{
    if (tw_http_stream_begin(conn, "application/json", NULL, NULL))
        tw_http_stream_json_array(conn, n, view_json_at, views, LIST_CHUNK_BYTES);
}

static int handle_antenna_list(struct mg_connection *conn, api_context *ctx)
{
    int64_t window_s, limit;
    sort_key key;
    if (tw_api_query_window(conn, &window_s) != TW_OK || read_sort(conn, &key) != TW_OK ||
        tw_http_query_int(conn, "limit", 1, LIST_LIMIT_MAX, LIST_LIMIT_MAX, &limit) != TW_OK)
        return 400;
    size_t n = 0;
    antenna_view *views = collect_views(ctx->agg, now_s(), window_s, &n);
    qsort_r(views, n, sizeof *views, compare_views, &key);
    send_views(conn, views, n < (size_t)limit ? n : (size_t)limit);
    free(views);
    return 200;
}

static int handle_one_antenna(struct mg_connection *conn, api_context *ctx, const char *id)
{
    int64_t window_s;
    if (!tw_antenna_id_valid(id, strlen(id)))
        return tw_http_reply_error(conn, 400, "antenna id must match [A-Za-z0-9._-]{1,64}");
    if (tw_api_query_window(conn, &window_s) != TW_OK)
        return 400;
    int64_t now = now_s();
    antenna_view view;
    pthread_mutex_lock(&ctx->agg->lock);
    const antenna_state *antenna = antenna_table_find(&ctx->agg->antennas, id);
    if (antenna)
        view_of(antenna, now, window_s, &view);
    pthread_mutex_unlock(&ctx->agg->lock);
    if (!antenna)
        return tw_http_reply_error(conn, 404, "unknown antenna: %s", id);
    cJSON *json = antenna_json(&view);
    int status = tw_http_reply_json(conn, 200, json);
    cJSON_Delete(json);
    return status;
}

static int handle_antennas(struct mg_connection *conn, void *arg)
{
    if (!tw_http_allow_methods(conn, "GET,HEAD"))
        return TW_HTTP_METHOD_NOT_ALLOWED;
    int refused = api_refuse_until_restored(conn, arg);
    if (refused)
        return refused;
    const char *path = tw_http_path(conn);
    const char *rest = path + strlen(ANTENNAS_PATH);
    if (*rest == '\0' || !strcmp(rest, "/"))
        return handle_antenna_list(conn, arg);
    return handle_one_antenna(conn, arg, rest + 1);
}

int api_refuse_until_restored(struct mg_connection *conn, const api_context *ctx)
{
    if (!ctx->restored || atomic_load(ctx->restored))
        return 0;
    return tw_http_reply_error(conn, 503, "restoring checkpoint from redis");
}

void api_add_optional_int(cJSON *json, const char *name, int64_t value)
{
    if (value >= 0)
        cJSON_AddNumberToObject(json, name, (double)value);
    else
        cJSON_AddNullToObject(json, name);
}

cJSON *api_malformed_json(const aggregator *agg)
{
    cJSON *json = cJSON_CreateObject();
    for (int i = 1; i < TW_MALFORMED_REASON_COUNT; i++)
        cJSON_AddNumberToObject(json, tw_malformed_reason_name(i), (double)agg->malformed[i]);
    return json;
}

/* Malformed records by reason, seq gaps and duplicates: the data-quality view. */
static int handle_quality(struct mg_connection *conn, void *arg)
{
    api_context *ctx = arg;
    if (!tw_http_allow_methods(conn, "GET,HEAD"))
        return TW_HTTP_METHOD_NOT_ALLOWED;
    int refused = api_refuse_until_restored(conn, ctx);
    if (refused)
        return refused;
    cJSON *json = cJSON_CreateObject();
    pthread_mutex_lock(&ctx->agg->lock);
    cJSON_AddNumberToObject(json, "malformed", (double)aggregator_malformed_total(ctx->agg));
    cJSON_AddItemToObject(json, "malformed_by_reason", api_malformed_json(ctx->agg));
    cJSON_AddNumberToObject(json, "duplicates", (double)ctx->agg->duplicates);
    cJSON_AddNumberToObject(json, "seq_gaps", (double)aggregator_seq_gaps(ctx->agg));
    cJSON_AddNumberToObject(json, "seq_untracked", (double)aggregator_seq_untracked(ctx->agg));
    cJSON_AddNumberToObject(json, "deleted_before_read", (double)ctx->agg->deleted);
    cJSON_AddNumberToObject(json, "ignored_optional_fields", (double)ctx->agg->ignored_optional);
    pthread_mutex_unlock(&ctx->agg->lock);
    api_add_optional_int(json, "dlq_length", atomic_load(ctx->dlq_length));
    int status = tw_http_reply_json(conn, 200, json);
    cJSON_Delete(json);
    return status;
}

void api_register(tw_http *http, api_context *ctx)
{
    tw_http_route(http, "/api/v1/summary", "summary", handle_summary, ctx);
    tw_http_route(http, ANTENNAS_PATH, "antennas", handle_antennas, ctx);
    tw_http_route(http, ANTENNAS_PATH "/", "antenna", handle_antennas, ctx);
    exchange_register(http, ctx);
    tw_http_route(http, "/api/v1/quality", "quality", handle_quality, ctx);
}
