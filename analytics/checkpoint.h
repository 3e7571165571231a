/* Exactly-once effect across restarts: the dirty parts of the aggregate state, the
 * dead-letter copies and the XACK of every entry applied since the last checkpoint go to
 * Redis in one MULTI/EXEC. An entry is therefore acknowledged if and only if its effect
 * is in the saved state; after a crash the pending entries are exactly those to apply
 * again on top of the restored state. */
#ifndef CHECKPOINT_H
#define CHECKPOINT_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator.h"
#include "tw_buf.h"
#include "tw_wire.h"

#define CHECKPOINT_FORMAT_VERSION 1

/* The fields of a checkpoint HSET, already encoded as RESP bulk strings: the header
 * (which needs the count) is written when the command is sent. Encoding in place keeps a
 * 10k-antenna checkpoint to one growing buffer instead of 20k small allocations. */
typedef struct {
    tw_buf body;   /* field, value, field, value ... in RESP */
    size_t fields; /* field-value pairs in body */
} checkpoint_fields;

/* A replica's claim on its checkpoint: `<stream>:lease:<consumer>`, set with PX at
 * restore and in every checkpoint transaction. A replica whose lease has expired (and
 * that the group has not heard from) may be adopted by another. Fencing: once this
 * replica's hash exists, its disappearance means it was adopted, and every checkpoint
 * WATCHes the hash, so a replica that comes back after being adopted never saves again. */
typedef struct {
    char key[320];      /* the lease key */
    int64_t ttl_ms;     /* lease lifetime (the adoption threshold) */
    bool state_saved;   /* this consumer's hash exists in Redis (restored or saved) */
    bool fenced;        /* the hash vanished: another replica adopted this state */
    int64_t renewed_us; /* monotonic time of the last renewal */
} checkpoint_lease;

typedef struct {
    const char *stream_key; /* the stream read */
    const char *group;      /* consumer group */
    const char *consumer;   /* this consumer's name */
    char key[320];          /* hash holding this consumer's state */
    char dlq_key[288];      /* dead-letter stream */
    long long dlq_maxlen;   /* MAXLEN ~ for the dead-letter stream */
    checkpoint_lease *lease; /* NULL: no lease and no fencing */
} checkpoint_names;

/* Derives the checkpoint and dead-letter key names. */
void checkpoint_names_init(checkpoint_names *names, const char *stream_key, const char *group,
                           const char *consumer, long long dlq_maxlen);
/* Formats the checkpoint hash key of any consumer of the stream into out. */
void checkpoint_key_of(const char *stream_key, const char *consumer, char *out, size_t out_size);
/* Formats the lease key of any consumer of the stream into out. */
void checkpoint_lease_key_of(const char *stream_key, const char *consumer, char *out,
                             size_t out_size);
/* Gives the consumer a lease of ttl_ms, taken at restore and renewed by every save. */
void checkpoint_lease_init(checkpoint_names *names, checkpoint_lease *lease, int64_t ttl_ms);
/* Queues "SET <lease key> <consumer> PX <ttl>" on ctx (one reply to read). */
void checkpoint_append_lease(redisContext *ctx, const checkpoint_names *names);
/* Appends every dirty part of the state as HSET field/value pairs and clears the dirty
 * flags (the caller holds agg->lock or owns agg alone). */
void checkpoint_encode_dirty(aggregator *agg, checkpoint_fields *hset);
/* Queues "HSET key <fields>" on ctx (one reply to read). */
void checkpoint_append_hset(redisContext *ctx, const char *key, const checkpoint_fields *hset);
/* Reads the checkpoint hash `key` into an empty aggregator, leaving every restored part
 * clean; *found says whether the hash existed. TW_OK or TW_ERR with err set. */
int checkpoint_read(aggregator *agg, redisContext *ctx, const char *key, bool *found, char *err,
                    size_t err_size);
/* Saves what changed since the last save (and renews the lease when due); TW_OK, TW_AGAIN
 * when there was nothing to save, or TW_ERR (the owed work is kept for the next try; err
 * says why; names->lease->fenced is set when this state was adopted by another replica). */
int checkpoint_save(aggregator *agg, redisContext *ctx, const checkpoint_names *names, char *err,
                    size_t err_size);
/* Takes the lease (when there is one), then restores this consumer's saved state into an
 * empty aggregator; TW_OK (also when nothing was saved yet) or TW_ERR with err set. */
int checkpoint_restore(aggregator *agg, redisContext *ctx, const checkpoint_names *names,
                       char *err, size_t err_size);
/* Appends the totals part of the state ("meta": totals, latency sketch, malformed counts)
 * in the checkpoint's binary form (the Kafka path's snapshots reuse it). */
void checkpoint_encode_meta(const aggregator *agg, tw_wire_writer *out);
/* Reads what checkpoint_encode_meta wrote; TW_OK or TW_INVALID. */
int checkpoint_decode_meta(aggregator *agg, tw_wire_reader *in);

#endif
