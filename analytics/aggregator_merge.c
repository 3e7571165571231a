/* Merging and snapshotting whole aggregate states; see aggregator_merge.h. */
#include "aggregator_merge.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_wire.h"

static void reset_bucket(time_bucket *bucket, int64_t start_s)
{
    bucket->start_s = start_s;
    bucket->records = bucket->packets = bucket->loss = 0;
    tw_sketch_free(&bucket->latency);
    tw_sketch_init(&bucket->latency);
}

/* Both rings have the same geometry, so slot i holds the same second in both, or an
 * older one: the newer second wins, equal seconds add up. */
static void merge_bucket(time_bucket *dst, const time_bucket *src)
{
    if (src->start_s == 0 || src->start_s < dst->start_s)
        return;
    if (src->start_s > dst->start_s)
        reset_bucket(dst, src->start_s);
    dst->records += src->records;
    dst->packets += src->packets;
    dst->loss += src->loss;
    tw_sketch_merge(&dst->latency, &src->latency);
    dst->dirty = true;
}

static void copy_antenna(antenna_table *dst, const antenna_state *antenna, tw_buf *scratch)
{
    tw_buf_reset(scratch);
    tw_wire_writer out = {scratch};
    antenna_write(antenna, &out);
    tw_wire_reader in;
    tw_wire_reader_init(&in, scratch->data, scratch->len);
    if (antenna_read(dst, &in) != TW_OK)
        abort(); /* we just wrote it: a failure here is a bug */
}

void aggregator_merge(aggregator *dst, const aggregator *src)
{
    dst->records += src->records;
    dst->packets += src->packets;
    dst->loss += src->loss;
    tw_sketch_merge(&dst->latency, &src->latency);
    for (int i = 0; i < TW_MALFORMED_REASON_COUNT; i++)
        dst->malformed[i] += src->malformed[i];
    dst->duplicates += src->duplicates;
    dst->deleted += src->deleted;
    dst->ignored_optional += src->ignored_optional;
    for (uint32_t i = 0; i < dst->seconds.count && i < src->seconds.count; i++)
        merge_bucket(&dst->seconds.buckets[i], &src->seconds.buckets[i]);
    tw_buf scratch;
    tw_buf_init(&scratch);
    for (size_t i = 0; i < src->antennas.count; i++)
        copy_antenna(&dst->antennas, src->antennas.items[i], &scratch);
    tw_buf_free(&scratch);
    if (src->started_at_us < dst->started_at_us)
        dst->started_at_us = src->started_at_us;
    if (src->updated_at_us > dst->updated_at_us)
        dst->updated_at_us = src->updated_at_us;
    dst->meta_dirty = true;
}

int aggregator_reset(aggregator *agg)
{
    static_assert(offsetof(aggregator, lock) == 0, "the lock must come first");
    aggregator_drop_owed(agg);
    free(agg->acks);
    free(agg->dead);
    tw_sketch_free(&agg->latency);
    bucket_ring_free(&agg->seconds);
    antenna_table_free(&agg->antennas);
    size_t kept = sizeof agg->lock;
    memset((char *)agg + kept, 0, sizeof *agg - kept);
    tw_sketch_init(&agg->latency);
    agg->started_at_us = agg->updated_at_us = tw_wall_us();
    agg->meta_dirty = true;
    if (bucket_ring_init(&agg->seconds, 1, GLOBAL_WINDOW_BUCKETS) != TW_OK ||
        antenna_table_init(&agg->antennas) != TW_OK)
        return TW_ERR;
    return TW_OK;
}

void aggregator_drop_owed(aggregator *agg)
{
    for (size_t i = 0; i < agg->dead_count; i++)
        entry_release(&agg->dead[i]);
    agg->dead_count = 0;
    agg->ack_count = 0;
}

void aggregator_snapshot_write(const aggregator *agg, tw_buf *out)
{
    tw_wire_writer writer = {out};
    checkpoint_encode_meta(agg, &writer);
    tw_wire_put_svarint(&writer, agg->updated_at_us);
    bucket_ring_write_all(&agg->seconds, &writer);
    tw_wire_put_varint(&writer, agg->antennas.count);
    for (size_t i = 0; i < agg->antennas.count; i++)
        antenna_write(agg->antennas.items[i], &writer);
}

int aggregator_snapshot_read(aggregator *agg, const void *data, size_t len)
{
    tw_wire_reader in;
    tw_wire_reader_init(&in, data, len);
    if (checkpoint_decode_meta(agg, &in) != TW_OK)
        return TW_INVALID;
    agg->updated_at_us = tw_wire_get_svarint(&in);
    if (bucket_ring_read_all(&agg->seconds, &in) != TW_OK)
        return TW_INVALID;
    uint64_t antennas = tw_wire_get_varint(&in);
    for (uint64_t i = 0; i < antennas && !in.failed; i++) {
        if (antenna_read(&agg->antennas, &in) != TW_OK)
            return TW_INVALID;
    }
    return in.failed ? TW_INVALID : TW_OK;
}
