/* The contract's JSON encoders and the antenna status rule. */
#include <string.h>

#include "tw_api.h"
#include "tw_test.h"

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

/* A last_seen from a checkpoint or a replica can be any int64: now - last_seen overflowed
 * (UBSan in the checkpoint fuzzers); the age saturates instead. */
static void test_status_with_extreme_last_seen(void)
{
    TW_CHECK_STR(tw_antenna_status(1700000000, INT64_MIN, 5, 0, 0), "offline");
    TW_CHECK_STR(tw_antenna_status(INT64_MAX, -1, 5, 0, 0), "offline");
    TW_CHECK_STR(tw_antenna_status(1700000000, INT64_MAX, 5, 0, 0), "ok");
    TW_CHECK_STR(tw_antenna_status(INT64_MIN, INT64_MAX, 5, 0, 0), "ok");
    TW_CHECK_STR(tw_antenna_status(1000, 984, NAN, 0, 0), "offline"); /* default interval */
}

TW_TEST_MAIN("api", TW_TEST(test_summary_json), TW_TEST(test_empty_summary_has_nulls),
             TW_TEST(test_status_rule), TW_TEST(test_status_with_extreme_last_seen))
