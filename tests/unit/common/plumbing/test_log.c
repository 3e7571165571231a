/* The logger: lines carry the current span's ids while the tracer has one. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <unistd.h>

#include "tw_log.h"
#include "tw_status.h"
#include "tw_trace.h"
#include "tw_test.h"

#define VALID_TP "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

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

TW_TEST_MAIN("log", TW_TEST(log_lines_carry_the_current_span))
