/* What the Redis path owes to its next checkpoint: the id of every applied entry, to
 * XACK in the same transaction as the state it produced, and the malformed entries to
 * copy to the dead-letter stream. The aggregate state knows nothing of it. Only the
 * aggregator thread touches it (it applies entries, adopts and saves checkpoints), so it
 * needs no lock of its own. */
#ifndef ANALYTICS_OWED_H
#define ANALYTICS_OWED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator.h"
#include "entry.h"

typedef struct {
    stream_id *acks;       /* applied entries to XACK, in applying order */
    size_t ack_count;      /* used */
    size_t ack_cap;        /* allocated */
    analytics_entry *dead; /* malformed entries to copy to the DLQ (own their fields) */
    size_t dead_count;     /* used */
    size_t dead_cap;       /* allocated */
} owed_work;

/* Starts with nothing owed. */
void owed_init(owed_work *owed);
/* Frees what is owed (dead letters release their fields). */
void owed_free(owed_work *owed);
/* Forgets everything owed (after a reload: those entries are pending again in Redis). */
void owed_clear(owed_work *owed);
/* True when nothing is owed: every applied entry's acknowledgement is saved. */
bool owed_none(const owed_work *owed);
/* Applies an entry to agg (the caller holds agg->lock) and owes its acknowledgement and,
 * for a malformed entry, its dead-letter copy (taking ownership of its fields). A claimed
 * entry whose acknowledgement is already owed here was applied once: it is skipped. */
void owed_apply(owed_work *owed, aggregator *agg, analytics_entry *entry, int64_t now_us);
/* Moves everything owed into taken (which starts empty) and leaves owed empty. */
void owed_take(owed_work *owed, owed_work *taken);
/* Puts taken back in front of what was owed since (a save that failed); taken is left
 * empty. */
void owed_give_back(owed_work *owed, owed_work *taken);

#endif
