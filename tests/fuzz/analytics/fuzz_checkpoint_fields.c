/* Fuzzes the restore of the Redis path's checkpoint hash, field by field as
 * checkpoint_read hands them over: "meta" (state_codec_read_meta), "s:<second>"
 * (bucket_ring_read_bucket) and "a:<antenna>" (antenna_read). The input is a sequence of
 * fields, each a kind byte and length-prefixed bytes (tw_wire); a field that fails
 * restores nothing usable, so the harness stops there as checkpoint_read does. What
 * restores must snapshot back to itself and stay usable (fuzz_restore.h). */
#include "antenna_table.h"
#include "bucket_ring.h"
#include "fuzz_restore.h"
#include "state_codec.h"
#include "tw_wire.h"

#define MAX_FIELDS 16

static int restore_field(aggregator *agg, uint64_t kind, const unsigned char *value, size_t len)
{
    tw_wire_reader in;
    tw_wire_reader_init(&in, value, len);
    switch (kind % 3) {
    case 0:
        return state_codec_read_meta(agg, &in);
    case 1:
        return bucket_ring_read_bucket(&agg->seconds, &in);
    default:
        return antenna_read(&agg->antennas, &in);
    }
}

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aggregator agg;
    aggregator_init(&agg, 0);
    tw_wire_reader fields;
    tw_wire_reader_init(&fields, data, size);
    int rc = TW_OK, restored = 0;
    for (int i = 0; i < MAX_FIELDS && rc == TW_OK && fields.pos < fields.len; i++) {
        uint64_t kind = tw_wire_get_varint(&fields);
        const unsigned char *value = NULL;
        size_t len = tw_wire_get_bytes(&fields, &value);
        if (fields.failed)
            break;
        rc = restore_field(&agg, kind, value, len);
        restored += rc == TW_OK;
    }
    if (rc == TW_OK && restored) {
        fuzz_check_snapshot_identity(&agg);
        fuzz_use_restored(&agg);
        fuzz_check_snapshot_identity(&agg);
    }
    aggregator_free(&agg);
    return 0;
}
