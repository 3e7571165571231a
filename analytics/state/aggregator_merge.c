/* Merging and snapshotting whole aggregate states; see aggregator_merge.h. */
#include "aggregator_merge.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "state_codec.h"
#include "state_merge.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_wire.h"

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
    /* totals, second buckets, and the antennas dst already knows */
    state_merge_own(dst, src);
    tw_buf scratch;
    tw_buf_init(&scratch);
    for (size_t i = 0; i < src->antennas.count; i++) {
        if (!antenna_table_find(&dst->antennas, src->antennas.items[i]->id))
            copy_antenna(&dst->antennas, src->antennas.items[i], &scratch);
    }
    tw_buf_free(&scratch);
    if (src->updated_at_us > dst->updated_at_us)
        dst->updated_at_us = src->updated_at_us;
}

void aggregator_snapshot_write(const aggregator *agg, tw_buf *out)
{
    tw_wire_writer writer = {out};
    state_codec_write_meta(agg, &writer);
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
    if (state_codec_read_meta(agg, &in) != TW_OK)
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
