/* The Kafka message encoding: a report round-trips through its JSON value, and values
 * are validated by the same rules as stream fields. */
#include <string.h>

#include "report_fixture.h"
#include "tw_report_json.h"
#include "tw_test.h"

static tw_malformed_reason parse(const char *text, tw_report *out, int *ignored)
{
    return tw_report_json_parse(out, text, strlen(text), ignored);
}

static void test_round_trip(void)
{
    tw_report in = fixture_report_of((fixture_fields){.id = "tower-7",
                                                      .run = "00ff00ff00ff00ff",
                                                      .seq = 9,
                                                      .timestamp = 1700000000,
                                                      .packets = 1200,
                                                      .loss = 30,
                                                      .latency_ms = 41.25,
                                                      .sent_us = 1700000000123456});
    tw_buf out;
    tw_buf_init(&out);
    tw_report_json_write(&in, &out);
    tw_buf_append(&out, "", 1);
    TW_CHECK_STR(out.data, "{\"antenna_id\":\"tower-7\",\"timestamp\":\"1700000000\","
                           "\"packets\":\"1200\",\"loss\":\"30\",\"latency\":\"41.250\","
                           "\"seq\":\"9\",\"run\":\"00ff00ff00ff00ff\","
                           "\"sent_us\":\"1700000000123456\"}");
    tw_report back;
    int ignored = 0;
    TW_CHECK_INT(tw_report_json_parse(&back, out.data, out.len - 1, &ignored), TW_MALFORMED_NONE);
    TW_CHECK_STR(back.antenna_id, "tower-7");
    TW_CHECK_INT(back.packets, 1200);
    TW_CHECK_INT(back.loss, 30);
    TW_CHECK_INT(back.seq, 9);
    TW_CHECK_INT(back.sent_us, 1700000000123456);
    TW_CHECK_INT(ignored, 0);
    tw_buf_free(&out);
}

static void test_malformed_values(void)
{
    tw_report r;
    int ignored = 0;
    TW_CHECK_INT(parse("not json", &r, &ignored), TW_MALFORMED_MISSING_FIELD);
    TW_CHECK_INT(parse("[\"antenna_id\"]", &r, &ignored), TW_MALFORMED_MISSING_FIELD);
    TW_CHECK_INT(tw_report_json_parse(&r, NULL, 0, &ignored), TW_MALFORMED_MISSING_FIELD);
    /* numbers are not strings: the field is absent */
    TW_CHECK_INT(parse("{\"antenna_id\":\"a\",\"timestamp\":1,\"packets\":\"1\",\"loss\":\"0\","
                       "\"latency\":\"1\"}", &r, &ignored), TW_MALFORMED_MISSING_FIELD);
    TW_CHECK_INT(parse("{\"antenna_id\":\"a\",\"timestamp\":\"1\",\"packets\":\"1\",\"loss\":\"2\","
                       "\"latency\":\"1\"}", &r, &ignored), TW_MALFORMED_LOSS_EXCEEDS_PACKETS);
    TW_CHECK_INT(parse("{\"antenna_id\":\"a\",\"antenna_id\":\"b\",\"timestamp\":\"1\","
                       "\"packets\":\"1\",\"loss\":\"0\",\"latency\":\"1\"}", &r, &ignored),
                 TW_MALFORMED_DUPLICATE_FIELD);
    ignored = 0;
    TW_CHECK_INT(parse("{\"antenna_id\":\"a\",\"timestamp\":\"1\",\"packets\":\"1\",\"loss\":\"0\","
                       "\"latency\":\"1\",\"seq\":\"x\"}", &r, &ignored), TW_MALFORMED_NONE);
    TW_CHECK_INT(ignored, 1);
}

/* Any producer can send a message nested 1000 deep (cJSON recurses once per level): it is
 * refused before parsing, as malformed like any other non-report. */
static void test_deep_nesting_is_refused_before_parsing(void)
{
    static char deep[2200];
    size_t n = (size_t)snprintf(deep, sizeof deep, "{\"antenna_id\":\"a\",\"x\":");
    for (int i = 0; i < 1000; i++)
        deep[n++] = '[';
    for (int i = 0; i < 1000 && n < sizeof deep - 2; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    tw_report r;
    int ignored = 0;
    TW_CHECK_INT(tw_report_json_parse(&r, deep, n, &ignored), TW_MALFORMED_MISSING_FIELD);
}

/* Found by fuzz_report_json: a traceparent of the right length holding bytes outside
 * printable ASCII was kept, then written out with those bytes replaced (the JSON writer
 * emits valid UTF-8 only), so the report did not survive its own round trip. No trace
 * context can hold such bytes: the field is ignored, the report kept. */
static void test_traceparent_with_non_ascii_bytes_is_ignored(void)
{
    const char *text = "{\"antenna_id\":\"a-1\",\"timestamp\":\"1700000000\",\"packets\":\"120\","
                       "\"loss\":\"3\",\"latency\":\"41.250\",\"traceparent\":"
                       "\"00-4bf92f3577b34da6a3ce929d0e0e4736-\xd0\xcf\x99\xc9" "67aa0ba902b6-01\"}";
    tw_report report;
    int ignored = 0;
    TW_CHECK_INT(parse(text, &report, &ignored), TW_MALFORMED_NONE);
    TW_CHECK_INT(ignored, 1);
    TW_CHECK_STR(report.traceparent, "");
    TW_CHECK_INT(report.packets, 120);
}

TW_TEST_MAIN("report_json", TW_TEST(test_round_trip), TW_TEST(test_malformed_values),
             TW_TEST(test_deep_nesting_is_refused_before_parsing),
             TW_TEST(test_traceparent_with_non_ascii_bytes_is_ignored))
