/* The contract's analytics JSON, built in one place: the summary object, the antenna
 * row and the antenna status rule. analytics encodes its own state with it and the
 * dashboard encodes state merged over replicas with it, so both speak identically. */
#ifndef TW_API_H
#define TW_API_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "tw_sketch.h"

/* Windows the API accepts (seconds); 0 means since start. */
#define TW_WINDOW_MAX_S 900
/* An antenna is offline after this many report intervals without a record. */
#define TW_OFFLINE_MISSED_INTERVALS 3
/* Report interval assumed for an antenna until two reports show its own. */
#define TW_DEFAULT_INTERVAL_S 5.0
/* An antenna whose loss rate in the window exceeds this is degraded. */
#define TW_DEGRADED_LOSS_RATE 0.05

typedef struct {
    int64_t window_s;          /* 0, 60, 300 or 900 */
    uint64_t records;          /* valid records in the window */
    uint64_t packets;          /* sum of packets */
    uint64_t loss;             /* sum of loss */
    const tw_sketch *latency;  /* per-record latency in the window */
    double throughput_rps;     /* records per second over the window */
    uint64_t antennas_active;  /* antennas with a record in the window */
    uint64_t antennas_offline; /* antennas past their offline deadline */
    uint64_t malformed;        /* malformed records since start */
    int64_t lag;               /* consumer-group lag, -1 when unknown */
    int64_t updated_at_us;     /* when the state last changed (Unix us) */
} tw_summary;

/* Latency figures of a sketch, NAN where it is empty: what the contract reports. */
typedef struct {
    double avg; /* mean */
    double p50; /* median */
    double p95; /* 95th percentile */
    double p99; /* 99th percentile */
    double max; /* largest */
} tw_latency_figures;

typedef struct {
    const char *antenna_id;   /* id */
    const char *status;       /* "ok", "degraded" or "offline" */
    int64_t last_seen;        /* timestamp of its newest record (Unix s) */
    uint64_t records;         /* records in the window */
    uint64_t packets;         /* packets in the window */
    uint64_t loss;            /* loss in the window */
    tw_latency_figures latency; /* latency in the window */
} tw_antenna_row;

/* True for the windows the contract allows: 0, 60, 300, 900. */
int tw_window_valid(int64_t window_s);
/* The status rule: offline after TW_OFFLINE_MISSED_INTERVALS intervals without a record,
 * degraded when the loss rate exceeds TW_DEGRADED_LOSS_RATE, else ok. */
const char *tw_antenna_status(int64_t now_s, int64_t last_seen_s, double interval_s,
                              uint64_t packets, uint64_t loss);
/* Encodes a summary as the contract's JSON object (caller owns it). */
cJSON *tw_summary_to_json(const tw_summary *summary);
/* Encodes one antenna row (caller owns it). */
cJSON *tw_antenna_row_to_json(const tw_antenna_row *row);
/* The contract's latency figures of sketch. */
tw_latency_figures tw_latency_figures_of(const tw_sketch *sketch);
/* Adds {"avg","p50","p95","p99","max"} under name (nulls where unknown). */
void tw_api_add_latency(cJSON *parent, const char *name, const tw_latency_figures *figures);

#endif
