/* Exactly-once effect across restarts: the dirty parts of the aggregate state, the
 * dead-letter copies and the XACK of every entry applied since the last checkpoint go to
 * Redis in one MULTI/EXEC. An entry is therefore acknowledged if and only if its effect
 * is in the saved state; after a crash the pending entries are exactly those to apply
 * again on top of the restored state. */
#ifndef ANALYTICS_CHECKPOINT_H
#define ANALYTICS_CHECKPOINT_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator.h"
#include "owed.h"
#include "tw_buf.h"
#include "tw_wire.h"

/* How long an adopted consumer's marker stays: longer than any replica stays frozen. */
#define CHECKPOINT_ADOPTED_MARKER_MS (7LL * 24 * 3600 * 1000)
#define CHECKPOINT_ADOPTED_MARKER_COMMANDS 3 /* DEL, HSET adopted_by, PEXPIRE */

/* The fields of a checkpoint HSET, already encoded as RESP bulk strings: the header
 * (which needs the count) is written when the command is sent. Encoding in place keeps a
 * 10k-antenna checkpoint to one growing buffer instead of 20k small allocations. */
typedef struct {
    tw_buf body;   /* field, value, field, value ... in RESP */
    size_t fields; /* field-value pairs in body */
} checkpoint_fields;

/* A replica's claim on its checkpoint: `<stream>:lease:<consumer>`, set with PX at
 * restore and in every checkpoint transaction. A replica whose lease has expired (and
 * that the group has not heard from) may be adopted by another.
 *
 * Every save also writes the hash's generation ("gen", one more per transaction), and
 * before every save (and after every reconnection) the replica compares Redis' generation
 * with the one it last saved, under the same WATCH as the save. Equal: Redis holds what
 * this replica saved. Different: Redis went back in time (a crash inside `appendfsync
 * everysec`, a restore from an older backup, a failover to a replica that lagged) or
 * took a save whose reply was lost; either way memory and Redis no longer start from the
 * same point, so the replica reloads what Redis holds and replays from there
 * (rolled_back). The generation covers what was saved, not what was applied since:
 * Redis may also have lost the deliveries of those entries with no save among what it
 * lost, so the last entry applied since the save must still be pending here as well.
 * An adopter leaves a marker in the adopted hash ("adopted_by"), so an adoption (fenced:
 * never save again) is told apart from a rollback that took the hash away. */
typedef struct {
    char key[320];       /* the lease key */
    int64_t ttl_ms;      /* lease lifetime (the adoption threshold) */
    uint64_t generation; /* the hash's generation as this replica last saved or read it */
    bool fenced;         /* another replica adopted this state: never save again */
    bool rolled_back;    /* Redis holds another generation: reload and replay */
    int64_t renewed_us;  /* monotonic time of the last renewal (0: verify at next save) */
} checkpoint_lease;

/* What checkpoint_read found in a hash besides the state. */
typedef struct {
    bool found;          /* the hash existed */
    uint64_t generation; /* its "gen" field, 0 when absent */
    bool adopted;        /* it is an adopter's marker: the state moved to another replica */
} checkpoint_info;

typedef struct {
    const char *stream_key;  /* the stream read */
    const char *group;       /* consumer group */
    const char *consumer;    /* this consumer's name */
    char key[320];           /* hash holding this consumer's state */
    char dlq_key[288];       /* dead-letter stream */
    long long dlq_maxlen;    /* MAXLEN ~ for the dead-letter stream */
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
 * clean; info says what else the hash held. TW_OK or TW_ERR with err set. */
int checkpoint_read(aggregator *agg, redisContext *ctx, const char *key, checkpoint_info *info,
                    char *err, size_t err_size);
/* WATCHes this consumer's hash and compares it with what this replica last saved, and
 * checks that `applied` (the last entry applied since that save; NULL when none was) is
 * still pending for this consumer: TW_OK with the WATCH in place when Redis holds that
 * generation and that delivery; TW_ERR otherwise (UNWATCHed), with names->lease->fenced
 * (adopted) or names->lease->rolled_back set and err saying why, or neither on a failed
 * connection. */
int checkpoint_verify(redisContext *ctx, const checkpoint_names *names, const stream_id *applied,
                      char *err, size_t err_size);
/* Adds the "gen" field with the given generation to an HSET being built. */
void checkpoint_add_generation(checkpoint_fields *hset, uint64_t generation);
/* Queues, for a transaction, the commands that turn another consumer's hash into the
 * marker of its adoption by this consumer (kept for CHECKPOINT_ADOPTED_MARKER_MS);
 * returns how many replies they add (CHECKPOINT_ADOPTED_MARKER_COMMANDS). */
size_t checkpoint_append_adopted_marker(redisContext *ctx, const checkpoint_names *names,
                                        const char *adopted_key);
/* Saves what changed since the last save with the acknowledgements and dead letters
 * owed for it (and renews the lease when due); TW_OK, TW_AGAIN
 * when there was nothing to save, or TW_ERR (the owed work is kept for the next try; err
 * says why; names->lease->fenced is set when this state was adopted by another replica). */
int checkpoint_save(aggregator *agg, owed_work *owed, redisContext *ctx,
                    const checkpoint_names *names, char *err, size_t err_size);
/* Takes the lease (when there is one), then restores this consumer's saved state into an
 * empty aggregator; TW_OK (also when nothing was saved yet) or TW_ERR with err set. */
int checkpoint_restore(aggregator *agg, redisContext *ctx, const checkpoint_names *names, char *err,
                       size_t err_size);
#endif
