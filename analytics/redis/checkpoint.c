/* Checkpoint save and restore; see checkpoint.h. The state is encoded with tw_wire into
 * fields of one hash: "meta" (totals), "s:<i>" (global second bucket i), "a:<id>"
 * (antenna). Only dirty fields are written, so a checkpoint costs what changed. */
#include "checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_codec.h"
#include "tw_alloc.h"
#include "tw_decimal.h"
#include "tw_redis.h"
#include "tw_resp.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_wire.h"

#define FIELD_NAME_BYTES 80
#define FIELD_GENERATION "gen"        /* transactions saved into this hash */
#define FIELD_ADOPTED_BY "adopted_by" /* marker: the consumer that adopted this state */
#define GENERATION_TEXT_BYTES 24
#define LEASE_RENEWALS_PER_TTL 4 /* an idle replica renews its lease this often per ttl */

void checkpoint_names_init(checkpoint_names *names, const char *stream_key, const char *group,
                           const char *consumer, long long dlq_maxlen)
{
    names->stream_key = stream_key;
    names->group = group;
    names->consumer = consumer;
    names->dlq_maxlen = dlq_maxlen;
    names->lease = NULL;
    checkpoint_key_of(stream_key, consumer, names->key, sizeof names->key);
    snprintf(names->dlq_key, sizeof names->dlq_key, "%s:dlq", stream_key);
}

void checkpoint_key_of(const char *stream_key, const char *consumer, char *out, size_t out_size)
{
    snprintf(out, out_size, "%s:ckpt:%s", stream_key, consumer);
}

void checkpoint_lease_key_of(const char *stream_key, const char *consumer, char *out,
                             size_t out_size)
{
    snprintf(out, out_size, "%s:lease:%s", stream_key, consumer);
}

void checkpoint_lease_init(checkpoint_names *names, checkpoint_lease *lease, int64_t ttl_ms)
{
    memset(lease, 0, sizeof *lease);
    checkpoint_lease_key_of(names->stream_key, names->consumer, lease->key, sizeof lease->key);
    lease->ttl_ms = ttl_ms;
    names->lease = lease;
}

void checkpoint_append_lease(redisContext *ctx, const checkpoint_names *names)
{
    redisAppendCommand(ctx, "SET %s %s PX %lld", names->lease->key, names->consumer,
                       (long long)names->lease->ttl_ms);
}

/* Adds "field blob" to the HSET. */
static void add_field(checkpoint_fields *hset, const char *field, const tw_buf *blob)
{
    tw_resp_bulk_str(&hset->body, field);
    tw_resp_bulk(&hset->body, blob->data ? blob->data : "", blob->len);
    hset->fields++;
}

void checkpoint_add_generation(checkpoint_fields *hset, uint64_t generation)
{
    char text[GENERATION_TEXT_BYTES];
    int len = snprintf(text, sizeof text, "%llu", (unsigned long long)generation);
    tw_resp_bulk_str(&hset->body, FIELD_GENERATION);
    tw_resp_bulk(&hset->body, text, (size_t)len);
    hset->fields++;
}

size_t checkpoint_append_adopted_marker(redisContext *ctx, const checkpoint_names *names,
                                        const char *adopted_key)
{
    redisAppendCommand(ctx, "DEL %s", adopted_key);
    redisAppendCommand(ctx, "HSET %s %s %s", adopted_key, FIELD_ADOPTED_BY, names->consumer);
    redisAppendCommand(ctx, "PEXPIRE %s %lld", adopted_key, CHECKPOINT_ADOPTED_MARKER_MS);
    return CHECKPOINT_ADOPTED_MARKER_COMMANDS;
}

/* What one save took out of the aggregator and the owed work, to give back if the save
 * fails. */
typedef struct {
    owed_work owed;           /* acknowledgements and dead letters taken */
    antenna_state **antennas; /* antennas written */
    size_t antenna_count;
    uint32_t *seconds; /* second buckets written */
    size_t second_count;
    bool meta;
} save_batch;

/* Encodes the dirty parts into HSET fields, clearing their flags; records what was
 * written in batch when given (to mark it dirty again if the save fails). */
static void encode_dirty(aggregator *agg, checkpoint_fields *hset, save_batch *batch)
{
    tw_buf blob;
    tw_buf_init(&blob);
    tw_wire_writer out = {&blob};
    char field[FIELD_NAME_BYTES];
    if (agg->meta_dirty) {
        state_codec_write_meta(agg, &out);
        add_field(hset, "meta", &blob);
        agg->meta_dirty = false;
        if (batch)
            batch->meta = true;
    }
    for (uint32_t i = 0; i < agg->seconds.count; i++) {
        if (!agg->seconds.buckets[i].dirty)
            continue;
        tw_buf_reset(&blob);
        bucket_ring_write_bucket(&agg->seconds, i, &out);
        snprintf(field, sizeof field, "s:%u", i);
        add_field(hset, field, &blob);
        agg->seconds.buckets[i].dirty = false;
        if (batch)
            batch->seconds[batch->second_count++] = i;
    }
    for (size_t i = 0; i < agg->antennas.count; i++) {
        antenna_state *antenna = agg->antennas.items[i];
        if (!antenna->dirty)
            continue;
        tw_buf_reset(&blob);
        antenna_write(antenna, &out);
        snprintf(field, sizeof field, "a:%s", antenna->id);
        add_field(hset, field, &blob);
        antenna->dirty = false;
        if (batch)
            batch->antennas[batch->antenna_count++] = antenna;
    }
    tw_buf_free(&blob);
}

void checkpoint_encode_dirty(aggregator *agg, checkpoint_fields *hset)
{
    encode_dirty(agg, hset, NULL);
}

/* Under the lock: encode dirty state into HSET fields and take the owed acks/dead letters. */
static void collect(aggregator *agg, owed_work *owed, checkpoint_fields *hset, save_batch *batch)
{
    batch->seconds = tw_xmalloc(agg->seconds.count * sizeof *batch->seconds);
    batch->antennas = tw_xmalloc((agg->antennas.count + 1) * sizeof *batch->antennas);
    encode_dirty(agg, hset, batch);
    owed_take(owed, &batch->owed);
}

/* Under the lock: a failed save gives its work back, to be retried. */
static void give_back(aggregator *agg, owed_work *owed, save_batch *batch)
{
    agg->meta_dirty |= batch->meta;
    for (size_t i = 0; i < batch->second_count; i++)
        agg->seconds.buckets[batch->seconds[i]].dirty = true;
    for (size_t i = 0; i < batch->antenna_count; i++)
        batch->antennas[i]->dirty = true;
    owed_give_back(owed, &batch->owed);
}

static void free_batch(save_batch *batch)
{
    owed_free(&batch->owed);
    free(batch->antennas);
    free(batch->seconds);
}

/* Field names of the dead-letter copy that come before the original fields. */
#define DEAD_LETTER_HEAD_ARGS 12

static void append_dead_letter(redisContext *ctx, const checkpoint_names *names,
                               const analytics_entry *entry)
{
    char id[48], maxlen[24];
    stream_id_format(entry->id, id, sizeof id);
    snprintf(maxlen, sizeof maxlen, "%lld", names->dlq_maxlen);
    const char *head[DEAD_LETTER_HEAD_ARGS] = {
        "XADD",     names->dlq_key, "MAXLEN", "~",      maxlen,
        "*",        "source_id",    id,       "reason", tw_malformed_reason_name(entry->malformed),
        "consumer", names->consumer};
    tw_wire_reader in;
    tw_wire_reader_init(&in, entry->dlq_fields, entry->dlq_fields_len);
    uint64_t count = entry->dlq_fields ? tw_wire_get_varint(&in) : 0;
    tw_buf body;
    tw_buf_init(&body);
    uint64_t written = 0;
    for (; written < count && !in.failed; written++) {
        const unsigned char *data;
        size_t len = tw_wire_get_bytes(&in, &data);
        if (in.failed)
            break;
        if (written % 2 == 0 && len < FIELD_NAME_BYTES - 2) {
            /* original field names are kept under "f." so they cannot clash with ours */
            char prefixed[FIELD_NAME_BYTES];
            int n = snprintf(prefixed, sizeof prefixed, "f.%.*s", (int)len, (const char *)data);
            tw_resp_bulk(&body, prefixed, (size_t)n);
        } else {
            tw_resp_bulk(&body, data, len);
        }
    }
    if (written % 2) {
        tw_resp_bulk(&body, "", 0); /* an odd raw field list gets an empty last value */
        written++;
    }
    tw_buf command;
    tw_buf_init(&command);
    tw_resp_array(&command, DEAD_LETTER_HEAD_ARGS + written);
    for (size_t i = 0; i < DEAD_LETTER_HEAD_ARGS; i++)
        tw_resp_bulk_str(&command, head[i]);
    tw_buf_append(&command, body.data, body.len);
    redisAppendFormattedCommand(ctx, command.data, command.len);
    tw_buf_free(&command);
    tw_buf_free(&body);
}

/* XACK of every id in the batch, encoded straight into RESP: a checkpoint acknowledges
 * thousands of ids, and an argv of separately allocated strings costs more than the rest
 * of the save. */
static void append_acks(redisContext *ctx, const checkpoint_names *names, const save_batch *batch)
{
    tw_buf xack;
    tw_buf_init(&xack);
    tw_resp_array(&xack, 3 + batch->owed.ack_count);
    tw_resp_bulk_str(&xack, "XACK");
    tw_resp_bulk_str(&xack, names->stream_key);
    tw_resp_bulk_str(&xack, names->group);
    for (size_t i = 0; i < batch->owed.ack_count; i++)
        tw_resp_bulk_stream_id(&xack, batch->owed.acks[i].ms, batch->owed.acks[i].seq);
    redisAppendFormattedCommand(ctx, xack.data, xack.len);
    tw_buf_free(&xack);
}

void checkpoint_append_hset(redisContext *ctx, const char *key, const checkpoint_fields *hset)
{
    tw_buf header;
    tw_buf_init(&header);
    tw_resp_array(&header, 2 + 2 * hset->fields);
    tw_resp_bulk_str(&header, "HSET");
    tw_resp_bulk_str(&header, key);
    redisAppendFormattedCommand(ctx, header.data, header.len);
    redisAppendFormattedCommand(ctx, hset->body.data, hset->body.len);
    tw_buf_free(&header);
}

/* Reads the transaction's replies; TW_OK when EXEC applied every command. An EXEC
 * aborted by WATCH (nil) is an error, with err saying so. */
static int read_transaction(redisContext *ctx, size_t queued, char *err, size_t err_size)
{
    redisReply *exec = NULL;
    int status = tw_redis_read_transaction(ctx, queued, &exec, err, err_size);
    if (status == TW_AGAIN)
        snprintf(err, err_size, "checkpoint transaction aborted: its hash changed");
    else if (status == TW_OK && tw_redis_exec_errors(exec, err, err_size) > 0)
        status = TW_ERR;
    freeReplyObject(exec);
    return status == TW_OK ? TW_OK : TW_ERR;
}

/* Sends MULTI ... EXEC and checks every reply; returns TW_OK when EXEC applied it all. */
static int run_transaction(redisContext *ctx, const checkpoint_names *names,
                           const checkpoint_fields *hset, const save_batch *batch, char *err,
                           size_t err_size)
{
    size_t commands = 2;
    redisAppendCommand(ctx, "MULTI");
    if (hset->fields) {
        checkpoint_append_hset(ctx, names->key, hset);
        commands++;
    }
    for (size_t i = 0; i < batch->owed.dead_count; i++, commands++)
        append_dead_letter(ctx, names, &batch->owed.dead[i]);
    if (batch->owed.ack_count) {
        append_acks(ctx, names, batch);
        commands++;
    }
    if (names->lease) {
        checkpoint_append_lease(ctx, names);
        commands++;
    }
    redisAppendCommand(ctx, "EXEC");
    return read_transaction(ctx, commands - 2, err, err_size); /* less MULTI and EXEC */
}

/* Reads a "gen" value (a decimal count); TW_OK or TW_INVALID. */
static int parse_generation(const redisReply *value, uint64_t *out)
{
    return tw_parse_u64(value->str, value->len, out) == TW_DECIMAL_OK ? TW_OK : TW_INVALID;
}

/* The generation Redis holds compared with ours: sets fenced or rolled_back and err. An
 * unreadable one cannot be ours either. */
static int judge_generation(const checkpoint_names *names, const redisReply *fields, char *err,
                            size_t err_size)
{
    checkpoint_lease *lease = names->lease;
    const redisReply *gen = fields->element[0], *adopted_by = fields->element[1];
    if (adopted_by->type == REDIS_REPLY_STRING) {
        lease->fenced = true;
        snprintf(err, err_size, "%s was adopted by %s", names->key, adopted_by->str);
        return TW_ERR;
    }
    uint64_t held = 0;
    bool readable = gen->type != REDIS_REPLY_STRING || parse_generation(gen, &held) == TW_OK;
    if (readable && held == lease->generation)
        return TW_OK;
    lease->rolled_back = true;
    snprintf(err, err_size,
             "%s holds generation %llu, this replica saved generation %llu: Redis lost or "
             "took writes this replica did not see",
             names->key, (unsigned long long)held, (unsigned long long)lease->generation);
    return TW_ERR;
}

/* The last entry applied since the last save must still be pending for this consumer:
 * deliveries are not part of the checkpoint, so Redis can lose them (with the entries
 * themselves) while every generation saved survives, when what it lost holds no save of
 * this replica. The group then delivers those entries again, to any replica, and the
 * simulator re-sends the reports lost with them, while their effect is still in memory
 * here. Redis loses the end of its history (AOF or replication order), and entries are
 * applied in the order they were delivered here, so when the last one is still pending
 * here every earlier one is too. Sets rolled_back when it is not. */
static int judge_delivery(const checkpoint_names *names, const redisReply *pending, const char *id,
                          char *err, size_t err_size)
{
    if (tw_redis_reply_is_error(pending, err, err_size))
        return TW_ERR;
    if (pending->type == REDIS_REPLY_ARRAY && pending->elements > 0)
        return TW_OK;
    names->lease->rolled_back = true;
    snprintf(err, err_size,
             "entry %s, applied here since the last save, is no longer pending for %s: Redis "
             "lost its delivery or another consumer took it",
             id, names->consumer);
    return TW_ERR;
}

int checkpoint_verify(redisContext *ctx, const checkpoint_names *names, const stream_id *applied,
                      char *err, size_t err_size)
{
    char id[48] = "";
    size_t sent = 2;
    redisAppendCommand(ctx, "WATCH %s", names->key);
    redisAppendCommand(ctx, "HMGET %s %s %s", names->key, FIELD_GENERATION, FIELD_ADOPTED_BY);
    if (applied) {
        stream_id_format(*applied, id, sizeof id);
        redisAppendCommand(ctx, "XPENDING %s %s %s %s 1 %s", names->stream_key, names->group, id,
                           id, names->consumer);
        sent++;
    }
    redisReply *replies[3] = {NULL, NULL, NULL};
    int status = TW_OK;
    for (size_t i = 0; i < sent && status == TW_OK; i++) {
        if (redisGetReply(ctx, (void **)&replies[i]) != REDIS_OK) {
            snprintf(err, err_size, "checkpoint: %s", ctx->errstr);
            status = TW_ERR;
        }
    }
    const redisReply *watch = replies[0], *fields = replies[1];
    if (status != TW_OK || tw_redis_reply_is_error(watch, err, err_size) ||
        tw_redis_reply_is_error(fields, err, err_size) || fields->type != REDIS_REPLY_ARRAY ||
        fields->elements != 2)
        status = TW_ERR;
    else
        status = judge_generation(names, fields, err, err_size);
    if (status == TW_OK && applied)
        status = judge_delivery(names, replies[2], id, err, err_size);
    for (size_t i = 0; i < sent; i++)
        freeReplyObject(replies[i]);
    if (status != TW_OK && ctx->err == 0)
        freeReplyObject(redisCommand(ctx, "UNWATCH"));
    return status;
}

static bool lease_due(const checkpoint_lease *lease)
{
    return lease &&
           (lease->renewed_us == 0 || tw_mono_us() - lease->renewed_us >=
                                          lease->ttl_ms * TW_US_PER_MS / LEASE_RENEWALS_PER_TTL);
}

/* Runs the save transaction (fenced when there is a lease); TW_OK or TW_ERR. */
static int save_batch_now(redisContext *ctx, const checkpoint_names *names,
                          const checkpoint_fields *hset, const save_batch *batch, char *err,
                          size_t err_size)
{
    checkpoint_lease *lease = names->lease;
    int64_t started_us = tw_mono_us();
    const stream_id *applied =
        batch->owed.ack_count ? &batch->owed.acks[batch->owed.ack_count - 1] : NULL;
    if (lease && checkpoint_verify(ctx, names, applied, err, err_size) != TW_OK)
        return TW_ERR;
    int status = run_transaction(ctx, names, hset, batch, err, err_size);
    if (status == TW_OK && lease) {
        lease->renewed_us = started_us;
        lease->generation += hset->fields > 0;
    }
    return status;
}

int checkpoint_save(aggregator *agg, owed_work *owed_now, redisContext *ctx,
                    const checkpoint_names *names, char *err, size_t err_size)
{
    checkpoint_fields hset = {.fields = 0};
    tw_buf_init(&hset.body);
    save_batch batch = {0};
    pthread_mutex_lock(&agg->lock);
    collect(agg, owed_now, &hset, &batch);
    pthread_mutex_unlock(&agg->lock);
    bool owed = hset.fields || !owed_none(&batch.owed);
    if (owed && names->lease)
        checkpoint_add_generation(&hset, names->lease->generation + 1);
    int status = TW_AGAIN;
    if (owed || lease_due(names->lease)) {
        status = save_batch_now(ctx, names, &hset, &batch, err, err_size);
        if (status != TW_OK) {
            pthread_mutex_lock(&agg->lock);
            give_back(agg, owed_now, &batch);
            pthread_mutex_unlock(&agg->lock);
        }
    }
    tw_buf_free(&hset.body);
    free_batch(&batch);
    return status;
}

static int restore_field(aggregator *agg, const redisReply *name, const redisReply *value,
                         checkpoint_info *info)
{
    if (!strcmp(name->str, FIELD_GENERATION))
        return parse_generation(value, &info->generation);
    if (!strcmp(name->str, FIELD_ADOPTED_BY)) {
        info->adopted = true;
        return TW_OK;
    }
    tw_wire_reader in;
    tw_wire_reader_init(&in, value->str, value->len);
    if (!strcmp(name->str, "meta"))
        return state_codec_read_meta(agg, &in);
    if (!strncmp(name->str, "s:", 2))
        return bucket_ring_read_bucket(&agg->seconds, &in);
    if (!strncmp(name->str, "a:", 2))
        return antenna_read(&agg->antennas, &in);
    return TW_INVALID;
}

int checkpoint_read(aggregator *agg, redisContext *ctx, const char *key, checkpoint_info *info,
                    char *err, size_t err_size)
{
    *info = (checkpoint_info){.found = false};
    redisReply *reply = redisCommand(ctx, "HGETALL %s", key);
    if (!reply || tw_redis_reply_is_error(reply, err, err_size) ||
        reply->type != REDIS_REPLY_ARRAY) {
        if (!reply)
            snprintf(err, err_size, "HGETALL: %s", ctx->errstr);
        freeReplyObject(reply);
        return TW_ERR;
    }
    info->found = reply->elements > 0;
    int status = TW_OK;
    for (size_t i = 0; i + 1 < reply->elements && status == TW_OK; i += 2) {
        if (restore_field(agg, reply->element[i], reply->element[i + 1], info) != TW_OK) {
            snprintf(err, err_size, "checkpoint field %s in %s is corrupt or of another version",
                     reply->element[i]->str, key);
            status = TW_ERR;
        }
    }
    freeReplyObject(reply);
    pthread_mutex_lock(&agg->lock);
    for (size_t i = 0; i < agg->antennas.count; i++)
        agg->antennas.items[i]->dirty = false;
    for (uint32_t i = 0; i < agg->seconds.count; i++)
        agg->seconds.buckets[i].dirty = false;
    pthread_mutex_unlock(&agg->lock);
    return status;
}

/* Takes the lease before reading: an adopter that WATCHed it then aborts, and one that
 * already adopted has deleted the hash, which then reads as empty. */
static int take_lease(redisContext *ctx, const checkpoint_names *names, char *err, size_t err_size)
{
    checkpoint_append_lease(ctx, names);
    redisReply *reply = NULL;
    if (redisGetReply(ctx, (void **)&reply) != REDIS_OK) {
        snprintf(err, err_size, "SET lease: %s", ctx->errstr);
        return TW_ERR;
    }
    int status = tw_redis_reply_is_error(reply, err, err_size) ? TW_ERR : TW_OK;
    freeReplyObject(reply);
    if (status == TW_OK)
        names->lease->renewed_us = tw_mono_us();
    return status;
}

/* The hash is the marker an adopter left for an earlier process of this name: its state
 * lives on in the adopter, so this one starts empty and removes the marker. */
static int clear_adopted_marker(redisContext *ctx, const checkpoint_names *names, char *err,
                                size_t err_size)
{
    redisReply *reply = redisCommand(ctx, "DEL %s", names->key);
    int status = !reply || tw_redis_reply_is_error(reply, err, err_size) ? TW_ERR : TW_OK;
    if (!reply)
        snprintf(err, err_size, "DEL: %s", ctx->errstr);
    freeReplyObject(reply);
    return status;
}

int checkpoint_restore(aggregator *agg, redisContext *ctx, const checkpoint_names *names, char *err,
                       size_t err_size)
{
    if (names->lease && take_lease(ctx, names, err, err_size) != TW_OK)
        return TW_ERR;
    checkpoint_info info;
    int status = checkpoint_read(agg, ctx, names->key, &info, err, err_size);
    if (status == TW_OK && info.adopted)
        status = clear_adopted_marker(ctx, names, err, err_size);
    if (names->lease && status == TW_OK) {
        names->lease->generation = info.adopted ? 0 : info.generation;
        names->lease->fenced = false;
        names->lease->rolled_back = false;
    }
    return status;
}
