/* The Kafka path's checkpoints: one Redis hash per topic partition, holding the
 * partition's whole aggregate state ("state", an aggregator snapshot), the offset of the
 * next message to apply ("offset") and its current owner ("owner", a token per
 * assignment). Any replica can reach it, so a partition that moves to another replica
 * moves its state. A save only happens while the saver still owns the hash (WATCH +
 * HGET owner + MULTI/EXEC): a replica that lost its partition cannot overwrite the state
 * its successor restored. */
#ifndef ANALYTICS_KAFKA_CHECKPOINT_H
#define ANALYTICS_KAFKA_CHECKPOINT_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator.h"

#define KAFKA_CHECKPOINT_KEY_BYTES 512
#define KAFKA_NO_OFFSET (-1) /* nothing applied yet: start at the partition's beginning */

/* Formats the hash key: <stream_key>:ckpt:kafka:<group>:<topic>:<partition> (inside the
 * analytics ACL user's <stream_key>:ckpt:* key pattern). */
void kafka_checkpoint_key(char *out, size_t out_size, const char *stream_key, const char *group,
                          const char *topic, int32_t partition);
/* Becomes the owner of key (fencing earlier owners), then restores its state into the
 * empty agg and the next offset into *next_offset (KAFKA_NO_OFFSET when never saved).
 * TW_OK, TW_ERR (Redis failed) or TW_INVALID (corrupt state); err says why. */
int kafka_checkpoint_claim(redisContext *ctx, const char *key, const char *owner,
                           aggregator *agg, int64_t *next_offset, char *err, size_t err_size);
/* Saves agg's whole state with next_offset if owner still owns key. TW_OK, TW_INVALID
 * when another replica owns it now, TW_ERR when Redis failed; err says why. */
int kafka_checkpoint_save(redisContext *ctx, const char *key, const char *owner,
                          const aggregator *agg, int64_t next_offset, char *err,
                          size_t err_size);

#endif
