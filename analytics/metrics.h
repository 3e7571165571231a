/* analytics' Prometheus series: totals, malformed by reason, antennas, ring, consumer lag
 * and pending, DLQ length, and per-antenna series when the operator opts in (capped). */
#ifndef ANALYTICS_METRICS_H
#define ANALYTICS_METRICS_H

#include <stddef.h>

#include "aggregator.h"
#include "spsc_ring.h"
#include "stream_reader.h"
#include "tw_metrics.h"

/* What the series read at scrape time; owned by the caller, alive as long as metrics. */
typedef struct {
    aggregator *agg;       /* totals and antennas (read under agg->lock) */
    spsc_ring *ring;       /* reader->aggregator ring */
    stream_reader *reader; /* lag, pending and DLQ length from XINFO */
    size_t antenna_cap;    /* per-antenna series for at most this many antennas; 0 = none */
} analytics_metrics;

/* Registers every analytics series on metrics; m must outlive the registry. */
void analytics_metrics_register(analytics_metrics *m, tw_metrics *metrics);

#endif
