/* Replica merge: sums, sketch merge equal to the sketch of the union, per-antenna merge by
 * id, status and counts, lag rules, rejection of malformed documents, sorting and lookup. */
#include <cjson/cJSON.h>

#include "merge.h"
#include "tw_status.h"
#include "tw_test.h"

#define NOW_S 1700000000

static cJSON *sketch_of(const double *values, int n)
{
    tw_sketch sketch;
    tw_sketch_init(&sketch);
    for (int i = 0; i < n; i++)
        tw_sketch_add(&sketch, values[i]);
    cJSON *json = tw_sketch_to_json(&sketch);
    tw_sketch_free(&sketch);
    return json;
}

static void add_row(cJSON *doc, const char *id, int64_t last_seen, double interval, int records,
                    int packets, int loss, const double *latencies, int n)
{
    cJSON *row = cJSON_CreateObject();
    cJSON_AddStringToObject(row, "antenna_id", id);
    cJSON_AddNumberToObject(row, "last_seen", (double)last_seen);
    cJSON_AddNumberToObject(row, "interval_s", interval);
    cJSON_AddNumberToObject(row, "records", records);
    cJSON_AddNumberToObject(row, "packets", packets);
    cJSON_AddNumberToObject(row, "loss", loss);
    cJSON_AddItemToObject(row, "latency_sketch", sketch_of(latencies, n));
    cJSON_AddItemToArray(cJSON_GetObjectItem(doc, "antennas"), row);
}

static cJSON *replica_doc(int records, int packets, int loss, int malformed, int lag,
                          const char *updated_at, const double *latencies, int n)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "window_s", 0);
    cJSON_AddNumberToObject(doc, "now", NOW_S);
    cJSON_AddNumberToObject(doc, "started_at", NOW_S - 100);
    cJSON_AddNumberToObject(doc, "records", records);
    cJSON_AddNumberToObject(doc, "packets", packets);
    cJSON_AddNumberToObject(doc, "loss", loss);
    cJSON_AddNumberToObject(doc, "malformed", malformed);
    if (lag < 0)
        cJSON_AddNullToObject(doc, "lag");
    else
        cJSON_AddNumberToObject(doc, "lag", lag);
    cJSON_AddStringToObject(doc, "updated_at", updated_at);
    cJSON_AddNumberToObject(doc, "throughput_rps", records / 10.0);
    cJSON_AddItemToObject(doc, "latency_sketch", sketch_of(latencies, n));
    cJSON_AddArrayToObject(doc, "antennas");
    return doc;
}

static const double lat_a[] = {10, 20, 30};
static const double lat_b[] = {40, 50};
static const double lat_all[] = {10, 20, 30, 40, 50};

/* Two replicas: a-0 on both (split records), a-1 only on the first, a-2 only on the second. */
static void build_two(dash_view *view)
{
    cJSON *one = replica_doc(3, 300, 30, 2, 4, "2023-11-14T22:13:10.500Z", lat_a, 3);
    add_row(one, "a-0", NOW_S - 2, 1.0, 2, 200, 10, lat_a, 2);
    add_row(one, "a-1", NOW_S - 1, 1.0, 1, 100, 20, lat_a + 2, 1);
    cJSON *two = replica_doc(2, 150, 5, 1, -1, "2023-11-14T22:13:11.250Z", lat_b, 2);
    add_row(two, "a-0", NOW_S - 1, 2.0, 1, 100, 0, lat_b, 1);
    add_row(two, "a-2", NOW_S - 50, 1.0, 1, 50, 5, lat_b + 1, 1);
    add_row(two, "a-3", NOW_S - 60, 5.0, 0, 0, 0, NULL, 0);
    dash_view_init(view, 0);
    view->replicas_expected = 3;
    TW_CHECK_INT(dash_view_add_replica(view, one), TW_OK);
    TW_CHECK_INT(dash_view_add_replica(view, two), TW_OK);
    dash_view_add_down(view, "10.0.0.9:8001");
    dash_view_finish(view);
    cJSON_Delete(one);
    cJSON_Delete(two);
}

static void test_totals_are_sums(void)
{
    dash_view view;
    build_two(&view);
    TW_CHECK_INT(view.records, 5);
    TW_CHECK_INT(view.packets, 450);
    TW_CHECK_INT(view.loss, 35);
    TW_CHECK_INT(view.malformed, 3);
    TW_CHECK_INT(view.lag, 4);
    TW_CHECK_NEAR(view.throughput_rps, 0.5, 1e-9);
    TW_CHECK_INT(view.updated_at_us, (1700000000LL - 9) * 1000000 + 250000);
    TW_CHECK_INT(view.replicas_answered, 2);
    dash_view_free(&view);
}

static void test_sketch_merge_equals_union(void)
{
    dash_view view;
    build_two(&view);
    tw_sketch all;
    tw_sketch_init(&all);
    for (int i = 0; i < 5; i++)
        tw_sketch_add(&all, lat_all[i]);
    TW_CHECK_INT(view.latency.count, 5);
    const double qs[] = {0, 0.5, 0.95, 0.99, 1};
    for (int i = 0; i < 5; i++)
        TW_CHECK_NEAR(tw_sketch_quantile(&view.latency, qs[i]), tw_sketch_quantile(&all, qs[i]),
                      0);
    TW_CHECK_NEAR(tw_sketch_mean(&view.latency), 30, 1e-9);
    tw_sketch_free(&all);
    dash_view_free(&view);
}

static void test_antennas_merged_by_id(void)
{
    dash_view view;
    build_two(&view);
    TW_CHECK_INT(view.antenna_count, 4);
    const dash_antenna *a0 = dash_view_find(&view, "a-0");
    TW_CHECK(a0 != NULL);
    if (a0) {
        TW_CHECK_INT(a0->records, 3);
        TW_CHECK_INT(a0->packets, 300);
        TW_CHECK_INT(a0->loss, 10);
        TW_CHECK_INT(a0->last_seen, NOW_S - 1);
        TW_CHECK_NEAR(a0->interval_s, 2.0, 0);
        TW_CHECK_INT(a0->latency.count, 3);
        TW_CHECK_STR(a0->status, "ok");
    }
    TW_CHECK_STR(dash_view_find(&view, "a-1")->status, "degraded");
    TW_CHECK_STR(dash_view_find(&view, "a-2")->status, "offline");
    TW_CHECK_STR(dash_view_find(&view, "a-3")->status, "offline");
    TW_CHECK(dash_view_find(&view, "a-9") == NULL);
    TW_CHECK_INT(view.antennas_active, 3);
    TW_CHECK_INT(view.antennas_offline, 2);
    dash_view_free(&view);
}

static void test_summary_json(void)
{
    dash_view view;
    build_two(&view);
    cJSON *json = dash_view_summary_json(&view);
    TW_CHECK_INT(cJSON_GetObjectItem(json, "delivered")->valuedouble, 415);
    TW_CHECK_NEAR(cJSON_GetObjectItem(json, "success_rate")->valuedouble, 415.0 / 450, 1e-12);
    cJSON *antennas = cJSON_GetObjectItem(json, "antennas");
    TW_CHECK_INT(cJSON_GetObjectItem(antennas, "active")->valuedouble, 3);
    TW_CHECK_INT(cJSON_GetObjectItem(antennas, "offline")->valuedouble, 2);
    TW_CHECK_STR(cJSON_GetObjectItem(json, "updated_at")->valuestring, "2023-11-14T22:13:11.250Z");
    cJSON *replicas = cJSON_GetObjectItem(json, "replicas");
    TW_CHECK_INT(cJSON_GetObjectItem(replicas, "expected")->valuedouble, 3);
    TW_CHECK_INT(cJSON_GetObjectItem(replicas, "answered")->valuedouble, 2);
    cJSON *down = cJSON_GetObjectItem(replicas, "down");
    TW_CHECK_INT(cJSON_GetArraySize(down), 1);
    TW_CHECK_STR(cJSON_GetArrayItem(down, 0)->valuestring, "10.0.0.9:8001");
    cJSON_Delete(json);
    dash_view_free(&view);
}

static void test_lag_is_the_group_lag(void)
{
    cJSON *one = replica_doc(0, 0, 0, 0, 4, "2023-11-14T22:13:10Z", NULL, 0);
    cJSON *two = replica_doc(0, 0, 0, 0, 6, "2023-11-14T22:13:10Z", NULL, 0);
    cJSON *unknown = replica_doc(0, 0, 0, 0, -1, "2023-11-14T22:13:10Z", NULL, 0);
    dash_view view;
    dash_view_init(&view, 0);
    TW_CHECK_INT(dash_view_add_replica(&view, one), TW_OK);
    TW_CHECK_INT(dash_view_add_replica(&view, unknown), TW_OK);
    TW_CHECK_INT(dash_view_add_replica(&view, two), TW_OK);
    TW_CHECK_INT(view.lag, 6);
    dash_view_free(&view);
    cJSON_Delete(one);
    cJSON_Delete(two);
    cJSON_Delete(unknown);
}

static void test_lag_null_when_unknown_everywhere(void)
{
    cJSON *doc = replica_doc(0, 0, 0, 0, -1, "2023-11-14T22:13:10Z", NULL, 0);
    dash_view view;
    dash_view_init(&view, 0);
    TW_CHECK_INT(dash_view_add_replica(&view, doc), TW_OK);
    TW_CHECK_INT(dash_view_add_replica(&view, doc), TW_OK);
    dash_view_finish(&view);
    cJSON *json = dash_view_summary_json(&view);
    TW_CHECK(cJSON_IsNull(cJSON_GetObjectItem(json, "lag")));
    TW_CHECK(cJSON_IsNull(cJSON_GetObjectItem(json, "success_rate")));
    TW_CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "latency_ms"), "p50")));
    cJSON_Delete(json);
    cJSON_Delete(doc);
    dash_view_free(&view);
}

static void expect_rejected(cJSON *doc, const char *why)
{
    dash_view view;
    dash_view_init(&view, 0);
    int rc = dash_view_add_replica(&view, doc);
    if (rc != TW_INVALID)
        fprintf(stderr, "  accepted: %s\n", why);
    TW_CHECK_INT(rc, TW_INVALID);
    TW_CHECK_INT(view.records, 0);
    TW_CHECK_INT(view.antenna_count, 0);
    TW_CHECK_INT(view.replicas_answered, 0);
    dash_view_free(&view);
    cJSON_Delete(doc);
}

static void test_malformed_documents_rejected(void)
{
    cJSON *doc = replica_doc(1, 10, 1, 0, 0, "2023-11-14T22:13:10Z", lat_a, 1);
    cJSON_DeleteItemFromObject(doc, "packets");
    expect_rejected(doc, "missing packets");
    doc = replica_doc(1, 10, 1, 0, 0, "2023-11-14T22:13:10Z", lat_a, 1);
    cJSON_ReplaceItemInObject(doc, "window_s", cJSON_CreateNumber(60));
    expect_rejected(doc, "other window");
    doc = replica_doc(1, 10, 1, 0, 0, "yesterday", lat_a, 1);
    expect_rejected(doc, "bad updated_at");
    doc = replica_doc(1, 10, 1, 0, 0, "2023-11-14T22:13:10Z", lat_a, 1);
    add_row(doc, "ok", NOW_S, 1, 1, 10, 1, lat_a, 1);
    add_row(doc, "bad", NOW_S, 1, 1, 10, 11, lat_a, 1);
    expect_rejected(doc, "row with loss > packets");
    doc = replica_doc(1, 10, 1, 0, 0, "2023-11-14T22:13:10Z", lat_a, 1);
    cJSON_ReplaceItemInObject(doc, "latency_sketch", cJSON_CreateString("x"));
    expect_rejected(doc, "sketch not an object");
    expect_rejected(cJSON_CreateArray(), "not an object");
}

static const char *row_id(cJSON *rows, int i)
{
    return cJSON_GetObjectItem(cJSON_GetArrayItem(rows, i), "antenna_id")->valuestring;
}

static void test_sorting_and_limit(void)
{
    dash_view view;
    build_two(&view);
    cJSON *rows = dash_view_antennas_json(&view, DASH_SORT_LOSS_RATE, 100);
    TW_CHECK_INT(cJSON_GetArraySize(rows), 4);
    TW_CHECK_STR(row_id(rows, 0), "a-1"); /* 20% */
    TW_CHECK_STR(row_id(rows, 1), "a-2"); /* 10% */
    TW_CHECK_STR(row_id(rows, 2), "a-0"); /* 3.3% */
    TW_CHECK_STR(row_id(rows, 3), "a-3"); /* no packets */
    cJSON_Delete(rows);
    rows = dash_view_antennas_json(&view, DASH_SORT_LATENCY, 2);
    TW_CHECK_INT(cJSON_GetArraySize(rows), 2);
    TW_CHECK_STR(row_id(rows, 0), "a-2"); /* p95 50 */
    TW_CHECK_STR(row_id(rows, 1), "a-1"); /* p95 30; a-0's {10, 20, 40} has p95 20 */
    cJSON_Delete(rows);
    rows = dash_view_antennas_json(&view, DASH_SORT_ANTENNA_ID, 100);
    TW_CHECK_STR(row_id(rows, 0), "a-0");
    TW_CHECK_STR(row_id(rows, 3), "a-3");
    cJSON_Delete(rows);
    dash_sort sort;
    TW_CHECK_INT(dash_sort_parse("latency", &sort), TW_OK);
    TW_CHECK_INT(sort, DASH_SORT_LATENCY);
    TW_CHECK_INT(dash_sort_parse("p95", &sort), TW_INVALID);
    dash_view_free(&view);
}

static void test_rfc3339(void)
{
    int64_t us = 0;
    TW_CHECK_INT(dash_parse_rfc3339("1970-01-01T00:00:01.5Z", &us), TW_OK);
    TW_CHECK_INT(us, 1500000);
    TW_CHECK_INT(dash_parse_rfc3339("2023-11-14T22:13:20Z", &us), TW_OK);
    TW_CHECK_INT(us, 1700000000LL * 1000000);
    TW_CHECK_INT(dash_parse_rfc3339("2023-11-14 22:13:20", &us), TW_INVALID);
    TW_CHECK_INT(dash_parse_rfc3339("2023-11-14T22:13:20+01:00", &us), TW_INVALID);
}

TW_TEST_MAIN("dashboard_merge", TW_TEST(test_totals_are_sums), TW_TEST(test_sketch_merge_equals_union),
             TW_TEST(test_antennas_merged_by_id), TW_TEST(test_summary_json),
             TW_TEST(test_lag_is_the_group_lag), TW_TEST(test_lag_null_when_unknown_everywhere),
             TW_TEST(test_malformed_documents_rejected), TW_TEST(test_sorting_and_limit),
             TW_TEST(test_rfc3339))
