/* Span construction and the OTLP JSON encoding: ids as lowercase hex, kind and status as
 * integers, 64-bit integers (times, intValue) as decimal strings as the proto3 JSON
 * mapping requires, attributes as {key, value: {stringValue|intValue|doubleValue}}. */
#include "tw_span.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define OTLP_SCOPE_NAME "towerwatch"

void tw_span_init(tw_span *span, const char *name, tw_span_kind kind,
                  const tw_trace_context *parent, int64_t start_ns)
{
    memset(span, 0, sizeof *span);
    snprintf(span->name, sizeof span->name, "%s", name);
    span->kind = kind;
    span->start_ns = start_ns;
    if (parent) {
        memcpy(span->ctx.trace_id, parent->trace_id, TW_TRACE_ID_BYTES);
        memcpy(span->parent_span_id, parent->span_id, TW_SPAN_ID_BYTES);
        span->ctx.flags = parent->flags;
    } else {
        tw_trace_random_id(span->ctx.trace_id, TW_TRACE_ID_BYTES);
        span->ctx.flags = TW_TRACE_FLAG_SAMPLED;
    }
    tw_trace_random_id(span->ctx.span_id, TW_SPAN_ID_BYTES);
}

bool tw_span_has_parent(const tw_span *span)
{
    return !tw_trace_id_is_zero(span->parent_span_id, TW_SPAN_ID_BYTES);
}

/* The next free attribute slot with key set, or NULL when the span is full. */
static tw_span_attr *add_attr(tw_span *span, const char *key, tw_attr_type type)
{
    if (span->attr_count >= TW_SPAN_MAX_ATTRS)
        return NULL;
    tw_span_attr *attr = &span->attrs[span->attr_count++];
    snprintf(attr->key, sizeof attr->key, "%s", key);
    attr->type = type;
    return attr;
}

void tw_span_attr_str(tw_span *span, const char *key, const char *value)
{
    tw_span_attr *attr = add_attr(span, key, TW_ATTR_STR);
    if (attr)
        snprintf(attr->value.str, sizeof attr->value.str, "%s", value ? value : "");
}

void tw_span_attr_int(tw_span *span, const char *key, int64_t value)
{
    tw_span_attr *attr = add_attr(span, key, TW_ATTR_INT);
    if (attr)
        attr->value.i = value;
}

void tw_span_attr_dbl(tw_span *span, const char *key, double value)
{
    tw_span_attr *attr = add_attr(span, key, TW_ATTR_DBL);
    if (attr)
        attr->value.d = value;
}

void tw_span_set_error(tw_span *span, const char *message)
{
    span->status = TW_SPAN_STATUS_ERROR;
    snprintf(span->status_message, sizeof span->status_message, "%s", message ? message : "");
}

/* proto3 JSON for a double: a number, or "NaN"/"Infinity"/"-Infinity" as strings. */
static void put_double(tw_buf *out, double value)
{
    if (isnan(value))
        tw_buf_puts(out, "\"NaN\"");
    else if (isinf(value))
        tw_buf_puts(out, value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else
        tw_buf_printf(out, "%.17g", value);
}

static void put_string_attr(tw_buf *out, const char *key, const char *text)
{
    tw_buf_puts(out, "{\"key\":");
    tw_buf_json_string(out, key);
    tw_buf_puts(out, ",\"value\":{\"stringValue\":");
    tw_buf_json_string(out, text);
    tw_buf_puts(out, "}}");
}

static void put_attr(tw_buf *out, const tw_span_attr *attr)
{
    if (attr->type == TW_ATTR_STR) {
        put_string_attr(out, attr->key, attr->value.str);
        return;
    }
    tw_buf_puts(out, "{\"key\":");
    tw_buf_json_string(out, attr->key);
    if (attr->type == TW_ATTR_INT) {
        tw_buf_printf(out, ",\"value\":{\"intValue\":\"%" PRId64 "\"}}", attr->value.i);
        return;
    }
    tw_buf_puts(out, ",\"value\":{\"doubleValue\":");
    put_double(out, attr->value.d);
    tw_buf_puts(out, "}}");
}

static void put_hex_field(tw_buf *out, const char *name, const uint8_t *bytes, size_t n)
{
    char hex[2 * TW_TRACE_ID_BYTES + 1];
    tw_trace_hex(bytes, n, hex);
    tw_buf_printf(out, "\"%s\":\"%s\"", name, hex);
}

static void put_span(tw_buf *out, const tw_span *span)
{
    tw_buf_puts(out, "{");
    put_hex_field(out, "traceId", span->ctx.trace_id, TW_TRACE_ID_BYTES);
    tw_buf_puts(out, ",");
    put_hex_field(out, "spanId", span->ctx.span_id, TW_SPAN_ID_BYTES);
    if (tw_span_has_parent(span)) {
        tw_buf_puts(out, ",");
        put_hex_field(out, "parentSpanId", span->parent_span_id, TW_SPAN_ID_BYTES);
    }
    tw_buf_puts(out, ",\"name\":");
    tw_buf_json_string(out, span->name);
    tw_buf_printf(out,
                  ",\"kind\":%d,\"startTimeUnixNano\":\"%" PRId64
                  "\",\"endTimeUnixNano\":\"%" PRId64 "\",\"attributes\":[",
                  (int)span->kind, span->start_ns, span->end_ns);
    for (int i = 0; i < span->attr_count; i++) {
        if (i)
            tw_buf_puts(out, ",");
        put_attr(out, &span->attrs[i]);
    }
    tw_buf_printf(out, "],\"status\":{\"code\":%d", (int)span->status);
    if (span->status == TW_SPAN_STATUS_ERROR) {
        tw_buf_puts(out, ",\"message\":");
        tw_buf_json_string(out, span->status_message);
    }
    tw_buf_puts(out, "}}");
}

void tw_otlp_encode(tw_buf *out, const char *service_name, const tw_span *spans, size_t count)
{
    tw_buf_puts(out, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
    put_string_attr(out, "service.name", service_name);
    tw_buf_puts(out,
                "]},\"scopeSpans\":[{\"scope\":{\"name\":\"" OTLP_SCOPE_NAME "\"},\"spans\":[");
    for (size_t i = 0; i < count; i++) {
        if (i)
            tw_buf_puts(out, ",");
        put_span(out, &spans[i]);
    }
    tw_buf_puts(out, "]}]}]}");
}
