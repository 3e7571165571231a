/* The binary form of the aggregate state's totals ("meta"): version, start time, totals,
 * the latency sketch, malformed counts by reason and the other counters, in tw_wire. The
 * per-second buckets and the antennas have their own forms (bucket_ring, antenna_table);
 * checkpoints of either broker and snapshots are made of these pieces. */
#include "state_codec.h"

#include "tw_status.h"

void state_codec_write_meta(const aggregator *agg, tw_wire_writer *out)
{
    tw_wire_put_varint(out, STATE_CODEC_VERSION);
    tw_wire_put_svarint(out, agg->started_at_us);
    tw_wire_put_varint(out, agg->records);
    tw_wire_put_varint(out, agg->packets);
    tw_wire_put_varint(out, agg->loss);
    tw_sketch_write(&agg->latency, out);
    tw_wire_put_varint(out, TW_MALFORMED_REASON_COUNT);
    for (int i = 0; i < TW_MALFORMED_REASON_COUNT; i++)
        tw_wire_put_varint(out, agg->malformed[i]);
    tw_wire_put_varint(out, agg->duplicates);
    tw_wire_put_varint(out, agg->deleted);
    tw_wire_put_varint(out, agg->ignored_optional);
}

int state_codec_read_meta(aggregator *agg, tw_wire_reader *in)
{
    if (tw_wire_get_varint(in) != STATE_CODEC_VERSION)
        return TW_INVALID;
    agg->started_at_us = tw_wire_get_svarint(in);
    agg->records = tw_wire_get_varint(in);
    agg->packets = tw_wire_get_varint(in);
    agg->loss = tw_wire_get_varint(in);
    tw_sketch_free(&agg->latency);
    if (tw_sketch_read(&agg->latency, in) != TW_OK)
        return TW_INVALID;
    uint64_t reasons = tw_wire_get_varint(in);
    if (reasons != TW_MALFORMED_REASON_COUNT)
        return TW_INVALID;
    for (uint64_t i = 0; i < reasons; i++)
        agg->malformed[i] = tw_wire_get_varint(in);
    agg->duplicates = tw_wire_get_varint(in);
    agg->deleted = tw_wire_get_varint(in);
    agg->ignored_optional = tw_wire_get_varint(in);
    return in->failed ? TW_INVALID : TW_OK;
}
