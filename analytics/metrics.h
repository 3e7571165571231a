/* analytics' Prometheus series: totals, malformed by reason, antennas, ring, consumer lag
 * and pending, DLQ length, and per-antenna series when the operator opts in (capped). */
#ifndef ANALYTICS_METRICS_H
#define ANALYTICS_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator.h"
#include "spsc_ring.h"
#include "tw_metrics.h"

/* What the series read at scrape time; owned by the caller, alive as long as metrics. */
typedef struct {
    aggregator *agg;             /* totals and antennas (read under agg->lock) */
    spsc_ring *ring;             /* reader->aggregator ring; NULL on the Kafka path */
    _Atomic int64_t *lag;        /* consumer lag (XINFO, or behind the partitions' end) */
    _Atomic int64_t *pending;    /* XINFO pending; NULL: no such series (Kafka) */
    _Atomic int64_t *dlq_length; /* dead-letter stream length; NULL: no such series */
    size_t antenna_cap;          /* per-antenna series for at most this many antennas; 0 = none */
} analytics_metrics;

/* Registers every analytics series on metrics; m must outlive the registry. */
void analytics_metrics_register(analytics_metrics *m, tw_metrics *metrics);

#endif
