/* Where the simulator's reports go, behind one small interface (as hiredis'
 * redisContextFuncs or Redis' ConnectionType): the Redis stream writer or the Kafka
 * producer. The simulator's loop knows only this; each broker's writer lives in its own
 * file and fills in the functions. */
#ifndef SIMULATOR_REPORT_SINK_H
#define SIMULATOR_REPORT_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "report_queue.h"
#include "tw_buf.h"
#include "tw_metrics.h"

/* What a sink has done, for the simulator's closing log line. */
typedef struct {
    uint64_t sent;      /* reports the broker confirmed */
    uint64_t resent;    /* confirmed reports the broker lost and that were written again */
    uint64_t resolved;  /* in-flight reports found applied after a reconnection */
    uint64_t rollbacks; /* times the broker came back behind what it confirmed */
} report_sink_stats;

typedef struct {
    const char *name;      /* "redis" or "kafka" */
    const char *not_ready; /* the /readyz reason while the broker is not reachable */
    /* Moves queued reports towards the broker: how many were confirmed or handed over,
     * or TW_AGAIN when the broker cannot take any now. */
    int (*flush)(void *impl, report_queue *queue);
    /* True while work is in flight that the next flush continues (a batch whose replies
     * are due). */
    bool (*busy)(const void *impl);
    /* At exit: waits up to timeout_ms for what was handed over; returns what is still in
     * flight (0 for a sink whose flush already waits for its confirmations). */
    int (*drain)(void *impl, int timeout_ms);
    /* True once the broker is reachable (read by /readyz from HTTP threads). */
    bool (*ready)(const void *impl);
    void (*stats)(const void *impl, report_sink_stats *out);
    void (*free)(void *impl);
} report_sink_type;

typedef struct {
    const report_sink_type *type; /* the broker's functions */
    void *impl;                   /* its writer, owned by the caller */
} report_sink;

#endif
