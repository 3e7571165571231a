/* Spans: parent links, attributes, and their OTLP/HTTP JSON encoding. */
#include <cjson/cJSON.h>

#include "tw_span.h"
#include "tw_status.h"
#include "tw_test.h"

#define VALID_TP "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

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

TW_TEST_MAIN("span", TW_TEST(child_span_links_to_parent),
             TW_TEST(otlp_encoding_follows_the_json_mapping),
             TW_TEST(root_span_has_no_parent_field), TW_TEST(too_many_attributes_are_ignored))
