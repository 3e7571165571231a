/* Acknowledgements and dead letters owed to the next checkpoint; see owed.h. */
#include "owed.h"

#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_status.h"

#define OWED_FIRST_CAP 1024

void owed_init(owed_work *owed)
{
    memset(owed, 0, sizeof *owed);
}

void owed_clear(owed_work *owed)
{
    for (size_t i = 0; i < owed->dead_count; i++)
        entry_release(&owed->dead[i]);
    owed->dead_count = 0;
    owed->ack_count = 0;
}

void owed_free(owed_work *owed)
{
    owed_clear(owed);
    free(owed->acks);
    free(owed->dead);
    owed_init(owed);
}

bool owed_none(const owed_work *owed)
{
    return owed->ack_count == 0 && owed->dead_count == 0;
}

/* Makes room for `more` items in an array of item_bytes-sized items. */
static void *reserve(void *items, size_t count, size_t more, size_t *cap, size_t item_bytes)
{
    if (count + more <= *cap)
        return items;
    size_t wanted = *cap ? *cap : OWED_FIRST_CAP;
    while (wanted < count + more)
        wanted *= 2;
    *cap = wanted;
    return tw_xrealloc(items, wanted * item_bytes);
}

static bool awaiting_ack(const owed_work *owed, stream_id id)
{
    for (size_t i = 0; i < owed->ack_count; i++) {
        if (stream_id_compare(owed->acks[i], id) == 0)
            return true;
    }
    return false;
}

void owed_apply(owed_work *owed, aggregator *agg, analytics_entry *entry, int64_t now_us)
{
    if (entry->claimed && awaiting_ack(owed, entry->id)) {
        entry_release(entry);
        return;
    }
    owed->acks = reserve(owed->acks, owed->ack_count, 1, &owed->ack_cap, sizeof *owed->acks);
    owed->acks[owed->ack_count++] = entry->id;
    aggregator_apply(agg, entry, now_us);
    if (entry->malformed == TW_MALFORMED_NONE || entry->deleted) {
        entry_release(entry);
        return;
    }
    owed->dead = reserve(owed->dead, owed->dead_count, 1, &owed->dead_cap, sizeof *owed->dead);
    owed->dead[owed->dead_count++] = *entry;
    entry->dlq_fields = NULL; /* ownership moved */
}

void owed_take(owed_work *owed, owed_work *taken)
{
    *taken = *owed;
    owed_init(owed);
}

void owed_give_back(owed_work *owed, owed_work *taken)
{
    taken->acks = reserve(taken->acks, taken->ack_count, owed->ack_count, &taken->ack_cap,
                          sizeof *taken->acks);
    if (owed->ack_count)
        memcpy(taken->acks + taken->ack_count, owed->acks, owed->ack_count * sizeof *owed->acks);
    taken->ack_count += owed->ack_count;
    taken->dead = reserve(taken->dead, taken->dead_count, owed->dead_count, &taken->dead_cap,
                          sizeof *taken->dead);
    if (owed->dead_count)
        memcpy(taken->dead + taken->dead_count, owed->dead, owed->dead_count * sizeof *owed->dead);
    taken->dead_count += owed->dead_count;
    free(owed->acks);
    free(owed->dead);
    *owed = *taken;
    owed_init(taken);
}
