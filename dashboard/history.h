/* The last 15 minutes of headline figures, one point a second, kept by the dashboard so a
 * page opened now draws full charts at once: throughput, success rate, latency p50/p95/p99
 * over the 1-minute window. */
#ifndef DASH_HISTORY_H
#define DASH_HISTORY_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "snapshot.h"

#define DASH_HISTORY_POINTS 900

typedef struct dash_history dash_history;

/* Creates an empty history. */
dash_history *dash_history_new(void);
/* Frees it. */
void dash_history_free(dash_history *history);
/* Appends the figures of snapshot as the point for Unix second t (a repeated t replaces). */
void dash_history_add(dash_history *history, int64_t t, const dash_snapshot *snapshot);
/* Columns {"t":[],"throughput_rps":[],"success_rate":[],"p50":[],"p95":[],"p99":[]} for
 * uPlot, oldest first (caller owns it). */
cJSON *dash_history_json(dash_history *history);

#endif
