/* Trace identity, OTLP JSON encoding, export retry classification and endpoint URLs. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <unistd.h>

#include "tw_log.h"

#include "tw_http_client.h"
#include "tw_status.h"
#include "tw_trace.h"
#include "tw_test.h"

#define VALID_TP "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

static int parse(const char *text)
{
    tw_trace_context ctx;
    return tw_traceparent_parse(text, strlen(text), &ctx);
}

static void traceparent_valid_parses(void)
{
    tw_trace_context ctx;
    TW_CHECK_INT(tw_traceparent_parse(VALID_TP, strlen(VALID_TP), &ctx), TW_OK);
    TW_CHECK_INT(ctx.trace_id[0], 0x4b);
    TW_CHECK_INT(ctx.trace_id[15], 0x36);
    TW_CHECK_INT(ctx.span_id[0], 0x00);
    TW_CHECK_INT(ctx.span_id[7], 0xb7);
    TW_CHECK_INT(ctx.flags, 1);
    TW_CHECK_INT(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"), TW_OK);
}

static void traceparent_invalid_rejected(void)
{
    TW_CHECK_INT(parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), TW_INVALID);
    TW_CHECK_INT(parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), TW_INVALID);
    TW_CHECK_INT(parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), TW_INVALID);
    TW_CHECK_INT(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"), TW_INVALID);
    TW_CHECK_INT(parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"), TW_INVALID);
    TW_CHECK_INT(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g"), TW_INVALID);
    TW_CHECK_INT(parse("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), TW_INVALID);
    TW_CHECK_INT(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-"), TW_INVALID);
    TW_CHECK_INT(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01"), TW_INVALID);
    TW_CHECK_INT(parse(""), TW_INVALID);
    tw_trace_context ctx;
    TW_CHECK_INT(tw_traceparent_parse(NULL, 0, &ctx), TW_INVALID);
}

static void traceparent_format_round_trips(void)
{
    tw_trace_context ctx;
    TW_CHECK_INT(tw_traceparent_parse(VALID_TP, strlen(VALID_TP), &ctx), TW_OK);
    char text[TW_TRACEPARENT_TEXT_LEN + 1];
    tw_traceparent_format(&ctx, text);
    TW_CHECK_STR(text, VALID_TP);
    TW_CHECK_INT(strlen(text), TW_TRACEPARENT_TEXT_LEN);
}

static void random_ids_are_nonzero_and_distinct(void)
{
    uint8_t a[TW_TRACE_ID_BYTES], b[TW_TRACE_ID_BYTES];
    tw_trace_random_id(a, sizeof a);
    tw_trace_random_id(b, sizeof b);
    TW_CHECK(!tw_trace_id_is_zero(a, sizeof a));
    TW_CHECK(memcmp(a, b, sizeof a) != 0);
    double u = tw_trace_random_unit();
    TW_CHECK(u >= 0 && u < 1);
}

static void child_span_links_to_parent(void)
{
    tw_trace_context parent;
    tw_traceparent_parse(VALID_TP, strlen(VALID_TP), &parent);
    tw_span span;
    tw_span_init(&span, "report.apply", TW_SPAN_CONSUMER, &parent, 123);
    TW_CHECK(memcmp(span.ctx.trace_id, parent.trace_id, TW_TRACE_ID_BYTES) == 0);
    TW_CHECK(memcmp(span.parent_span_id, parent.span_id, TW_SPAN_ID_BYTES) == 0);
    TW_CHECK(memcmp(span.ctx.span_id, parent.span_id, TW_SPAN_ID_BYTES) != 0);
    TW_CHECK(tw_span_has_parent(&span));
    tw_span root;
    tw_span_init(&root, "root", TW_SPAN_INTERNAL, NULL, 1);
    TW_CHECK(!tw_span_has_parent(&root));
    TW_CHECK_INT(root.ctx.flags, TW_TRACE_FLAG_SAMPLED);
}

static const cJSON *first_span(const cJSON *doc)
{
    const cJSON *rs = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "resourceSpans"), 0);
    const cJSON *ss = cJSON_GetArrayItem(cJSON_GetObjectItem(rs, "scopeSpans"), 0);
    return cJSON_GetArrayItem(cJSON_GetObjectItem(ss, "spans"), 0);
}

static const cJSON *attr_value(const cJSON *attrs, const char *key)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, attrs)
    {
        if (!strcmp(cJSON_GetObjectItem(item, "key")->valuestring, key))
            return cJSON_GetObjectItem(item, "value");
    }
    return NULL;
}

static void otlp_encoding_follows_the_json_mapping(void)
{
    tw_trace_context parent;
    tw_traceparent_parse(VALID_TP, strlen(VALID_TP), &parent);
    tw_span span;
    tw_span_init(&span, "GET /api", TW_SPAN_SERVER, &parent, 1700000000123456789LL);
    span.end_ns = 1700000000223456789LL;
    tw_span_attr_str(&span, "http.method", "GET \"x\"");
    tw_span_attr_int(&span, "http.status_code", 503);
    tw_span_attr_dbl(&span, "ratio", 0.25);
    tw_span_set_error(&span, "upstream down");
    tw_buf out;
    tw_buf_init(&out);
    tw_otlp_encode(&out, "dashboard", &span, 1);
    cJSON *doc = cJSON_Parse(out.data);
    TW_CHECK(doc != NULL);
    const cJSON *rs = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "resourceSpans"), 0);
    const cJSON *service = attr_value(
        cJSON_GetObjectItem(cJSON_GetObjectItem(rs, "resource"), "attributes"), "service.name");
    TW_CHECK_STR(cJSON_GetObjectItem(service, "stringValue")->valuestring, "dashboard");
    const cJSON *s = first_span(doc);
    TW_CHECK_STR(cJSON_GetObjectItem(s, "traceId")->valuestring,
                 "4bf92f3577b34da6a3ce929d0e0e4736");
    TW_CHECK_STR(cJSON_GetObjectItem(s, "parentSpanId")->valuestring, "00f067aa0ba902b7");
    TW_CHECK_INT(strlen(cJSON_GetObjectItem(s, "spanId")->valuestring), 16);
    TW_CHECK_STR(cJSON_GetObjectItem(s, "name")->valuestring, "GET /api");
    TW_CHECK_INT(cJSON_GetObjectItem(s, "kind")->valueint, 2);
    TW_CHECK_STR(cJSON_GetObjectItem(s, "startTimeUnixNano")->valuestring, "1700000000123456789");
    TW_CHECK_STR(cJSON_GetObjectItem(s, "endTimeUnixNano")->valuestring, "1700000000223456789");
    const cJSON *attrs = cJSON_GetObjectItem(s, "attributes");
    TW_CHECK_STR(cJSON_GetObjectItem(attr_value(attrs, "http.method"), "stringValue")->valuestring,
                 "GET \"x\"");
    TW_CHECK_STR(
        cJSON_GetObjectItem(attr_value(attrs, "http.status_code"), "intValue")->valuestring, "503");
    TW_CHECK_NEAR(cJSON_GetObjectItem(attr_value(attrs, "ratio"), "doubleValue")->valuedouble, 0.25,
                  0);
    const cJSON *status = cJSON_GetObjectItem(s, "status");
    TW_CHECK_INT(cJSON_GetObjectItem(status, "code")->valueint, 2);
    TW_CHECK_STR(cJSON_GetObjectItem(status, "message")->valuestring, "upstream down");
    cJSON_Delete(doc);
    tw_buf_free(&out);
}

static void root_span_has_no_parent_field(void)
{
    tw_span spans[2];
    tw_span_init(&spans[0], "a", TW_SPAN_PRODUCER, NULL, 1);
    tw_span_init(&spans[1], "b", TW_SPAN_INTERNAL, NULL, 2);
    tw_buf out;
    tw_buf_init(&out);
    tw_otlp_encode(&out, "simulator", spans, 2);
    cJSON *doc = cJSON_Parse(out.data);
    const cJSON *s = first_span(doc);
    TW_CHECK(cJSON_GetObjectItem(s, "parentSpanId") == NULL);
    TW_CHECK_INT(cJSON_GetObjectItem(s, "kind")->valueint, 4);
    const cJSON *rs = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "resourceSpans"), 0);
    const cJSON *ss = cJSON_GetArrayItem(cJSON_GetObjectItem(rs, "scopeSpans"), 0);
    TW_CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(ss, "spans")), 2);
    cJSON_Delete(doc);
    tw_buf_free(&out);
}

static void too_many_attributes_are_ignored(void)
{
    tw_span span;
    tw_span_init(&span, "x", TW_SPAN_INTERNAL, NULL, 1);
    for (int i = 0; i < TW_SPAN_MAX_ATTRS + 3; i++)
        tw_span_attr_int(&span, "k", i);
    TW_CHECK_INT(span.attr_count, TW_SPAN_MAX_ATTRS);
}

static void retry_only_on_transient_failures(void)
{
    TW_CHECK_INT(tw_trace_classify(TW_OK, 200), TW_EXPORT_DONE);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 202), TW_EXPORT_DONE);
    TW_CHECK_INT(tw_trace_classify(TW_ERR, 0), TW_EXPORT_RETRY);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 429), TW_EXPORT_RETRY);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 502), TW_EXPORT_RETRY);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 503), TW_EXPORT_RETRY);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 504), TW_EXPORT_RETRY);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 400), TW_EXPORT_DROP);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 404), TW_EXPORT_DROP);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 500), TW_EXPORT_DROP);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 501), TW_EXPORT_DROP);
}

static void endpoint_urls_parse(void)
{
    tw_http_url url;
    char err[128];
    TW_CHECK_INT(tw_http_url_parse("http://jaeger:4318", &url, err, sizeof err), TW_OK);
    TW_CHECK_STR(url.host, "jaeger");
    TW_CHECK_INT(url.port, 4318);
    TW_CHECK_STR(url.path, "");
    TW_CHECK_INT(tw_http_url_parse("http://127.0.0.1/otel/", &url, err, sizeof err), TW_OK);
    TW_CHECK_INT(url.port, 80);
    TW_CHECK_STR(url.path, "/otel");
    TW_CHECK_INT(tw_http_url_parse("https://jaeger:4318", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_http_url_parse("http://:4318", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_http_url_parse("http://h:0", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_http_url_parse("http://h:12x/", &url, err, sizeof err), TW_INVALID);
}

static void tracing_off_samples_nothing(void)
{
    tw_span span;
    TW_CHECK(!tw_trace_enabled());
    TW_CHECK(!tw_trace_sample_new());
    TW_CHECK(!tw_trace_begin(&span, "x", TW_SPAN_INTERNAL, NULL));
    TW_CHECK(tw_trace_current() == NULL);
    tw_span_init(&span, "x", TW_SPAN_INTERNAL, NULL, 1);
    TW_CHECK(tw_trace_set_current(&span) == NULL);
    TW_CHECK(tw_trace_current() == &span);
    TW_CHECK(tw_trace_set_current(NULL) == &span);
}

/* Runs one log call with stderr redirected into a temporary file; returns what it wrote. */
static void capture_log(const char *msg, char *out, size_t out_size)
{
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO);
    dup2(fileno(tmp), STDERR_FILENO);
    tw_log_info(msg, TW_INT("n", 1));
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t got = fread(out, 1, out_size - 1, tmp);
    out[got] = '\0';
    fclose(tmp);
}

static void log_lines_carry_the_current_span(void)
{
    tw_trace_context parent;
    tw_traceparent_parse(VALID_TP, strlen(VALID_TP), &parent);
    tw_span span;
    tw_span_init(&span, "x", TW_SPAN_SERVER, &parent, 1);
    char span_hex[TW_SPAN_ID_HEX_LEN + 1], line[1024];
    tw_trace_hex(span.ctx.span_id, TW_SPAN_ID_BYTES, span_hex);
    tw_trace_set_current(&span);
    capture_log("inside", line, sizeof line);
    tw_trace_set_current(NULL);
    cJSON *doc = cJSON_Parse(line);
    TW_CHECK_STR(cJSON_GetObjectItem(doc, "trace_id")->valuestring,
                 "4bf92f3577b34da6a3ce929d0e0e4736");
    TW_CHECK_STR(cJSON_GetObjectItem(doc, "span_id")->valuestring, span_hex);
    TW_CHECK_INT(cJSON_GetObjectItem(doc, "n")->valueint, 1);
    cJSON_Delete(doc);
    capture_log("outside", line, sizeof line);
    doc = cJSON_Parse(line);
    TW_CHECK(doc && !cJSON_GetObjectItem(doc, "trace_id") && !cJSON_GetObjectItem(doc, "span_id"));
    cJSON_Delete(doc);
}

TW_TEST_MAIN("trace", TW_TEST(traceparent_valid_parses), TW_TEST(traceparent_invalid_rejected),
             TW_TEST(traceparent_format_round_trips), TW_TEST(random_ids_are_nonzero_and_distinct),
             TW_TEST(child_span_links_to_parent), TW_TEST(otlp_encoding_follows_the_json_mapping),
             TW_TEST(root_span_has_no_parent_field), TW_TEST(too_many_attributes_are_ignored),
             TW_TEST(retry_only_on_transient_failures),
             TW_TEST(endpoint_urls_parse),
             TW_TEST(tracing_off_samples_nothing), TW_TEST(log_lines_carry_the_current_span))
