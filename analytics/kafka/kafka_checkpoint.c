/* Per-partition checkpoint hashes in Redis; see kafka_checkpoint.h. */
#include "kafka_checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator_merge.h"
#include "tw_redis.h"
#include "tw_status.h"

#define OFFSET_TEXT_BYTES 32

void kafka_checkpoint_key(char *out, size_t out_size, const char *stream_key, const char *group,
                          const char *topic, int32_t partition)
{
    snprintf(out, out_size, "%s:ckpt:kafka:%s:%s:%" PRId32, stream_key, group, topic, partition);
}

/* Reads n pipelined replies; TW_OK when none failed. The last one is kept in *last. */
static int read_replies(redisContext *ctx, int n, redisReply **last, char *err, size_t err_size)
{
    int status = TW_OK;
    *last = NULL;
    for (int i = 0; i < n; i++) {
        redisReply *reply = NULL;
        if (redisGetReply(ctx, (void **)&reply) != REDIS_OK || !reply) {
            snprintf(err, err_size, "redis: %s", ctx->errstr[0] ? ctx->errstr : "no reply");
            freeReplyObject(*last);
            *last = NULL;
            return TW_ERR;
        }
        if (tw_redis_reply_is_error(reply, err, err_size))
            status = TW_ERR;
        if (i + 1 < n)
            freeReplyObject(reply);
        else
            *last = reply;
    }
    return status;
}

static int restore_fields(const redisReply *hash, aggregator *agg, int64_t *next_offset,
                          char *err, size_t err_size)
{
    *next_offset = KAFKA_NO_OFFSET;
    for (size_t i = 0; i + 1 < hash->elements; i += 2) {
        const redisReply *name = hash->element[i], *value = hash->element[i + 1];
        if (!strcmp(name->str, "state") &&
            aggregator_snapshot_read(agg, value->str, value->len) != TW_OK) {
            snprintf(err, err_size, "checkpoint state is corrupt or of another version");
            return TW_INVALID;
        }
        if (!strcmp(name->str, "offset")) {
            char *end = NULL;
            long long offset = strtoll(value->str, &end, 10);
            if (end == value->str || *end || offset < 0) {
                snprintf(err, err_size, "checkpoint offset \"%s\" is not an offset", value->str);
                return TW_INVALID;
            }
            *next_offset = offset;
        }
    }
    return TW_OK;
}

int kafka_checkpoint_claim(redisContext *ctx, const char *key, const char *owner,
                           aggregator *agg, int64_t *next_offset, char *err, size_t err_size)
{
    redisAppendCommand(ctx, "HSET %s owner %s", key, owner);
    redisAppendCommand(ctx, "HGETALL %s", key);
    redisReply *hash = NULL;
    int status = read_replies(ctx, 2, &hash, err, err_size);
    if (status == TW_OK && hash->type != REDIS_REPLY_ARRAY) {
        snprintf(err, err_size, "HGETALL %s: not a hash", key);
        status = TW_INVALID;
    }
    if (status == TW_OK)
        status = restore_fields(hash, agg, next_offset, err, err_size);
    freeReplyObject(hash);
    return status;
}

/* WATCH the key and read its owner; TW_OK when it is still `owner`. */
static int still_owner(redisContext *ctx, const char *key, const char *owner, char *err,
                       size_t err_size)
{
    redisAppendCommand(ctx, "WATCH %s", key);
    redisAppendCommand(ctx, "HGET %s owner", key);
    redisReply *current = NULL;
    int status = read_replies(ctx, 2, &current, err, err_size);
    if (status == TW_OK && (current->type != REDIS_REPLY_STRING || strcmp(current->str, owner))) {
        snprintf(err, err_size, "partition now owned by %s",
                 current->type == REDIS_REPLY_STRING ? current->str : "nobody");
        status = TW_INVALID;
    }
    freeReplyObject(current);
    if (status == TW_INVALID) {
        redisReply *reply = redisCommand(ctx, "UNWATCH");
        if (!reply)
            status = TW_ERR;
        freeReplyObject(reply);
    }
    return status;
}

int kafka_checkpoint_save(redisContext *ctx, const char *key, const char *owner,
                          const aggregator *agg, int64_t next_offset, char *err,
                          size_t err_size)
{
    int status = still_owner(ctx, key, owner, err, err_size);
    if (status != TW_OK)
        return status;
    tw_buf state;
    tw_buf_init(&state);
    aggregator_snapshot_write(agg, &state);
    char offset[OFFSET_TEXT_BYTES];
    snprintf(offset, sizeof offset, "%" PRId64, next_offset);
    redisAppendCommand(ctx, "MULTI");
    redisAppendCommand(ctx, "HSET %s state %b offset %s", key, state.data ? state.data : "",
                       state.len, offset);
    redisAppendCommand(ctx, "EXEC");
    tw_buf_free(&state);
    redisReply *exec = NULL;
    status = tw_redis_read_transaction(ctx, 1, &exec, err, err_size);
    if (status == TW_AGAIN) {
        snprintf(err, err_size, "partition taken over while saving");
        status = TW_INVALID;
    } else if (status == TW_OK && tw_redis_exec_errors(exec, err, err_size) > 0) {
        status = TW_ERR;
    }
    freeReplyObject(exec);
    return status;
}
