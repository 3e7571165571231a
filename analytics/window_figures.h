/* One antenna's or the whole state's figures for a window (since-start totals for window
 * 0, else the sum of the buckets overlapping it), shared by every endpoint that reports
 * them. The caller holds the aggregator's lock and frees out->latency. */
#ifndef ANALYTICS_WINDOW_FIGURES_H
#define ANALYTICS_WINDOW_FIGURES_H

#include <stdint.h>

#include "aggregator.h"

/* An antenna's figures for window_s at Unix second now. */
void window_figures_antenna(const antenna_state *antenna, int64_t now, int64_t window_s,
                            window_totals *out);
/* The whole state's figures for window_s at Unix second now. */
void window_figures_global(const aggregator *agg, int64_t now, int64_t window_s,
                           window_totals *out);
/* Records per second over the window, or since started_s for window 0. */
double window_throughput(uint64_t records, int64_t window_s, int64_t now, int64_t started_s);

#endif
