/* Merged snapshots; see snapshot.h. */
#include "snapshot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_status.h"
#include "tw_time.h"

void dash_totals_init(dash_totals *totals, int64_t window_s)
{
    memset(totals, 0, sizeof *totals);
    totals->window_s = window_s;
    totals->lag = -1;
    tw_sketch_init(&totals->latency);
}

void dash_totals_free(dash_totals *totals)
{
    tw_sketch_free(&totals->latency);
    for (int i = 0; i < totals->down_count; i++)
        free(totals->down[i]);
    free(totals->down);
    for (int i = 0; i < totals->stale_count; i++)
        free(totals->stale[i].address);
    free(totals->stale);
    for (int i = 0; i < totals->not_ready_count; i++) {
        free(totals->not_ready[i].address);
        free(totals->not_ready[i].reason);
    }
    free(totals->not_ready);
    memset(totals, 0, sizeof *totals);
}

void dash_totals_add(dash_totals *totals, const tw_exchange_header *header)
{
    if (header->now > totals->now)
        totals->now = header->now;
    totals->records += header->records;
    totals->packets += header->packets;
    totals->loss += header->loss;
    totals->malformed += header->malformed;
    totals->throughput_rps += header->throughput_rps;
    if (header->lag > totals->lag)
        totals->lag = header->lag;
    if (header->updated_at_us > totals->updated_at_us)
        totals->updated_at_us = header->updated_at_us;
    tw_sketch_merge(&totals->latency, &header->latency);
}

void dash_totals_add_down(dash_totals *totals, const char *address)
{
    totals->down =
        tw_xrealloc(totals->down, (size_t)(totals->down_count + 1) * sizeof *totals->down);
    totals->down[totals->down_count++] = tw_xstrdup(address);
}

void dash_totals_add_stale(dash_totals *totals, const char *address, int64_t age_s)
{
    totals->stale =
        tw_xrealloc(totals->stale, (size_t)(totals->stale_count + 1) * sizeof *totals->stale);
    totals->stale[totals->stale_count++] = (dash_stale){tw_xstrdup(address), age_s};
}

void dash_totals_add_not_ready(dash_totals *totals, const char *address, const char *reason)
{
    totals->not_ready = tw_xrealloc(totals->not_ready, (size_t)(totals->not_ready_count + 1) *
                                                           sizeof *totals->not_ready);
    totals->not_ready[totals->not_ready_count++] =
        (dash_not_ready){tw_xstrdup(address), tw_xstrdup(reason)};
}

static int compare_rows_by_id(const void *a, const void *b)
{
    return strcmp(((const dash_row *)a)->antenna_id, ((const dash_row *)b)->antenna_id);
}

/* An antenna's status at the snapshot's clock. While a counted replica cannot reach its
 * broker, silence says nothing about an antenna (its reports cannot arrive): one that
 * would be offline is "unknown" instead, keeping its last_seen; ok and degraded stand. */
static const char *status_of(const dash_totals *totals, const dash_row *row)
{
    const char *status =
        tw_antenna_status(totals->now, row->last_seen, row->interval_s, row->packets, row->loss);
    return totals->not_ready_count > 0 && !strcmp(status, "offline") ? "unknown" : status;
}

/* Copies the present rows in id order, with their status at the snapshot's clock. */
static void copy_rows(dash_snapshot *snapshot, dash_merged *merged)
{
    const uint32_t *by_id = dash_merged_by_id(merged);
    snapshot->rows = tw_xcalloc(merged->present + 1, sizeof *snapshot->rows);
    for (size_t i = 0; i < merged->count; i++) {
        const dash_row *row = &merged->rows[by_id[i]];
        if (row->present)
            snapshot->rows[snapshot->count++] = *row;
    }
    for (size_t i = 0; i < snapshot->count; i++) {
        dash_row *row = &snapshot->rows[i];
        row->status = status_of(&snapshot->totals, row);
        snapshot->antennas_active += row->records > 0;
        snapshot->antennas_offline += !strcmp(row->status, "offline");
        snapshot->antennas_unknown += !strcmp(row->status, "unknown");
    }
}

void dash_snapshot_add_replicas(const dash_snapshot *snapshot, cJSON *parent)
{
    const dash_totals *t = &snapshot->totals;
    cJSON *replicas = cJSON_AddObjectToObject(parent, "replicas");
    cJSON_AddNumberToObject(replicas, "expected", t->expected);
    cJSON_AddNumberToObject(replicas, "answered", t->answered);
    cJSON *down = cJSON_AddArrayToObject(replicas, "down");
    for (int i = 0; i < t->down_count; i++)
        cJSON_AddItemToArray(down, cJSON_CreateString(t->down[i]));
    cJSON *stale = cJSON_AddArrayToObject(replicas, "stale");
    for (int i = 0; i < t->stale_count; i++) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "address", t->stale[i].address);
        cJSON_AddNumberToObject(item, "age_s", (double)t->stale[i].age_s);
        cJSON_AddItemToArray(stale, item);
    }
    cJSON *not_ready = cJSON_AddArrayToObject(replicas, "not_ready");
    for (int i = 0; i < t->not_ready_count; i++) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "address", t->not_ready[i].address);
        cJSON_AddStringToObject(item, "reason", t->not_ready[i].reason);
        cJSON_AddItemToArray(not_ready, item);
    }
}

/* Adds the dashboard's antenna counts beside the contract's active and offline: tracked
 * antennas split into reporting (ok or degraded), offline and unknown, which add up. */
static void add_antenna_partition(const dash_snapshot *snapshot, cJSON *summary)
{
    cJSON *antennas = cJSON_GetObjectItemCaseSensitive(summary, "antennas");
    uint64_t silent = snapshot->antennas_offline + snapshot->antennas_unknown;
    cJSON_AddNumberToObject(antennas, "tracked", (double)snapshot->count);
    cJSON_AddNumberToObject(antennas, "reporting", (double)(snapshot->count - silent));
    cJSON_AddNumberToObject(antennas, "unknown", (double)snapshot->antennas_unknown);
}

static void encode_summary(dash_snapshot *snapshot)
{
    const dash_totals *t = &snapshot->totals;
    tw_summary summary = {
        .window_s = t->window_s,
        .records = t->records,
        .packets = t->packets,
        .loss = t->loss,
        .latency = &t->latency,
        .throughput_rps = t->throughput_rps,
        .antennas_active = snapshot->antennas_active,
        .antennas_offline = snapshot->antennas_offline,
        .malformed = t->malformed,
        .lag = t->lag,
        .updated_at_us = t->updated_at_us,
    };
    cJSON *json = tw_summary_to_json(&summary);
    add_antenna_partition(snapshot, json);
    dash_snapshot_add_replicas(snapshot, json);
    snapshot->summary_json = cJSON_PrintUnformatted(json);
    snapshot->summary_len = strlen(snapshot->summary_json);
    cJSON_Delete(json);
}

/* ---- orders ---- */

typedef struct {
    double key;        /* sort key, computed once */
    uint32_t position; /* row in the snapshot (rows are by id, so ties keep id order) */
} order_entry;

static double loss_rate(const dash_row *row)
{
    return row->packets ? (double)row->loss / (double)row->packets : -1;
}

static double p95(const dash_row *row)
{
    return isnan(row->latency.p95) ? -1 : row->latency.p95;
}

/* Descending by key; equal keys by ascending id (= position). */
static int compare_entries(const void *a, const void *b)
{
    const order_entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return x->position < y->position ? -1 : x->position > y->position;
}

static uint32_t *make_order(const dash_snapshot *snapshot, dash_sort sort)
{
    size_t n = snapshot->count;
    uint32_t *order = tw_xcalloc(n + 1, sizeof *order);
    if (sort == DASH_SORT_ANTENNA_ID) {
        for (size_t i = 0; i < n; i++)
            order[i] = (uint32_t)i;
        return order;
    }
    order_entry *entries = tw_xcalloc(n + 1, sizeof *entries);
    for (size_t i = 0; i < n; i++) {
        const dash_row *row = &snapshot->rows[i];
        entries[i] =
            (order_entry){sort == DASH_SORT_LOSS_RATE ? loss_rate(row) : p95(row), (uint32_t)i};
    }
    qsort(entries, n, sizeof *entries, compare_entries);
    for (size_t i = 0; i < n; i++)
        order[i] = entries[i].position;
    free(entries);
    return order;
}

dash_snapshot *dash_snapshot_build(dash_merged *merged, dash_totals *totals)
{
    dash_snapshot *snapshot = tw_xcalloc(1, sizeof *snapshot);
    atomic_init(&snapshot->refs, 1);
    snapshot->totals = *totals;
    memset(totals, 0, sizeof *totals); /* moved */
    snapshot->latency = tw_latency_figures_of(&snapshot->totals.latency);
    copy_rows(snapshot, merged);
    for (int sort = 0; sort < DASH_SORT_COUNT; sort++)
        snapshot->orders[sort] = make_order(snapshot, (dash_sort)sort);
    encode_summary(snapshot);
    snapshot->built_us = tw_mono_us();
    return snapshot;
}

dash_snapshot *dash_snapshot_take(dash_snapshot *snapshot)
{
    atomic_fetch_add(&snapshot->refs, 1);
    return snapshot;
}

void dash_snapshot_release(dash_snapshot *snapshot)
{
    if (!snapshot || atomic_fetch_sub(&snapshot->refs, 1) != 1)
        return;
    dash_totals_free(&snapshot->totals);
    free(snapshot->rows);
    for (int i = 0; i < DASH_SORT_COUNT; i++)
        free(snapshot->orders[i]);
    free(snapshot->summary_json);
    free(snapshot);
}

const dash_row *dash_snapshot_find(const dash_snapshot *snapshot, const char *id)
{
    dash_row key;
    if (strlen(id) > TW_ANTENNA_ID_MAX_LEN || !snapshot->count)
        return NULL;
    memset(&key, 0, sizeof key);
    memcpy(key.antenna_id, id, strlen(id));
    return bsearch(&key, snapshot->rows, snapshot->count, sizeof key, compare_rows_by_id);
}

size_t dash_snapshot_page(dash_snapshot *snapshot, const dash_page_query *q, const dash_row **rows,
                          size_t *got)
{
    const uint32_t *order = snapshot->orders[q->sort];
    size_t matched = 0, n = snapshot->count;
    *got = 0;
    if (!*q->filter) { /* every row matches: the page is a slice of the order */
        for (size_t i = q->offset; i < n && *got < q->limit; i++)
            rows[(*got)++] = &snapshot->rows[order[q->reversed ? n - 1 - i : i]];
        return n;
    }
    for (size_t i = 0; i < n; i++) {
        const dash_row *row = &snapshot->rows[order[q->reversed ? n - 1 - i : i]];
        if (*q->filter && !strstr(row->antenna_id, q->filter))
            continue;
        if (matched >= q->offset && *got < q->limit)
            rows[(*got)++] = row;
        matched++;
    }
    return matched;
}

cJSON *dash_row_json(const dash_row *row)
{
    tw_antenna_row out = {
        .antenna_id = row->antenna_id,
        .status = row->status,
        .last_seen = row->last_seen,
        .records = row->records,
        .packets = row->packets,
        .loss = row->loss,
        .latency = row->latency,
    };
    return tw_antenna_row_to_json(&out);
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
