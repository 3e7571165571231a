/* Window figures; see window_figures.h. */
#include "window_figures.h"

#include <string.h>

static void figures(uint64_t records, uint64_t packets, uint64_t loss, const tw_sketch *latency,
                    const bucket_ring *ring, int64_t now, int64_t window_s, window_totals *out)
{
    memset(out, 0, sizeof *out);
    tw_sketch_init(&out->latency);
    if (window_s == 0) {
        out->records = records;
        out->packets = packets;
        out->loss = loss;
        tw_sketch_merge(&out->latency, latency);
    } else {
        bucket_ring_sum(ring, now, window_s, out);
    }
}

void window_figures_antenna(const antenna_state *antenna, int64_t now, int64_t window_s,
                            window_totals *out)
{
    figures(antenna->records, antenna->packets, antenna->loss, &antenna->latency, &antenna->slots,
            now, window_s, out);
}

void window_figures_global(const aggregator *agg, int64_t now, int64_t window_s, window_totals *out)
{
    figures(agg->records, agg->packets, agg->loss, &agg->latency, &agg->seconds, now, window_s,
            out);
}

double window_throughput(uint64_t records, int64_t window_s, int64_t now, int64_t started_s)
{
    int64_t span = window_s > 0 ? window_s : now - started_s;
    return (double)records / (double)(span > 0 ? span : 1);
}
