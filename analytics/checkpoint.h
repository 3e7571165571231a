/* Exactly-once effect across restarts: the dirty parts of the aggregate state, the
 * dead-letter copies and the XACK of every entry applied since the last checkpoint go to
 * Redis in one MULTI/EXEC. An entry is therefore acknowledged if and only if its effect
 * is in the saved state; after a crash the pending entries are exactly those to apply
 * again on top of the restored state. */
#ifndef CHECKPOINT_H
#define CHECKPOINT_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "aggregator.h"
#include "tw_wire.h"

#define CHECKPOINT_FORMAT_VERSION 1

typedef struct {
    const char *stream_key; /* the stream read */
    const char *group;      /* consumer group */
    const char *consumer;   /* this consumer's name */
    char key[320];          /* hash holding this consumer's state */
    char dlq_key[288];      /* dead-letter stream */
    long long dlq_maxlen;   /* MAXLEN ~ for the dead-letter stream */
} checkpoint_names;

/* Derives the checkpoint and dead-letter key names. */
void checkpoint_names_init(checkpoint_names *names, const char *stream_key, const char *group,
                           const char *consumer, long long dlq_maxlen);
/* Saves what changed since the last save; TW_OK, TW_AGAIN when there was nothing to save,
 * or TW_ERR (the owed work is kept for the next try; err says why). */
int checkpoint_save(aggregator *agg, redisContext *ctx, const checkpoint_names *names, char *err,
                    size_t err_size);
/* Restores this consumer's saved state into an empty aggregator; TW_OK (also when nothing
 * was saved yet) or TW_ERR with err set. */
int checkpoint_restore(aggregator *agg, redisContext *ctx, const checkpoint_names *names,
                       char *err, size_t err_size);
/* Appends the totals part of the state ("meta": totals, latency sketch, malformed counts)
 * in the checkpoint's binary form (the Kafka path's snapshots reuse it). */
void checkpoint_encode_meta(const aggregator *agg, tw_wire_writer *out);
/* Reads what checkpoint_encode_meta wrote; TW_OK or TW_INVALID. */
int checkpoint_decode_meta(aggregator *agg, tw_wire_reader *in);

#endif
