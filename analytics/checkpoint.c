/* Checkpoint save and restore; see checkpoint.h. The state is encoded with tw_wire into
 * fields of one hash: "meta" (totals), "s:<i>" (global second bucket i), "a:<id>"
 * (antenna). Only dirty fields are written, so a checkpoint costs what changed. */
#include "checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_redis.h"
#include "tw_resp.h"
#include "tw_status.h"
#include "tw_wire.h"

#define FIELD_NAME_BYTES 80

/* The fields of the checkpoint's HSET, already encoded as RESP bulk strings: the header
 * (which needs the count) is written when the command is sent. Encoding in place keeps a
 * 10k-antenna checkpoint to one growing buffer instead of 20k small allocations. */
typedef struct {
    tw_buf body;   /* field, value, field, value ... in RESP */
    size_t fields; /* field-value pairs in body */
} hset_fields;

void checkpoint_names_init(checkpoint_names *names, const char *stream_key, const char *group,
                           const char *consumer, long long dlq_maxlen)
{
    names->stream_key = stream_key;
    names->group = group;
    names->consumer = consumer;
    names->dlq_maxlen = dlq_maxlen;
    snprintf(names->key, sizeof names->key, "%s:ckpt:%s", stream_key, consumer);
    snprintf(names->dlq_key, sizeof names->dlq_key, "%s:dlq", stream_key);
}

static void write_meta(const aggregator *agg, tw_wire_writer *out)
{
    tw_wire_put_varint(out, CHECKPOINT_FORMAT_VERSION);
    tw_wire_put_svarint(out, agg->started_at_us);
    tw_wire_put_varint(out, agg->records);
    tw_wire_put_varint(out, agg->packets);
    tw_wire_put_varint(out, agg->loss);
    tw_sketch_write(&agg->latency, out);
    tw_wire_put_varint(out, TW_MALFORMED_REASON_COUNT);
    for (int i = 0; i < TW_MALFORMED_REASON_COUNT; i++)
        tw_wire_put_varint(out, agg->malformed[i]);
    tw_wire_put_varint(out, agg->duplicates);
    tw_wire_put_varint(out, agg->deleted);
    tw_wire_put_varint(out, agg->ignored_optional);
}

static int read_meta(aggregator *agg, tw_wire_reader *in)
{
    if (tw_wire_get_varint(in) != CHECKPOINT_FORMAT_VERSION)
        return TW_INVALID;
    agg->started_at_us = tw_wire_get_svarint(in);
    agg->records = tw_wire_get_varint(in);
    agg->packets = tw_wire_get_varint(in);
    agg->loss = tw_wire_get_varint(in);
    tw_sketch_free(&agg->latency);
    if (tw_sketch_read(&agg->latency, in) != TW_OK)
        return TW_INVALID;
    uint64_t reasons = tw_wire_get_varint(in);
    if (reasons != TW_MALFORMED_REASON_COUNT)
        return TW_INVALID;
    for (uint64_t i = 0; i < reasons; i++)
        agg->malformed[i] = tw_wire_get_varint(in);
    agg->duplicates = tw_wire_get_varint(in);
    agg->deleted = tw_wire_get_varint(in);
    agg->ignored_optional = tw_wire_get_varint(in);
    return in->failed ? TW_INVALID : TW_OK;
}

/* Adds "field blob" to the HSET. */
static void add_field(hset_fields *hset, const char *field, const tw_buf *blob)
{
    tw_resp_bulk_str(&hset->body, field);
    tw_resp_bulk(&hset->body, blob->data ? blob->data : "", blob->len);
    hset->fields++;
}

/* What one save took out of the aggregator, to give back if the save fails. */
typedef struct {
    stream_id *acks;
    size_t ack_count;
    analytics_entry *dead;
    size_t dead_count;
    antenna_state **antennas; /* antennas written */
    size_t antenna_count;
    uint32_t *seconds;        /* second buckets written */
    size_t second_count;
    bool meta;
} save_batch;

/* Under the lock: encode dirty state into HSET args and take the owed acks/dead letters. */
static void collect(aggregator *agg, hset_fields *hset, save_batch *batch)
{
    tw_buf blob;
    tw_buf_init(&blob);
    tw_wire_writer out = {&blob};
    char field[FIELD_NAME_BYTES];
    if (agg->meta_dirty) {
        write_meta(agg, &out);
        add_field(hset, "meta", &blob);
        batch->meta = true;
        agg->meta_dirty = false;
    }
    batch->seconds = malloc(agg->seconds.count * sizeof *batch->seconds);
    for (uint32_t i = 0; i < agg->seconds.count; i++) {
        if (!agg->seconds.buckets[i].dirty)
            continue;
        tw_buf_reset(&blob);
        bucket_ring_write_bucket(&agg->seconds, i, &out);
        snprintf(field, sizeof field, "s:%u", i);
        add_field(hset, field, &blob);
        agg->seconds.buckets[i].dirty = false;
        batch->seconds[batch->second_count++] = i;
    }
    batch->antennas = malloc((agg->antennas.count + 1) * sizeof *batch->antennas);
    for (size_t i = 0; i < agg->antennas.count; i++) {
        antenna_state *antenna = agg->antennas.items[i];
        if (!antenna->dirty)
            continue;
        tw_buf_reset(&blob);
        antenna_write(antenna, &out);
        snprintf(field, sizeof field, "a:%s", antenna->id);
        add_field(hset, field, &blob);
        antenna->dirty = false;
        batch->antennas[batch->antenna_count++] = antenna;
    }
    tw_buf_free(&blob);
    batch->acks = agg->acks;
    batch->ack_count = agg->ack_count;
    batch->dead = agg->dead;
    batch->dead_count = agg->dead_count;
    agg->acks = NULL;
    agg->ack_count = agg->ack_cap = 0;
    agg->dead = NULL;
    agg->dead_count = agg->dead_cap = 0;
}

static void append_to(void **items, size_t *count, size_t *cap, const void *more,
                      size_t more_count, size_t item_bytes)
{
    if (*count + more_count > *cap) {
        *cap = *count + more_count;
        *items = realloc(*items, *cap * item_bytes);
        if (!*items)
            abort();
    }
    memcpy((char *)*items + *count * item_bytes, more, more_count * item_bytes);
    *count += more_count;
}

/* Under the lock: a failed save gives its work back, to be retried. */
static void give_back(aggregator *agg, save_batch *batch)
{
    agg->meta_dirty |= batch->meta;
    for (size_t i = 0; i < batch->second_count; i++)
        agg->seconds.buckets[batch->seconds[i]].dirty = true;
    for (size_t i = 0; i < batch->antenna_count; i++)
        batch->antennas[i]->dirty = true;
    append_to((void **)&agg->acks, &agg->ack_count, &agg->ack_cap, batch->acks,
              batch->ack_count, sizeof *batch->acks);
    append_to((void **)&agg->dead, &agg->dead_count, &agg->dead_cap, batch->dead,
              batch->dead_count, sizeof *batch->dead);
    batch->dead_count = 0; /* ownership of the DLQ fields went back */
}

static void free_batch(save_batch *batch)
{
    for (size_t i = 0; i < batch->dead_count; i++)
        entry_release(&batch->dead[i]);
    free(batch->dead);
    free(batch->acks);
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
        "XADD",   names->dlq_key, "MAXLEN", "~", maxlen, "*", "source_id", id, "reason",
        tw_malformed_reason_name(entry->malformed), "consumer", names->consumer};
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
    tw_resp_array(&xack, 3 + batch->ack_count);
    tw_resp_bulk_str(&xack, "XACK");
    tw_resp_bulk_str(&xack, names->stream_key);
    tw_resp_bulk_str(&xack, names->group);
    for (size_t i = 0; i < batch->ack_count; i++)
        tw_resp_bulk_stream_id(&xack, batch->acks[i].ms, batch->acks[i].seq);
    redisAppendFormattedCommand(ctx, xack.data, xack.len);
    tw_buf_free(&xack);
}

/* Sends MULTI ... EXEC and checks every reply; returns TW_OK when EXEC applied it all. */
static int run_transaction(redisContext *ctx, const checkpoint_names *names, hset_fields *hset,
                           const save_batch *batch, char *err, size_t err_size)
{
    size_t commands = 2;
    redisAppendCommand(ctx, "MULTI");
    if (hset->fields) {
        tw_buf header;
        tw_buf_init(&header);
        tw_resp_array(&header, 2 + 2 * hset->fields);
        tw_resp_bulk_str(&header, "HSET");
        tw_resp_bulk_str(&header, names->key);
        redisAppendFormattedCommand(ctx, header.data, header.len);
        redisAppendFormattedCommand(ctx, hset->body.data, hset->body.len);
        tw_buf_free(&header);
        commands++;
    }
    for (size_t i = 0; i < batch->dead_count; i++, commands++)
        append_dead_letter(ctx, names, &batch->dead[i]);
    if (batch->ack_count) {
        append_acks(ctx, names, batch);
        commands++;
    }
    redisAppendCommand(ctx, "EXEC");
    int status = TW_OK;
    for (size_t i = 0; i < commands; i++) {
        redisReply *reply = NULL;
        if (redisGetReply(ctx, (void **)&reply) != REDIS_OK) {
            snprintf(err, err_size, "checkpoint: %s", ctx->errstr);
            return TW_ERR;
        }
        bool last = i + 1 == commands;
        if (tw_redis_reply_is_error(reply, err, err_size) ||
            (last && reply->type != REDIS_REPLY_ARRAY))
            status = TW_ERR;
        if (last && reply->type == REDIS_REPLY_ARRAY) {
            for (size_t j = 0; j < reply->elements; j++) {
                if (tw_redis_reply_is_error(reply->element[j], err, err_size))
                    status = TW_ERR;
            }
        }
        freeReplyObject(reply);
    }
    return status;
}

int checkpoint_save(aggregator *agg, redisContext *ctx, const checkpoint_names *names, char *err,
                    size_t err_size)
{
    hset_fields hset = {.fields = 0};
    tw_buf_init(&hset.body);
    save_batch batch = {0};
    pthread_mutex_lock(&agg->lock);
    collect(agg, &hset, &batch);
    pthread_mutex_unlock(&agg->lock);
    int status = TW_AGAIN;
    if (hset.fields || batch.ack_count || batch.dead_count) {
        status = run_transaction(ctx, names, &hset, &batch, err, err_size);
        if (status != TW_OK) {
            pthread_mutex_lock(&agg->lock);
            give_back(agg, &batch);
            pthread_mutex_unlock(&agg->lock);
        }
    }
    tw_buf_free(&hset.body);
    free_batch(&batch);
    return status;
}

static int restore_field(aggregator *agg, const redisReply *name, const redisReply *value)
{
    tw_wire_reader in;
    tw_wire_reader_init(&in, value->str, value->len);
    if (!strcmp(name->str, "meta"))
        return read_meta(agg, &in);
    if (!strncmp(name->str, "s:", 2))
        return bucket_ring_read_bucket(&agg->seconds, &in);
    if (!strncmp(name->str, "a:", 2))
        return antenna_read(&agg->antennas, &in);
    return TW_INVALID;
}

int checkpoint_restore(aggregator *agg, redisContext *ctx, const checkpoint_names *names,
                       char *err, size_t err_size)
{
    redisReply *reply = redisCommand(ctx, "HGETALL %s", names->key);
    if (!reply || tw_redis_reply_is_error(reply, err, err_size) ||
        reply->type != REDIS_REPLY_ARRAY) {
        if (!reply)
            snprintf(err, err_size, "HGETALL: %s", ctx->errstr);
        freeReplyObject(reply);
        return TW_ERR;
    }
    int status = TW_OK;
    for (size_t i = 0; i + 1 < reply->elements && status == TW_OK; i += 2) {
        if (restore_field(agg, reply->element[i], reply->element[i + 1]) != TW_OK) {
            snprintf(err, err_size, "checkpoint field %s in %s is corrupt or of another version",
                     reply->element[i]->str, names->key);
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
