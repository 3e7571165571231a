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

/* The oldest used second of the global ring, 0 when some record the state holds is not in
 * it (older than the ring, or adopted): then data began before anything the ring shows. */
static int64_t oldest_ring_second(const aggregator *agg)
{
    const bucket_ring *ring = &agg->seconds;
    int64_t oldest = 0;
    uint64_t in_ring = 0;
    for (uint32_t i = 0; i < ring->count; i++) {
        const time_bucket *b = &ring->buckets[i];
        if (!b->start_s || !b->records)
            continue;
        in_ring += b->records;
        if (!oldest || b->start_s < oldest)
            oldest = b->start_s;
    }
    return in_ring == agg->records ? oldest : 0;
}

int64_t window_span_s(const aggregator *agg, int64_t now, int64_t window_s, int64_t started_s)
{
    int64_t span = window_s;
    if (window_s == 0) {
        span = now - started_s;
    } else {
        int64_t oldest = oldest_ring_second(agg);
        if (oldest && now - oldest + 1 < window_s)
            span = now - oldest + 1; /* the data's seconds so far, this one included */
    }
    return span > 0 ? span : 1;
}

double window_throughput(uint64_t records, int64_t span_s)
{
    return (double)records / (double)(span_s > 0 ? span_s : 1);
}
