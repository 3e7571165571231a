/* State merge for adoption; see state_merge.h. */
#include "state_merge.h"

static void merge_totals(aggregator *adopted, const aggregator *own)
{
    adopted->records += own->records;
    adopted->packets += own->packets;
    adopted->loss += own->loss;
    tw_sketch_merge(&adopted->latency, &own->latency);
    for (int i = 0; i < TW_MALFORMED_REASON_COUNT; i++)
        adopted->malformed[i] += own->malformed[i];
    adopted->duplicates += own->duplicates;
    adopted->deleted += own->deleted;
    adopted->ignored_optional += own->ignored_optional;
    if (own->started_at_us < adopted->started_at_us)
        adopted->started_at_us = own->started_at_us;
    adopted->meta_dirty = true;
}

void state_merge_own(aggregator *adopted, const aggregator *own)
{
    merge_totals(adopted, own);
    for (uint32_t i = 0; i < adopted->seconds.count; i++)
        adopted->seconds.buckets[i].dirty = adopted->seconds.buckets[i].start_s > 0;
    bucket_ring_merge(&adopted->seconds, &own->seconds);
    for (size_t i = 0; i < adopted->antennas.count; i++) {
        antenna_state *antenna = adopted->antennas.items[i];
        const antenna_state *mine = antenna_table_find(&own->antennas, antenna->id);
        if (mine)
            antenna_merge(antenna, mine);
        antenna->dirty = true;
    }
}

static void take_totals(aggregator *own, aggregator *adopted)
{
    own->records = adopted->records;
    own->packets = adopted->packets;
    own->loss = adopted->loss;
    tw_sketch held = own->latency;
    own->latency = adopted->latency;
    adopted->latency = held;
    for (int i = 0; i < TW_MALFORMED_REASON_COUNT; i++)
        own->malformed[i] = adopted->malformed[i];
    own->duplicates = adopted->duplicates;
    own->deleted = adopted->deleted;
    own->ignored_optional = adopted->ignored_optional;
    own->started_at_us = adopted->started_at_us;
}

void state_take(aggregator *own, aggregator *adopted)
{
    take_totals(own, adopted);
    for (uint32_t i = 0; i < adopted->seconds.count; i++) {
        if (adopted->seconds.buckets[i].start_s <= 0)
            continue;
        bucket_ring_swap_bucket(&own->seconds, &adopted->seconds, i);
        own->seconds.buckets[i].dirty = false;
    }
    for (size_t i = 0; i < adopted->antennas.count; i++) {
        antenna_state *theirs = adopted->antennas.items[i];
        antenna_state *mine = antenna_table_get(&own->antennas, theirs->id);
        antenna_state held = *mine;
        *mine = *theirs;
        *theirs = held;
        mine->dirty = false;
    }
}
