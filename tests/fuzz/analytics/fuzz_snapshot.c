/* Fuzzes the restore of a whole-state snapshot (aggregator_snapshot_read: a Kafka
 * partition's checkpoint, read back from Redis): the meta part, the second buckets and
 * every antenna with its sketches, windows and sequence gaps. What restores must
 * snapshot back to itself and stay usable (fuzz_restore.h). */
#include "fuzz_restore.h"

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aggregator agg;
    aggregator_init(&agg, 0);
    if (aggregator_snapshot_read(&agg, data, size) == TW_OK) {
        fuzz_check_snapshot_identity(&agg);
        fuzz_use_restored(&agg);
        fuzz_check_snapshot_identity(&agg);
    }
    aggregator_free(&agg);
    return 0;
}
