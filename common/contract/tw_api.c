/* Contract JSON encoders and the antenna status rule; see tw_api.h. */
#include "tw_api.h"

#include <math.h>

#include "tw_time.h"

int tw_window_valid(int64_t window_s)
{
    return window_s == 0 || window_s == 60 || window_s == 300 || window_s == 900;
}

/* now_s - last_seen_s, saturated: a last_seen from a checkpoint or a peer can be any
 * int64, and the plain difference would overflow. */
static int64_t age_s(int64_t now_s, int64_t last_seen_s)
{
    int64_t age;
    if (__builtin_sub_overflow(now_s, last_seen_s, &age))
        return last_seen_s < 0 ? INT64_MAX : INT64_MIN;
    return age;
}

const char *tw_antenna_status(int64_t now_s, int64_t last_seen_s, double interval_s,
                              uint64_t packets, uint64_t loss)
{
    if (!(interval_s > 0)) /* NaN too */
        interval_s = TW_DEFAULT_INTERVAL_S;
    if ((double)age_s(now_s, last_seen_s) > TW_OFFLINE_MISSED_INTERVALS * interval_s)
        return "offline";
    if (packets > 0 && (double)loss / (double)packets > TW_DEGRADED_LOSS_RATE)
        return "degraded";
    return "ok";
}

static void add_number_or_null(cJSON *parent, const char *name, double value)
{
    if (isfinite(value))
        cJSON_AddNumberToObject(parent, name, value);
    else
        cJSON_AddNullToObject(parent, name);
}

tw_latency_figures tw_latency_figures_of(const tw_sketch *sketch)
{
    return (tw_latency_figures){tw_sketch_mean(sketch), tw_sketch_quantile(sketch, 0.50),
                                tw_sketch_quantile(sketch, 0.95), tw_sketch_quantile(sketch, 0.99),
                                sketch->count ? sketch->max : NAN};
}

void tw_api_add_latency(cJSON *parent, const char *name, const tw_latency_figures *figures)
{
    cJSON *latency = cJSON_AddObjectToObject(parent, name);
    add_number_or_null(latency, "avg", figures->avg);
    add_number_or_null(latency, "p50", figures->p50);
    add_number_or_null(latency, "p95", figures->p95);
    add_number_or_null(latency, "p99", figures->p99);
    add_number_or_null(latency, "max", figures->max);
}

static double success_rate(uint64_t packets, uint64_t loss)
{
    return packets ? (double)(packets - loss) / (double)packets : NAN;
}

cJSON *tw_summary_to_json(const tw_summary *summary)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddNumberToObject(json, "window_s", (double)summary->window_s);
    cJSON_AddNumberToObject(json, "records", (double)summary->records);
    cJSON_AddNumberToObject(json, "packets", (double)summary->packets);
    cJSON_AddNumberToObject(json, "loss", (double)summary->loss);
    cJSON_AddNumberToObject(json, "delivered", (double)(summary->packets - summary->loss));
    add_number_or_null(json, "success_rate", success_rate(summary->packets, summary->loss));
    tw_latency_figures latency = tw_latency_figures_of(summary->latency);
    tw_api_add_latency(json, "latency_ms", &latency);
    cJSON *antennas = cJSON_AddObjectToObject(json, "antennas");
    cJSON_AddNumberToObject(antennas, "active", (double)summary->antennas_active);
    cJSON_AddNumberToObject(antennas, "offline", (double)summary->antennas_offline);
    cJSON_AddNumberToObject(json, "throughput_rps", summary->throughput_rps);
    cJSON_AddNumberToObject(json, "malformed", (double)summary->malformed);
    add_number_or_null(json, "lag", summary->lag >= 0 ? (double)summary->lag : NAN);
    char updated[40];
    tw_format_rfc3339(summary->updated_at_us, updated, sizeof updated);
    cJSON_AddStringToObject(json, "updated_at", updated);
    return json;
}

cJSON *tw_antenna_row_to_json(const tw_antenna_row *row)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "antenna_id", row->antenna_id);
    cJSON_AddStringToObject(json, "status", row->status);
    cJSON_AddNumberToObject(json, "last_seen", (double)row->last_seen);
    cJSON_AddNumberToObject(json, "records", (double)row->records);
    cJSON_AddNumberToObject(json, "packets", (double)row->packets);
    cJSON_AddNumberToObject(json, "loss", (double)row->loss);
    add_number_or_null(json, "success_rate", success_rate(row->packets, row->loss));
    tw_api_add_latency(json, "latency_ms", &row->latency);
    return json;
}
