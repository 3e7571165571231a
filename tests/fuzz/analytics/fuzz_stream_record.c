/* Fuzzes stream record validation the way the Redis path meets it: RESP bytes (the
 * items of an XREADGROUP reply) through hiredis' reader into entry_from_reply (and so
 * tw_report_parse), each entry applied to an aggregate state, with the bounded reply
 * objects every connection of ours uses (an array header of 700 million elements fails
 * the reply instead of allocating 5.6 GB). A rejected record leaves
 * the state untouched but for its malformed counter; a trimmed entry only counts as
 * deleted; and the state reached snapshots and restores to itself. */
#include <hiredis/hiredis.h>
#include <string.h>

#include "aggregator.h"
#include "aggregator_merge.h"
#include "entry.h"
#include "stream_entry.h"
#include "tw_buf.h"
#include "tw_redis_reply.h"
#include "tw_fuzz.h"
#include "tw_status.h"
#include "tw_time.h"

#define MAX_ENTRIES 8
#define NOW_US (INT64_C(1700000000) * TW_US_PER_S)

static void snapshot(const aggregator *agg, tw_buf *out)
{
    tw_buf_reset(out);
    aggregator_snapshot_write(agg, out);
}

static bool same(const tw_buf *a, const tw_buf *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* Applies one entry and checks what it may change. */
static void apply_checked(aggregator *agg, const analytics_entry *entry, int64_t now_us,
                          tw_buf *before, tw_buf *after)
{
    snapshot(agg, before);
    uint64_t records = agg->records, deleted = agg->deleted, duplicates = agg->duplicates;
    int64_t updated = agg->updated_at_us;
    aggregator_apply(agg, entry, now_us);
    if (entry->deleted || entry->malformed != TW_MALFORMED_NONE) {
        uint64_t *counter = entry->deleted ? &agg->deleted : &agg->malformed[entry->malformed];
        TW_FUZZ_CHECK(!entry->deleted || *counter == deleted + 1);
        (*counter)--; /* undo the one change allowed, then the state must be as before */
        agg->updated_at_us = updated;
        snapshot(agg, after);
        TW_FUZZ_CHECK(same(before, after));
        (*counter)++;
        agg->updated_at_us = now_us;
    } else {
        TW_FUZZ_CHECK(agg->records + agg->duplicates == records + duplicates + 1);
    }
}

static void check_restore(const aggregator *agg, tw_buf *first, tw_buf *again)
{
    snapshot(agg, first);
    aggregator restored;
    aggregator_init(&restored, 0);
    TW_FUZZ_CHECK(aggregator_snapshot_read(&restored, first->data, first->len) == TW_OK);
    snapshot(&restored, again);
    TW_FUZZ_CHECK(same(first, again));
    aggregator_free(&restored);
}

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    redisReader *reader = redisReaderCreate();
    tw_redis_bound_reader(reader); /* as every connection of ours reads */
    redisReaderFeed(reader, (const char *)data, size);
    aggregator agg;
    aggregator_init(&agg, 0);
    tw_buf before, after;
    tw_buf_init(&before);
    tw_buf_init(&after);
    int applied = 0;
    for (int i = 0; i < MAX_ENTRIES; i++) {
        void *reply = NULL;
        if (redisReaderGetReply(reader, &reply) != REDIS_OK || !reply)
            break;
        analytics_entry entry;
        int ignored = 0;
        if (entry_from_reply(reply, &entry, &ignored) == TW_OK) {
            TW_FUZZ_CHECK(entry.malformed < TW_MALFORMED_REASON_COUNT);
            apply_checked(&agg, &entry, NOW_US + i * TW_US_PER_S, &before, &after);
            applied++;
            entry_release(&entry);
        }
        freeReplyObject(reply);
    }
    if (applied)
        check_restore(&agg, &before, &after);
    tw_buf_free(&before);
    tw_buf_free(&after);
    aggregator_free(&agg);
    redisReaderFree(reader);
    return 0;
}
