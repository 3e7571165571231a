/* Produces queued reports to a Kafka topic with librdkafka: key = antenna id (one
 * antenna's reports stay ordered in one partition), value = the JSON encoding of
 * common/contract/tw_report_json, idempotent producer with acks=all. Reports move from the
 * report_queue into librdkafka's own bounded queue; while the brokers are away librdkafka
 * retries them and, once its queue is full, reports wait (and the oldest are dropped) in
 * the report_queue as on the Redis path. */
#ifndef SIMULATOR_KAFKA_WRITER_H
#define SIMULATOR_KAFKA_WRITER_H

#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "report_queue.h"
#include "report_sink.h"
#include "tw_buf.h"
#include "tw_metrics.h"

typedef struct {
    const char *brokers;      /* bootstrap servers */
    const char *topic;        /* report topic */
    const char *client_id;    /* client.id (the antenna id) */
    int64_t in_flight_max;    /* librdkafka queue bound (queue.buffering.max.messages) */
    int64_t linger_ms;        /* linger.ms: how long a batch may wait to fill */
    size_t batch_max;         /* most reports handed over per flush call */
} kafka_writer_config;

typedef struct {
    rd_kafka_t *rk;           /* the producer */
    rd_kafka_topic_t *topic;  /* topic handle */
    tw_buf value;             /* scratch for one message value */
    bool *keep;               /* per-report "still queued" flags for one hand-over */
    size_t batch_max;         /* most reports per hand-over */
    int64_t next_probe_us;    /* when to ask for metadata again while not ready */
    atomic_bool ready;        /* a broker answered; read by /readyz from HTTP threads */
    tw_counter *sent;         /* reports the brokers acknowledged (acks=all) */
    tw_counter *failed;       /* reports that could not be delivered (lost) */
    tw_counter *queue_full;   /* hand-overs stopped because librdkafka's queue was full */
} kafka_writer;

/* Creates the producer and registers its metrics; TW_OK, or TW_ERR with err set. */
int kafka_writer_init(kafka_writer *writer, const kafka_writer_config *config,
                      tw_metrics *metrics, char *err, size_t err_size);
/* Hands up to batch_max queued reports to librdkafka (removing them from the queue) and
 * serves delivery reports. Returns how many were handed over, or TW_AGAIN when
 * librdkafka's queue is full or no broker has answered yet. */
int kafka_writer_flush(kafka_writer *writer, report_queue *queue);
/* Reports handed over and not yet acknowledged or failed. */
int kafka_writer_in_flight(const kafka_writer *writer);
/* Waits up to timeout_ms for every handed-over report to be acknowledged or failed;
 * returns how many are still in flight. */
int kafka_writer_drain(kafka_writer *writer, int timeout_ms);
/* Destroys the producer (after kafka_writer_drain) and frees the writer. */
void kafka_writer_free(kafka_writer *writer);
/* The writer as the simulator's report sink. */
report_sink kafka_writer_sink(kafka_writer *writer);

#endif
