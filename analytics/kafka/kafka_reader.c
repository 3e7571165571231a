/* Kafka consumer loop; see kafka_reader.h. Everything happens on the one thread that runs
 * it: librdkafka calls the rebalance callback from inside rd_kafka_consumer_poll, so a
 * partition's state is never touched by two threads. HTTP handlers read only the merged
 * view, under its lock. */
#include "kafka_reader.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregator_merge.h"
#include "kafka_checkpoint.h"
#include "tw_alloc.h"
#include "tw_kafka.h"
#include "tw_log.h"
#include "tw_report_json.h"
#include "tw_signal.h"
#include "tw_status.h"
#include "tw_time.h"

#define POLL_TIMEOUT_MS 100
#define REDIS_TIMEOUT_MS 1000
#define BACKOFF_INITIAL_US 100000
#define BACKOFF_MAX_US 2000000
#define DLQ_FLUSH_TIMEOUT_MS 2000
#define DLQ_QUEUE_FULL_WAIT_MS 100
#define LAG_EVERY_US 500000
#define HEARTBEAT_PARTS 3 /* heartbeats per session timeout */
#define NUMBER_TEXT_BYTES 32

static void on_dead_letter_delivery(rd_kafka_t *rk, const rd_kafka_message_t *message,
                                    void *opaque)
{
    (void)rk;
    kafka_reader *reader = opaque;
    if (!message->err)
        return;
    tw_counter_add(reader->dead_letter_failures, 1);
    tw_log_warn("dead letter not delivered", TW_STR("error", rd_kafka_err2str(message->err)));
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *partitions, void *opaque);

static rd_kafka_t *new_consumer(kafka_reader *reader, char *err, size_t err_size)
{
    const kafka_reader_config *c = &reader->config;
    char session[NUMBER_TEXT_BYTES], heartbeat[NUMBER_TEXT_BYTES];
    snprintf(session, sizeof session, "%" PRId64, c->session_timeout_ms);
    snprintf(heartbeat, sizeof heartbeat, "%" PRId64, c->session_timeout_ms / HEARTBEAT_PARTS);
    const tw_kafka_setting settings[] = {
        {"group.id", c->group},
        {"enable.auto.commit", "false"},       /* commits follow checkpoints */
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},
        {"session.timeout.ms", session},
        {"heartbeat.interval.ms", heartbeat},
    };
    rd_kafka_conf_t *conf = tw_kafka_conf_new(c->brokers, c->consumer, settings,
                                              sizeof settings / sizeof settings[0], err, err_size);
    if (!conf)
        return NULL;
    rd_kafka_conf_set_opaque(conf, reader);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, err_size);
    if (!rk)
        rd_kafka_conf_destroy(conf);
    else
        rd_kafka_poll_set_consumer(rk);
    return rk;
}

static rd_kafka_t *new_dead_letter_producer(kafka_reader *reader, char *err, size_t err_size)
{
    const tw_kafka_setting settings[] = {{"enable.idempotence", "true"}, {"acks", "all"},
                                         {"linger.ms", "5"}};
    rd_kafka_conf_t *conf =
        tw_kafka_conf_new(reader->config.brokers, reader->config.consumer, settings,
                          sizeof settings / sizeof settings[0], err, err_size);
    if (!conf)
        return NULL;
    rd_kafka_conf_set_opaque(conf, reader);
    rd_kafka_conf_set_dr_msg_cb(conf, on_dead_letter_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, err_size);
    if (!rk)
        rd_kafka_conf_destroy(conf);
    return rk;
}

static void register_metrics(kafka_reader *reader, tw_metrics *metrics)
{
    reader->messages = tw_metrics_counter(metrics, "analytics_entries_applied_total",
                                          "Messages applied to the aggregate state.", NULL);
    reader->checkpoints = tw_metrics_counter(
        metrics, "analytics_checkpoints_total",
        "Partition checkpoints saved (state + offset, then the offset committed).", NULL);
    reader->checkpoint_failures = tw_metrics_counter(
        metrics, "analytics_checkpoint_failures_total",
        "Checkpoints that failed; their work is retried by the next one.", NULL);
    reader->fenced = tw_metrics_counter(
        metrics, "analytics_kafka_fenced_checkpoints_total",
        "Partition checkpoints refused because another replica owns the partition now.", NULL);
    reader->rebalances = tw_metrics_counter(metrics, "analytics_kafka_rebalances_total",
                                            "Partition assignments and revocations.", NULL);
    reader->dead_letters = tw_metrics_counter(
        metrics, "analytics_dead_letters_total",
        "Malformed messages copied to the dead-letter topic.", NULL);
    reader->dead_letter_failures = tw_metrics_counter(
        metrics, "analytics_dead_letter_failures_total",
        "Dead-letter copies that could not be delivered.", NULL);
}

int kafka_reader_init(kafka_reader *reader, const kafka_reader_config *config,
                      aggregator *view, tw_metrics *metrics, char *err, size_t err_size)
{
    memset(reader, 0, sizeof *reader);
    reader->config = *config;
    reader->view = view;
    tw_backoff_init(&reader->backoff, BACKOFF_INITIAL_US, BACKOFF_MAX_US);
    atomic_init(&reader->joined, false);
    atomic_init(&reader->redis_up, false);
    atomic_init(&reader->lag, -1);
    atomic_init(&reader->unknown, -1);
    atomic_init(&reader->assigned, 0);
    register_metrics(reader, metrics);
    reader->dlq = new_dead_letter_producer(reader, err, err_size);
    reader->consumer = reader->dlq ? new_consumer(reader, err, err_size) : NULL;
    return reader->consumer ? TW_OK : TW_ERR;
}

/* The checkpoint connection, (re)connected with backoff; NULL while Redis is away. */
static redisContext *redis_ctx(kafka_reader *reader)
{
    if (reader->redis)
        return reader->redis;
    if (!tw_backoff_ready(&reader->backoff, tw_mono_us()))
        return NULL;
    char err[256];
    reader->redis = tw_redis_connect(&reader->config.url, REDIS_TIMEOUT_MS, err, sizeof err);
    if (!reader->redis) {
        tw_log_warn("redis connect failed", TW_STR("error", err));
        tw_backoff_failed(&reader->backoff, tw_mono_us());
        atomic_store(&reader->redis_up, false);
        return NULL;
    }
    tw_backoff_succeeded(&reader->backoff);
    atomic_store(&reader->redis_up, true);
    return reader->redis;
}

static void redis_failed(kafka_reader *reader, const char *err)
{
    tw_log_warn("redis checkpoint connection lost", TW_STR("error", err));
    redisFree(reader->redis);
    reader->redis = NULL;
    atomic_store(&reader->redis_up, false);
    tw_backoff_failed(&reader->backoff, tw_mono_us());
}

static kafka_partition *partition_of(const kafka_reader *reader, int32_t partition)
{
    return partition >= 0 && (size_t)partition < reader->part_cap ? reader->parts[partition]
                                                                   : NULL;
}

static void free_partition(kafka_partition *part)
{
    aggregator_free(&part->agg);
    free(part);
}

/* Rebuilds the merged view from the partitions still assigned. */
static void rebuild_view(kafka_reader *reader)
{
    pthread_mutex_lock(&reader->view->lock);
    aggregator_reset(reader->view);
    for (size_t i = 0; i < reader->part_cap; i++) {
        if (reader->parts[i])
            aggregator_merge(reader->view, &reader->parts[i]->agg);
    }
    pthread_mutex_unlock(&reader->view->lock);
}

/* Saves every partition with applied records, then commits the saved offsets. Dead
 * letters are made durable first, so a saved malformed count always has its copies. */
static void checkpoint(kafka_reader *reader, bool sync_commit)
{
    size_t dirty = 0;
    for (size_t i = 0; i < reader->part_cap; i++)
        dirty += reader->parts[i] && reader->parts[i]->dirty;
    if (dirty == 0)
        return;
    if (rd_kafka_flush(reader->dlq, DLQ_FLUSH_TIMEOUT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        tw_counter_add(reader->checkpoint_failures, 1);
        tw_log_warn("dead letters not yet delivered; checkpoint postponed");
        return;
    }
    redisContext *ctx = redis_ctx(reader);
    if (!ctx)
        return;
    rd_kafka_topic_partition_list_t *commits = rd_kafka_topic_partition_list_new((int)dirty);
    for (size_t i = 0; i < reader->part_cap; i++) {
        kafka_partition *part = reader->parts[i];
        if (!part || !part->dirty)
            continue;
        char err[256] = "";
        int status = kafka_checkpoint_save(ctx, part->key, reader->owner, &part->agg,
                                           part->next_offset, err, sizeof err);
        if (status == TW_OK) {
            part->dirty = false;
            tw_counter_add(reader->checkpoints, 1);
            rd_kafka_topic_partition_list_add(commits, reader->config.topic, part->partition)
                ->offset = part->next_offset;
        } else if (status == TW_INVALID) {
            tw_counter_add(reader->fenced, 1);
            tw_log_warn("checkpoint refused: partition moved to another replica",
                        TW_INT("partition", part->partition), TW_STR("error", err));
        } else {
            tw_counter_add(reader->checkpoint_failures, 1);
            redis_failed(reader, err);
            break;
        }
    }
    if (commits->cnt > 0) {
        rd_kafka_resp_err_t err = rd_kafka_commit(reader->consumer, commits, sync_commit ? 0 : 1);
        if (err)
            tw_log_warn("offset commit failed (the checkpoint holds the offset)",
                        TW_STR("error", rd_kafka_err2str(err)));
    }
    rd_kafka_topic_partition_list_destroy(commits);
}

static void ensure_capacity(kafka_reader *reader, int32_t partition)
{
    if ((size_t)partition < reader->part_cap)
        return;
    size_t cap = (size_t)partition + 1;
    reader->parts = tw_xrealloc(reader->parts, cap * sizeof *reader->parts);
    for (size_t i = reader->part_cap; i < cap; i++)
        reader->parts[i] = NULL;
    reader->part_cap = cap;
}

/* Claims one partition's checkpoint, retrying while Redis is away; NULL after a stop. */
static kafka_partition *claim(kafka_reader *reader, int32_t partition)
{
    kafka_partition *part = tw_xcalloc(1, sizeof *part);
    aggregator_init(&part->agg, 0);
    part->partition = partition;
    part->high_watermark = -1;
    const kafka_reader_config *c = &reader->config;
    kafka_checkpoint_key(part->key, sizeof part->key, c->stream_key, c->group, c->topic,
                         partition);
    while (!tw_signal_stop_requested()) {
        redisContext *ctx = redis_ctx(reader);
        char err[256] = "";
        int status = ctx ? kafka_checkpoint_claim(ctx, part->key, reader->owner, &part->agg,
                                                  &part->next_offset, err, sizeof err)
                         : TW_ERR;
        if (status == TW_OK)
            return part;
        if (status == TW_INVALID) { /* refuse to continue from a wrong state */
            tw_log_error("cannot restore partition checkpoint", TW_STR("key", part->key),
                         TW_STR("error", err));
            reader->refused = true;
            tw_signal_request_stop();
            break;
        }
        if (ctx)
            redis_failed(reader, err);
        tw_sleep_us(BACKOFF_INITIAL_US);
    }
    free_partition(part);
    return NULL;
}

static void assign_partitions(kafka_reader *reader, rd_kafka_topic_partition_list_t *partitions)
{
    snprintf(reader->owner, sizeof reader->owner, "%s/%d/%" PRId64 "/%" PRIu64,
             reader->config.consumer, (int)getpid(), tw_wall_us(), ++reader->assignments);
    for (int i = 0; i < partitions->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &partitions->elems[i];
        kafka_partition *part = claim(reader, tp->partition);
        if (!part) { /* stopping: take nothing */
            rd_kafka_assign(reader->consumer, NULL);
            return;
        }
        ensure_capacity(reader, tp->partition);
        reader->parts[tp->partition] = part;
        tp->offset = part->next_offset == KAFKA_NO_OFFSET ? RD_KAFKA_OFFSET_BEGINNING
                                                          : part->next_offset;
        tw_log_info("partition assigned", TW_INT("partition", tp->partition),
                    TW_INT("offset", part->next_offset), TW_INT("records", part->agg.records));
    }
    rebuild_view(reader);
    atomic_store(&reader->assigned, partitions->cnt);
    rd_kafka_assign(reader->consumer, partitions);
}

/* Lost partitions (our session expired) may already be someone else's: their state is
 * dropped without a save, the fencing would refuse it anyway. */
static void revoke_partitions(kafka_reader *reader, rd_kafka_topic_partition_list_t *partitions, bool lost)
{
    if (!lost)
        checkpoint(reader, true);
    for (int i = 0; i < partitions->cnt; i++) {
        kafka_partition *part = partition_of(reader, partitions->elems[i].partition);
        if (!part)
            continue;
        tw_log_info("partition revoked", TW_INT("partition", part->partition),
                    TW_INT("offset", part->next_offset), TW_STR("lost", lost ? "yes" : "no"));
        free_partition(part);
        reader->parts[partitions->elems[i].partition] = NULL;
    }
    rebuild_view(reader);
    atomic_store(&reader->assigned, 0);
    rd_kafka_assign(reader->consumer, NULL);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *partitions, void *opaque)
{
    kafka_reader *reader = opaque;
    tw_counter_add(reader->rebalances, 1);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
        assign_partitions(reader, partitions);
    else
        revoke_partitions(reader, partitions, rd_kafka_assignment_lost(rk) != 0);
    atomic_store(&reader->joined, true);
}

/* Copies a malformed message to the dead-letter topic with where it came from and why. */
static void copy_dead_letter(kafka_reader *reader, const rd_kafka_message_t *message,
                             tw_malformed_reason reason)
{
    char partition[NUMBER_TEXT_BYTES], offset[NUMBER_TEXT_BYTES];
    snprintf(partition, sizeof partition, "%" PRId32, message->partition);
    snprintf(offset, sizeof offset, "%" PRId64, message->offset);
    const char *why = tw_malformed_reason_name(reason);
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            reader->dlq, RD_KAFKA_V_TOPIC(reader->config.dlq_topic),
            RD_KAFKA_V_KEY(message->key, message->key_len),
            RD_KAFKA_V_VALUE(message->payload, message->len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_HEADER("reason", why, -1),
            RD_KAFKA_V_HEADER("source_topic", reader->config.topic, -1),
            RD_KAFKA_V_HEADER("source_partition", partition, -1),
            RD_KAFKA_V_HEADER("source_offset", offset, -1),
            RD_KAFKA_V_HEADER("consumer", reader->config.consumer, -1), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            tw_counter_add(err ? reader->dead_letter_failures : reader->dead_letters, 1);
            return;
        }
        rd_kafka_poll(reader->dlq, DLQ_QUEUE_FULL_WAIT_MS);
    }
}

/* Applies one message to its partition's state and to the merged view. */
static bool apply(kafka_reader *reader, const rd_kafka_message_t *message)
{
    kafka_partition *part = partition_of(reader, message->partition);
    if (!part || message->offset < part->next_offset)
        return false; /* not ours (any more), or already in the restored state */
    analytics_entry entry;
    memset(&entry, 0, sizeof entry);
    entry.id = (stream_id){(uint64_t)message->offset, (uint64_t)message->partition};
    int ignored = 0;
    entry.malformed = tw_report_json_parse(&entry.report, message->payload, message->len,
                                           &ignored);
    if (entry.malformed != TW_MALFORMED_NONE)
        copy_dead_letter(reader, message, entry.malformed);
    int64_t now_us = tw_wall_us();
    aggregator_apply(&part->agg, &entry, now_us);
    part->agg.ignored_optional += (uint64_t)ignored;
    pthread_mutex_lock(&reader->view->lock);
    aggregator_apply(reader->view, &entry, now_us);
    reader->view->ignored_optional += (uint64_t)ignored;
    pthread_mutex_unlock(&reader->view->lock);
    part->next_offset = message->offset + 1;
    part->dirty = true;
    return true;
}

/* Messages between the end of each assigned partition and what was applied. */
static void update_lag(kafka_reader *reader)
{
    int64_t lag = 0;
    for (size_t i = 0; i < reader->part_cap; i++) {
        kafka_partition *part = reader->parts[i];
        int64_t low = 0, high = 0;
        if (!part || rd_kafka_get_watermark_offsets(reader->consumer, reader->config.topic,
                                                    part->partition, &low, &high))
            continue;
        int64_t position = part->next_offset == KAFKA_NO_OFFSET ? low : part->next_offset;
        lag += high > position ? high - position : 0;
    }
    atomic_store(&reader->lag, lag);
}

static void handle(kafka_reader *reader, rd_kafka_message_t *message, uint64_t *applied)
{
    if (message->err) {
        if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            tw_log_warn("kafka consumer error", TW_STR("error", rd_kafka_message_errstr(message)));
    } else if (apply(reader, message)) {
        (*applied)++;
        tw_counter_add(reader->messages, 1);
    }
    rd_kafka_message_destroy(message);
}

int kafka_reader_run(kafka_reader *reader)
{
    redis_ctx(reader);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, reader->config.topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(reader->consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) {
        tw_log_error("cannot subscribe", TW_STR("error", rd_kafka_err2str(err)));
        return TW_ERR;
    }
    int64_t next_checkpoint_us = tw_mono_us() + reader->config.checkpoint_every_ms * TW_US_PER_MS;
    int64_t next_lag_us = 0;
    uint64_t since_checkpoint = 0;
    while (!tw_signal_stop_requested()) {
        rd_kafka_message_t *message = rd_kafka_consumer_poll(reader->consumer, POLL_TIMEOUT_MS);
        if (message)
            handle(reader, message, &since_checkpoint);
        rd_kafka_poll(reader->dlq, 0);
        int64_t now = tw_mono_us();
        if (since_checkpoint >= (uint64_t)reader->config.checkpoint_records ||
            now >= next_checkpoint_us) {
            checkpoint(reader, false);
            since_checkpoint = 0;
            next_checkpoint_us = now + reader->config.checkpoint_every_ms * TW_US_PER_MS;
        }
        if (now >= next_lag_us) {
            update_lag(reader);
            next_lag_us = now + LAG_EVERY_US;
        }
    }
    tw_log_info("stopping: saving partition checkpoints and leaving the group");
    checkpoint(reader, true);
    rd_kafka_consumer_close(reader->consumer); /* revokes: saves what is left */
    return reader->refused ? TW_ERR : TW_OK;
}

void kafka_reader_free(kafka_reader *reader)
{
    for (size_t i = 0; i < reader->part_cap; i++) {
        if (reader->parts[i])
            free_partition(reader->parts[i]);
    }
    free(reader->parts);
    if (reader->consumer)
        rd_kafka_destroy(reader->consumer);
    if (reader->dlq) {
        rd_kafka_flush(reader->dlq, DLQ_FLUSH_TIMEOUT_MS);
        rd_kafka_destroy(reader->dlq);
    }
    if (reader->redis)
        redisFree(reader->redis);
}
