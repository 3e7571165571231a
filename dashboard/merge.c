/* Replica merge: parsing of analytics' /api/v1/merge document, exact folding of counts and
 * sketches, per-antenna merge by id (sort, then coalesce neighbours), status and encoding.
 * See merge.h. */
#include "merge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tw_alloc.h"
#include "tw_api.h"
#include "tw_status.h"
#include "tw_time.h"

#define ANTENNA_INITIAL_CAP 16
#define MS_DIGITS 3

void dash_view_init(dash_view *view, int64_t window_s)
{
    memset(view, 0, sizeof *view);
    view->window_s = window_s;
    view->lag = -1;
    tw_sketch_init(&view->latency);
}

void dash_view_free(dash_view *view)
{
    for (size_t i = 0; i < view->antenna_count; i++)
        tw_sketch_free(&view->antennas[i].latency);
    free(view->antennas);
    for (int i = 0; i < view->down_count; i++)
        free(view->down[i]);
    free(view->down);
    tw_sketch_free(&view->latency);
    memset(view, 0, sizeof *view);
}

void dash_view_add_down(dash_view *view, const char *address)
{
    view->down = tw_xrealloc(view->down, (size_t)(view->down_count + 1) * sizeof *view->down);
    view->down[view->down_count++] = tw_xstrdup(address);
}

int dash_parse_rfc3339(const char *text, int64_t *out_us)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int consumed = 0;
    if (!text || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                        &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6)
        return TW_INVALID;
    const char *rest = text + consumed;
    int64_t fraction_us = 0;
    if (*rest == '.') {
        int64_t scale = TW_US_PER_S / 10;
        for (rest++; *rest >= '0' && *rest <= '9'; rest++) {
            fraction_us += (*rest - '0') * scale;
            scale /= 10;
        }
    }
    if (strcmp(rest, "Z") != 0)
        return TW_INVALID;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out_us = (int64_t)timegm(&tm) * TW_US_PER_S + fraction_us;
    return TW_OK;
}

/* Reads a non-negative integer member; 0 when it is not one. */
static int read_count(const cJSON *doc, const char *name, uint64_t *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(doc, name);
    if (!cJSON_IsNumber(item) || item->valuedouble < 0 || !isfinite(item->valuedouble))
        return TW_INVALID;
    *out = (uint64_t)item->valuedouble;
    return TW_OK;
}

static int read_number(const cJSON *doc, const char *name, double *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(doc, name);
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
        return TW_INVALID;
    *out = item->valuedouble;
    return TW_OK;
}

static dash_antenna *push_antenna(dash_view *view)
{
    if (view->antenna_count == view->antenna_cap) {
        size_t cap = view->antenna_cap ? view->antenna_cap * 2 : ANTENNA_INITIAL_CAP;
        view->antennas = tw_xrealloc(view->antennas, cap * sizeof *view->antennas);
        view->antenna_cap = cap;
    }
    return &view->antennas[view->antenna_count++];
}

/* Parses one antenna row into out; TW_OK or TW_INVALID (nothing left allocated). */
static int parse_antenna(const cJSON *json, dash_antenna *out)
{
    memset(out, 0, sizeof *out);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(json, "antenna_id");
    if (!cJSON_IsString(id) || !*id->valuestring ||
        strlen(id->valuestring) > DASH_ANTENNA_ID_MAX_BYTES)
        return TW_INVALID;
    snprintf(out->antenna_id, sizeof out->antenna_id, "%s", id->valuestring);
    double last_seen = 0;
    if (read_number(json, "last_seen", &last_seen) != TW_OK ||
        read_number(json, "interval_s", &out->interval_s) != TW_OK ||
        read_count(json, "records", &out->records) != TW_OK ||
        read_count(json, "packets", &out->packets) != TW_OK ||
        read_count(json, "loss", &out->loss) != TW_OK || out->loss > out->packets)
        return TW_INVALID;
    out->last_seen = (int64_t)last_seen;
    tw_sketch_init(&out->latency);
    return tw_sketch_from_json(cJSON_GetObjectItemCaseSensitive(json, "latency_sketch"),
                               &out->latency);
}

/* The replica-wide figures of one document, checked before anything is merged. */
typedef struct {
    double now;
    uint64_t records, packets, loss, malformed;
    int64_t lag;
    int64_t updated_at_us;
    double throughput_rps;
    tw_sketch latency;
} replica_totals;

static int parse_totals(const cJSON *doc, int64_t window_s, replica_totals *out)
{
    memset(out, 0, sizeof *out);
    double window = 0;
    const cJSON *lag = cJSON_GetObjectItemCaseSensitive(doc, "lag");
    const cJSON *updated = cJSON_GetObjectItemCaseSensitive(doc, "updated_at");
    if (!cJSON_IsObject(doc) || read_number(doc, "window_s", &window) != TW_OK ||
        (int64_t)window != window_s || read_number(doc, "now", &out->now) != TW_OK ||
        read_count(doc, "records", &out->records) != TW_OK ||
        read_count(doc, "packets", &out->packets) != TW_OK ||
        read_count(doc, "loss", &out->loss) != TW_OK ||
        read_count(doc, "malformed", &out->malformed) != TW_OK ||
        read_number(doc, "throughput_rps", &out->throughput_rps) != TW_OK ||
        !(cJSON_IsNull(lag) || (cJSON_IsNumber(lag) && lag->valuedouble >= 0)) ||
        !cJSON_IsString(updated) ||
        dash_parse_rfc3339(updated->valuestring, &out->updated_at_us) != TW_OK)
        return TW_INVALID;
    out->lag = cJSON_IsNull(lag) ? -1 : (int64_t)lag->valuedouble;
    tw_sketch_init(&out->latency);
    return tw_sketch_from_json(cJSON_GetObjectItemCaseSensitive(doc, "latency_sketch"),
                               &out->latency);
}

static void fold_totals(dash_view *view, replica_totals *totals)
{
    if ((int64_t)totals->now > view->now)
        view->now = (int64_t)totals->now;
    view->records += totals->records;
    view->packets += totals->packets;
    view->loss += totals->loss;
    view->malformed += totals->malformed;
    view->throughput_rps += totals->throughput_rps;
    if (totals->lag > view->lag)
        view->lag = totals->lag;
    if (totals->updated_at_us > view->updated_at_us)
        view->updated_at_us = totals->updated_at_us;
    tw_sketch_merge(&view->latency, &totals->latency);
    tw_sketch_free(&totals->latency);
}

int dash_view_add_replica(dash_view *view, const cJSON *doc)
{
    replica_totals totals;
    if (parse_totals(doc, view->window_s, &totals) != TW_OK) {
        tw_sketch_free(&totals.latency);
        return TW_INVALID;
    }
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(doc, "antennas");
    size_t first_new = view->antenna_count;
    const cJSON *row;
    int status = cJSON_IsArray(rows) ? TW_OK : TW_INVALID;
    cJSON_ArrayForEach(row, rows)
    {
        if (status != TW_OK)
            break;
        dash_antenna *slot = push_antenna(view);
        status = parse_antenna(row, slot);
        if (status != TW_OK) {
            tw_sketch_free(&slot->latency);
            view->antenna_count--;
        }
    }
    if (status != TW_OK) {
        for (size_t i = first_new; i < view->antenna_count; i++)
            tw_sketch_free(&view->antennas[i].latency);
        view->antenna_count = first_new;
        tw_sketch_free(&totals.latency);
        return TW_INVALID;
    }
    fold_totals(view, &totals);
    view->replicas_answered++;
    return TW_OK;
}

static int compare_id(const void *a, const void *b)
{
    return strcmp(((const dash_antenna *)a)->antenna_id, ((const dash_antenna *)b)->antenna_id);
}

/* Folds src into dst (same id): sums, sketch merge, newest last_seen carries its interval. */
static void merge_row(dash_antenna *dst, dash_antenna *src)
{
    dst->records += src->records;
    dst->packets += src->packets;
    dst->loss += src->loss;
    if (src->last_seen > dst->last_seen) {
        dst->last_seen = src->last_seen;
        dst->interval_s = src->interval_s;
    }
    tw_sketch_merge(&dst->latency, &src->latency);
    tw_sketch_free(&src->latency);
}

void dash_view_finish(dash_view *view)
{
    if (view->antenna_count > 1)
        qsort(view->antennas, view->antenna_count, sizeof *view->antennas, compare_id);
    size_t kept = 0;
    for (size_t i = 0; i < view->antenna_count; i++) {
        if (kept > 0 && !strcmp(view->antennas[kept - 1].antenna_id, view->antennas[i].antenna_id))
            merge_row(&view->antennas[kept - 1], &view->antennas[i]);
        else if (kept++ != i)
            view->antennas[kept - 1] = view->antennas[i];
    }
    view->antenna_count = kept;
    view->antennas_active = 0;
    view->antennas_offline = 0;
    for (size_t i = 0; i < kept; i++) {
        dash_antenna *row = &view->antennas[i];
        row->status =
            tw_antenna_status(view->now, row->last_seen, row->interval_s, row->packets, row->loss);
        view->antennas_active += row->records > 0;
        view->antennas_offline += !strcmp(row->status, "offline");
    }
}

void dash_view_add_replicas(const dash_view *view, cJSON *parent)
{
    cJSON *replicas = cJSON_AddObjectToObject(parent, "replicas");
    cJSON_AddNumberToObject(replicas, "expected", view->replicas_expected);
    cJSON_AddNumberToObject(replicas, "answered", view->replicas_answered);
    cJSON *down = cJSON_AddArrayToObject(replicas, "down");
    for (int i = 0; i < view->down_count; i++)
        cJSON_AddItemToArray(down, cJSON_CreateString(view->down[i]));
}

cJSON *dash_view_summary_json(const dash_view *view)
{
    tw_summary summary = {
        .window_s = view->window_s,
        .records = view->records,
        .packets = view->packets,
        .loss = view->loss,
        .latency = &view->latency,
        .throughput_rps = view->throughput_rps,
        .antennas_active = view->antennas_active,
        .antennas_offline = view->antennas_offline,
        .malformed = view->malformed,
        .lag = view->lag,
        .updated_at_us = view->updated_at_us,
    };
    cJSON *json = tw_summary_to_json(&summary);
    dash_view_add_replicas(view, json);
    return json;
}

cJSON *dash_antenna_json(const dash_antenna *row)
{
    tw_antenna_row out = {
        .antenna_id = row->antenna_id,
        .status = row->status,
        .last_seen = row->last_seen,
        .records = row->records,
        .packets = row->packets,
        .loss = row->loss,
        .latency = &row->latency,
    };
    return tw_antenna_row_to_json(&out);
}

static double loss_rate(const dash_antenna *row)
{
    return row->packets ? (double)row->loss / (double)row->packets : -1;
}

static double p95(const dash_antenna *row)
{
    double value = tw_sketch_quantile(&row->latency, 0.95);
    return isnan(value) ? -1 : value;
}

/* Descending by key, ties by ascending id. */
static int compare_desc(double a, double b, const dash_antenna *ra, const dash_antenna *rb)
{
    if (a != b)
        return a > b ? -1 : 1;
    return strcmp(ra->antenna_id, rb->antenna_id);
}

typedef struct {
    const dash_antenna *row; /* row in the view */
    double key;              /* sort key, computed once */
} sort_entry;

static int compare_entries(const void *a, const void *b)
{
    const sort_entry *ea = a, *eb = b;
    return compare_desc(ea->key, eb->key, ea->row, eb->row);
}

cJSON *dash_view_antennas_json(const dash_view *view, dash_sort sort, size_t limit)
{
    size_t n = view->antenna_count;
    sort_entry *entries = tw_xcalloc(n, sizeof *entries);
    for (size_t i = 0; i < n; i++) {
        const dash_antenna *row = &view->antennas[i];
        entries[i].row = row;
        entries[i].key = sort == DASH_SORT_LOSS_RATE ? loss_rate(row)
                         : sort == DASH_SORT_LATENCY ? p95(row)
                                                     : 0;
    }
    if (sort != DASH_SORT_ANTENNA_ID && n > 1)
        qsort(entries, n, sizeof *entries, compare_entries);
    cJSON *array = cJSON_CreateArray();
    for (size_t i = 0; i < n && i < limit; i++)
        cJSON_AddItemToArray(array, dash_antenna_json(entries[i].row));
    free(entries);
    return array;
}

const dash_antenna *dash_view_find(const dash_view *view, const char *id)
{
    dash_antenna key;
    memset(&key, 0, sizeof key);
    snprintf(key.antenna_id, sizeof key.antenna_id, "%s", id);
    if (strlen(id) > DASH_ANTENNA_ID_MAX_BYTES || !view->antenna_count)
        return NULL;
    return bsearch(&key, view->antennas, view->antenna_count, sizeof key, compare_id);
}

int dash_sort_parse(const char *text, dash_sort *out)
{
    if (!strcmp(text, "antenna_id"))
        *out = DASH_SORT_ANTENNA_ID;
    else if (!strcmp(text, "loss_rate"))
        *out = DASH_SORT_LOSS_RATE;
    else if (!strcmp(text, "latency"))
        *out = DASH_SORT_LATENCY;
    else
        return TW_INVALID;
    return TW_OK;
}
