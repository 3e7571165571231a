/* JSON message values for reports; see tw_report_json.h. */
#include "tw_report_json.h"

#include <cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tw_json_depth.h"

#define REPORT_JSON_MAX_FIELDS 64

static void put_text(tw_buf *out, const char *name, const char *value, bool first)
{
    if (!first)
        tw_buf_append(out, ",", 1);
    tw_buf_json_string(out, name);
    tw_buf_append(out, ":", 1);
    tw_buf_json_string(out, value);
}

void tw_report_json_write(const tw_report *report, tw_buf *out)
{
    char text[32];
    tw_buf_append(out, "{", 1);
    put_text(out, "antenna_id", report->antenna_id, true);
    snprintf(text, sizeof text, "%" PRId64, report->timestamp);
    put_text(out, "timestamp", text, false);
    snprintf(text, sizeof text, "%" PRIu64, report->packets);
    put_text(out, "packets", text, false);
    snprintf(text, sizeof text, "%" PRIu64, report->loss);
    put_text(out, "loss", text, false);
    snprintf(text, sizeof text, "%.3f", report->latency_ms);
    put_text(out, "latency", text, false);
    if (report->seq) {
        snprintf(text, sizeof text, "%" PRIu64, report->seq);
        put_text(out, "seq", text, false);
    }
    if (report->run[0])
        put_text(out, "run", report->run, false);
    if (report->sent_us) {
        snprintf(text, sizeof text, "%" PRId64, report->sent_us);
        put_text(out, "sent_us", text, false);
    }
    if (report->traceparent[0])
        put_text(out, "traceparent", report->traceparent, false);
    tw_buf_append(out, "}", 1);
}

tw_malformed_reason tw_report_json_parse(tw_report *report, const char *data, size_t len,
                                         int *ignored_optional)
{
    const char *names[REPORT_JSON_MAX_FIELDS], *values[REPORT_JSON_MAX_FIELDS];
    size_t name_lens[REPORT_JSON_MAX_FIELDS], value_lens[REPORT_JSON_MAX_FIELDS];
    size_t used = 0;
    /* a report is one flat object: deeper nesting is refused before cJSON recurses into it */
    bool shallow = data && tw_json_depth_within(data, len, TW_JSON_MAX_DEPTH);
    cJSON *root = shallow ? cJSON_ParseWithLength(data, len) : NULL;
    const cJSON *member = cJSON_IsObject(root) ? root->child : NULL;
    for (; member && used < REPORT_JSON_MAX_FIELDS; member = member->next) {
        if (!cJSON_IsString(member) || !member->string)
            continue;
        names[used] = member->string;
        name_lens[used] = strlen(member->string);
        values[used] = member->valuestring;
        value_lens[used] = strlen(member->valuestring);
        used++;
    }
    tw_malformed_reason reason = tw_report_parse(report, used, names, name_lens, values,
                                                 value_lens, ignored_optional);
    cJSON_Delete(root);
    return reason;
}
