/* Prometheus registry: the text format, one series per name and labels, collectors. */
#include <string.h>

#include "tw_buf.h"
#include "tw_metrics.h"
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

TW_TEST_MAIN("metrics", TW_TEST(test_prometheus_text),
             TW_TEST(test_same_series_registered_twice_is_one_series),
             TW_TEST(test_collector_renders_after_families_with_full_precision))
