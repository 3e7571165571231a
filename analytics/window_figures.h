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
/* Seconds a window's records/s divides by: since started_s for window 0; else the window,
 * or less while the state's data began inside it (every record it holds is in the global
 * ring and the oldest is newer than the window's start: the first minute of a fresh
 * network divides by the time covered, not by a full minute of which most is empty).
 * At least 1. */
int64_t window_span_s(const aggregator *agg, int64_t now, int64_t window_s, int64_t started_s);
/* Records per second over span_s seconds (from window_span_s). */
double window_throughput(uint64_t records, int64_t span_s);

#endif
