/* Prometheus text encoder, contract JSON encoders, status rule, JSON escaping, URLs. */
#include <string.h>

#include "tw_api.h"
#include "tw_buf.h"
#include "tw_metrics.h"
#include "tw_redis.h"
#include "tw_status.h"
#include "tw_test.h"

static double seven(void *arg)
{
    (void)arg;
    return 7;
}

static void test_prometheus_text(void)
{
    tw_metrics *metrics = tw_metrics_new();
    tw_counter *a = tw_metrics_counter(metrics, "x_total", "Things.", "reason=\"a\"");
    tw_counter *b = tw_metrics_counter(metrics, "x_total", "Things.", "reason=\"b\"");
    tw_gauge *g = tw_metrics_gauge(metrics, "depth", "Queue depth.", NULL);
    tw_metrics_gauge_fn(metrics, "computed", "Computed.", NULL, seven, NULL);
    const double bounds[] = {0.1, 1};
    tw_histogram *h = tw_metrics_histogram(metrics, "wait_seconds", "Waits.", NULL, bounds, 2);
    tw_counter_add(a, 3);
    tw_counter_add(b, 1);
    tw_gauge_set(g, 2.5);
    tw_histogram_observe(h, 0.05);
    tw_histogram_observe(h, 0.5);
    tw_histogram_observe(h, 5);
    tw_buf out;
    tw_buf_init(&out);
    tw_metrics_render(metrics, &out);
    const char *expected =
        "# HELP x_total Things.\n# TYPE x_total counter\nx_total{reason=\"a\"} 3\n"
        "x_total{reason=\"b\"} 1\n# HELP depth Queue depth.\n# TYPE depth gauge\ndepth 2.5\n"
        "# HELP computed Computed.\n# TYPE computed gauge\ncomputed 7\n"
        "# HELP wait_seconds Waits.\n# TYPE wait_seconds histogram\n"
        "wait_seconds_bucket{le=\"0.1\"} 1\nwait_seconds_bucket{le=\"1\"} 2\n"
        "wait_seconds_bucket{le=\"+Inf\"} 3\nwait_seconds_sum 5.55\nwait_seconds_count 3\n";
    TW_CHECK(strncmp(out.data, expected, strlen(expected)) == 0);
    TW_CHECK(strstr(out.data, "\nprocess_resident_memory_bytes ") != NULL);
    TW_CHECK(strstr(out.data, "# TYPE process_cpu_seconds_total counter") != NULL);
    tw_buf_free(&out);
    tw_metrics_free(metrics);
}

/* Renders the registry and checks that the text starts with expected; frees metrics. */
static void check_render_prefix(tw_metrics *metrics, const char *expected)
{
    tw_buf out;
    tw_buf_init(&out);
    tw_metrics_render(metrics, &out);
    TW_CHECK(strncmp(out.data, expected, strlen(expected)) == 0);
    tw_buf_free(&out);
    tw_metrics_free(metrics);
}

static void two_antennas(void *arg, tw_buf *out)
{
    tw_metrics_put_header(out, "per_antenna_total", (const char *)arg, "counter");
    tw_metrics_put_sample(out, "per_antenna_total", "antenna_id=\"a\"", 1);
    tw_metrics_put_sample(out, "per_antenna_total", "antenna_id=\"b\"", 1795431500.25);
}

static void test_same_series_registered_twice_is_one_series(void)
{
    tw_metrics *metrics = tw_metrics_new();
    tw_counter *first = tw_metrics_counter(metrics, "x_total", "Things.", "route=\"page\"");
    tw_counter *second = tw_metrics_counter(metrics, "x_total", "Things.", "route=\"page\"");
    const double bounds[] = {1};
    tw_histogram *h1 = tw_metrics_histogram(metrics, "d_seconds", "D.", NULL, bounds, 1);
    tw_histogram *h2 = tw_metrics_histogram(metrics, "d_seconds", "D.", NULL, bounds, 1);
    TW_CHECK(first == second);
    TW_CHECK(h1 == h2);
    tw_counter_add(first, 1);
    tw_counter_add(second, 1);
    const char *expected =
        "# HELP x_total Things.\n# TYPE x_total counter\nx_total{route=\"page\"} 2\n"
        "# HELP d_seconds D.\n# TYPE d_seconds histogram\n"
        "d_seconds_bucket{le=\"1\"} 0\nd_seconds_bucket{le=\"+Inf\"} 0\n"
        "d_seconds_sum 0\nd_seconds_count 0\n";
    check_render_prefix(metrics, expected);
}

static void test_collector_renders_after_families_with_full_precision(void)
{
    tw_metrics *metrics = tw_metrics_new();
    tw_metrics_gauge_fn(metrics, "computed", "Computed.", NULL, seven, NULL);
    tw_metrics_collector(metrics, two_antennas, "Per antenna.");
    const char *expected =
        "# HELP computed Computed.\n# TYPE computed gauge\ncomputed 7\n"
        "# HELP per_antenna_total Per antenna.\n# TYPE per_antenna_total counter\n"
        "per_antenna_total{antenna_id=\"a\"} 1\n"
        "per_antenna_total{antenna_id=\"b\"} 1795431500.25\n"
        "# HELP process_cpu_seconds_total ";
    check_render_prefix(metrics, expected);
}

static void test_json_string_escaping(void)
{
    tw_buf out;
    tw_buf_init(&out);
    tw_buf_json_string(&out, "a\"b\\c\n\x01");
    TW_CHECK_STR(out.data, "\"a\\\"b\\\\c\\u000a\\u0001\"");
    tw_buf_free(&out);
    char small[8];
    tw_buf fixed;
    tw_buf_init_fixed(&fixed, small, sizeof small);
    tw_buf_puts(&fixed, "0123456789");
    TW_CHECK_STR(fixed.data, "0123456");
    TW_CHECK(fixed.truncated);
}

static void test_summary_json(void)
{
    tw_sketch latency;
    tw_sketch_init(&latency);
    tw_sketch_add(&latency, 10);
    tw_sketch_add(&latency, 30);
    tw_summary summary = {60, 2, 1000, 250, &latency, 2.0 / 60, 2, 1, 3, 0, 1700000000123000LL};
    cJSON *json = tw_summary_to_json(&summary);
    char *text = cJSON_PrintUnformatted(json);
    TW_CHECK_STR(text, "{\"window_s\":60,\"records\":2,\"packets\":1000,\"loss\":250,"
                       "\"delivered\":750,\"success_rate\":0.75,\"latency_ms\":{\"avg\":20,"
                       "\"p50\":10,\"p95\":10,\"p99\":10,\"max\":30},\"antennas\":{\"active\":2,"
                       "\"offline\":1},\"throughput_rps\":0.033333333333333333,\"malformed\":3,"
                       "\"lag\":0,\"updated_at\":\"2023-11-14T22:13:20.123Z\"}");
    free(text);
    cJSON_Delete(json);
    tw_sketch_free(&latency);
}

static void test_empty_summary_has_nulls(void)
{
    tw_sketch latency;
    tw_sketch_init(&latency);
    tw_summary summary = {0, 0, 0, 0, &latency, 0, 0, 0, 0, -1, 0};
    cJSON *json = tw_summary_to_json(&summary);
    TW_CHECK(cJSON_IsNull(cJSON_GetObjectItem(json, "success_rate")));
    TW_CHECK(cJSON_IsNull(cJSON_GetObjectItem(json, "lag")));
    TW_CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "latency_ms"), "p99")));
    cJSON_Delete(json);
}

static void test_status_rule(void)
{
    TW_CHECK_STR(tw_antenna_status(1000, 990, 5, 100, 1), "ok");
    TW_CHECK_STR(tw_antenna_status(1000, 985, 5, 100, 1), "ok");
    TW_CHECK_STR(tw_antenna_status(1000, 984, 5, 100, 1), "offline");
    TW_CHECK_STR(tw_antenna_status(1000, 999, 5, 100, 6), "degraded");
    TW_CHECK_STR(tw_antenna_status(1000, 999, 5, 100, 5), "ok");
    TW_CHECK_STR(tw_antenna_status(1000, 900, 60, 0, 0), "ok");
    TW_CHECK(tw_window_valid(0) && tw_window_valid(300) && !tw_window_valid(61));
}

static void test_redis_urls(void)
{
    tw_redis_url url;
    char err[128];
    TW_CHECK_INT(tw_redis_url_parse("redis://u:p@a@host:1234/0", &url, err, sizeof err), TW_OK);
    TW_CHECK_STR(url.user, "u");
    TW_CHECK_STR(url.password, "p@a");
    TW_CHECK_STR(url.host, "host");
    TW_CHECK_INT(url.port, 1234);
    TW_CHECK_INT(tw_redis_url_parse("redis://redis", &url, err, sizeof err), TW_OK);
    TW_CHECK_INT(url.port, 6379);
    TW_CHECK_STR(url.user, "");
    TW_CHECK_INT(tw_redis_url_parse("http://x", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_redis_url_parse("redis://h:0", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_redis_url_parse("redis://h:99999", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_redis_url_parse("redis://:5", &url, err, sizeof err), TW_INVALID);
}

TW_TEST_MAIN("encoders", TW_TEST(test_prometheus_text),
             TW_TEST(test_same_series_registered_twice_is_one_series),
             TW_TEST(test_collector_renders_after_families_with_full_precision),
             TW_TEST(test_json_string_escaping), TW_TEST(test_summary_json),
             TW_TEST(test_empty_summary_has_nulls), TW_TEST(test_status_rule),
             TW_TEST(test_redis_urls))
