/* HTTP handlers; see api.h. Every query value is validated: a bad one is a 400 with a
 * JSON reason, an unknown antenna a 404. */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"
#include "tw_alloc.h"
#include "tw_api.h"
#include "tw_api_query.h"
#include "tw_status.h"
#include "tw_time.h"
#include "window_figures.h"

#define ANTENNAS_PATH "/api/v1/antennas"
#define LIST_LIMIT_MAX 100000
#define SORT_TEXT_BYTES 32

typedef enum { SORT_ANTENNA_ID, SORT_LOSS_RATE, SORT_LATENCY } sort_key;

/* One antenna's figures for a window, computed under the lock. */
typedef struct {
    const antenna_state *antenna;
    window_totals totals;
    double p95;
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

static cJSON *antenna_json(const antenna_view *view, int64_t now)
{
    tw_antenna_row row = {view->antenna->id, antenna_status(view->antenna, &view->totals, now),
                          view->antenna->last_seen, view->totals.records, view->totals.packets,
                          view->totals.loss, tw_latency_figures_of(&view->totals.latency)};
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
    if (refused)
        return refused;
    int64_t now = now_s();
    window_totals totals;
    tw_summary summary = {.window_s = window_s, .lag = atomic_load(ctx->lag)};
    pthread_mutex_lock(&ctx->agg->lock);
    window_figures_global(ctx->agg, now, window_s, &totals);
    count_antennas(ctx->agg, now, window_s, &summary.antennas_active, &summary.antennas_offline);
    summary.malformed = aggregator_malformed_total(ctx->agg);
    summary.updated_at_us = ctx->agg->updated_at_us;
    pthread_mutex_unlock(&ctx->agg->lock);
    summary.records = totals.records;
    summary.packets = totals.packets;
    summary.loss = totals.loss;
    summary.latency = &totals.latency;
    summary.throughput_rps = window_throughput(totals.records, window_s, now, ctx->started_at_s);
    cJSON *json = tw_summary_to_json(&summary);
    int status = tw_http_reply_json(conn, 200, json);
    cJSON_Delete(json);
    tw_sketch_free(&totals.latency);
    return status;
}

static double loss_rate(const antenna_view *view)
{
    return view->totals.packets ? (double)view->totals.loss / (double)view->totals.packets : -1;
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
        fx = isnan(x->p95) ? -1 : x->p95;
        fy = isnan(y->p95) ? -1 : y->p95;
    }
    if (fx != fy)
        return fx > fy ? -1 : 1;
    return strcmp(x->antenna->id, y->antenna->id);
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

static void sort_views(antenna_view *views, size_t n, sort_key key)
{
    qsort_r(views, n, sizeof *views, compare_views, &key);
}

static int handle_antenna_list(struct mg_connection *conn, api_context *ctx)
{
    int64_t window_s, limit;
    sort_key key;
    if (tw_api_query_window(conn, &window_s) != TW_OK || read_sort(conn, &key) != TW_OK ||
        tw_http_query_int(conn, "limit", 1, LIST_LIMIT_MAX, LIST_LIMIT_MAX, &limit) != TW_OK)
        return 400;
    int64_t now = now_s();
    pthread_mutex_lock(&ctx->agg->lock);
    size_t n = ctx->agg->antennas.count;
    antenna_view *views = tw_xcalloc(n + 1, sizeof *views);
    for (size_t i = 0; i < n; i++) {
        views[i].antenna = ctx->agg->antennas.items[i];
        window_figures_antenna(views[i].antenna, now, window_s, &views[i].totals);
        views[i].p95 = tw_sketch_quantile(&views[i].totals.latency, 0.95);
    }
    sort_views(views, n, key);
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        cJSON_AddItemToArray(list, antenna_json(&views[i], now));
    pthread_mutex_unlock(&ctx->agg->lock);
    for (size_t i = 0; i < n; i++)
        tw_sketch_free(&views[i].totals.latency);
    free(views);
    int status = tw_http_reply_json(conn, 200, list);
    cJSON_Delete(list);
    return status;
}

static int handle_one_antenna(struct mg_connection *conn, api_context *ctx, const char *id)
{
    int64_t window_s;
    if (!tw_antenna_id_valid(id, strlen(id)))
        return tw_http_reply_error(conn, 400, "antenna id must match [A-Za-z0-9._-]{1,64}");
    if (tw_api_query_window(conn, &window_s) != TW_OK)
        return 400;
    int64_t now = now_s();
    cJSON *json = NULL;
    antenna_view view = {0};
    pthread_mutex_lock(&ctx->agg->lock);
    view.antenna = antenna_table_find(&ctx->agg->antennas, id);
    if (view.antenna) {
        window_figures_antenna(view.antenna, now, window_s, &view.totals);
        json = antenna_json(&view, now);
        tw_sketch_free(&view.totals.latency);
    }
    pthread_mutex_unlock(&ctx->agg->lock);
    if (!json)
        return tw_http_reply_error(conn, 404, "unknown antenna: %s", id);
    int status = tw_http_reply_json(conn, 200, json);
    cJSON_Delete(json);
    return status;
}

static int handle_antennas(struct mg_connection *conn, void *arg)
{
    if (!tw_http_allow_methods(conn, "GET,HEAD"))
        return TW_HTTP_METHOD_NOT_ALLOWED;
    const char *path = tw_http_path(conn);
    const char *rest = path + strlen(ANTENNAS_PATH);
    if (*rest == '\0' || !strcmp(rest, "/"))
        return handle_antenna_list(conn, arg);
    return handle_one_antenna(conn, arg, rest + 1);
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
