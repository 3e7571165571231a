/* The Kafka path's consumer loop: a member of the consumer group that reads the report
 * topic, keeps one aggregate state per assigned partition and this replica's merged view
 * (the API's state), and follows the Redis path's apply-then-checkpoint rule per
 * partition: a partition's state and next offset are saved together (kafka_checkpoint),
 * its offset is committed to Kafka only after that save, and a partition assigned here
 * starts from its saved state at its saved offset. Malformed messages are counted by
 * reason and copied to the dead-letter topic before the checkpoint that counts them. */
#ifndef ANALYTICS_KAFKA_READER_H
#define ANALYTICS_KAFKA_READER_H

#include <hiredis/hiredis.h>
#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "aggregator.h"
#include "kafka_checkpoint.h"
#include "tw_backoff.h"
#include "tw_metrics.h"
#include "tw_redis.h"

#define KAFKA_OWNER_BYTES 96

typedef struct {
    const char *brokers;         /* bootstrap servers */
    const char *topic;           /* report topic */
    const char *dlq_topic;       /* dead-letter topic */
    const char *group;           /* consumer group */
    const char *consumer;        /* this replica's name (client.id, owner tokens) */
    const char *stream_key;      /* prefix of the checkpoint keys in Redis */
    tw_redis_url url;            /* Redis holding the checkpoints */
    int64_t session_timeout_ms;  /* group session timeout (failure detection) */
    int64_t checkpoint_every_ms; /* time between checkpoints */
    int64_t checkpoint_records;  /* records between checkpoints */
} kafka_reader_config;

/* One assigned partition. */
typedef struct {
    int32_t partition;           /* partition number */
    aggregator agg;              /* this partition's records only */
    int64_t next_offset;         /* next offset to apply; KAFKA_NO_OFFSET before any */
    int64_t high_watermark;      /* last known end of the partition, -1 unknown */
    bool dirty;                  /* applied records since the last save */
    char key[KAFKA_CHECKPOINT_KEY_BYTES]; /* checkpoint hash */
} kafka_partition;

typedef struct {
    kafka_reader_config config;  /* settings (strings not owned) */
    aggregator *view;            /* merged view of the assigned partitions (not owned) */
    rd_kafka_t *consumer;        /* group member */
    rd_kafka_t *dlq;             /* dead-letter producer */
    redisContext *redis;         /* checkpoint connection, NULL while down */
    tw_backoff backoff;          /* Redis reconnect pacing */
    kafka_partition **parts;     /* indexed by partition number, NULL when not assigned */
    size_t part_cap;             /* entries in parts */
    char owner[KAFKA_OWNER_BYTES]; /* owner token for the current assignment */
    uint64_t assignments;        /* assignments so far (part of the owner token) */
    bool refused;                /* a partition's checkpoint could not be restored */
    atomic_bool joined;          /* the group assigned this replica (maybe nothing) */
    atomic_bool redis_up;        /* the checkpoint connection works */
    _Atomic int64_t lag;         /* messages behind the end of the assigned partitions */
    _Atomic int64_t unknown;     /* always -1: pending and DLQ length have no Kafka meaning */
    atomic_int assigned;         /* partitions assigned here */
    tw_counter *messages;        /* messages applied */
    tw_counter *checkpoints;     /* partition checkpoints saved */
    tw_counter *checkpoint_failures; /* saves that failed (retried) */
    tw_counter *fenced;          /* saves refused: another replica owns the partition */
    tw_counter *rebalances;      /* assignments and revocations */
    tw_counter *dead_letters;    /* malformed messages copied to the dead-letter topic */
    tw_counter *dead_letter_failures; /* copies librdkafka could not deliver */
} kafka_reader;

/* Creates the consumer and the dead-letter producer and registers metrics; TW_OK, or
 * TW_ERR with err set. */
int kafka_reader_init(kafka_reader *reader, const kafka_reader_config *config,
                      aggregator *view, tw_metrics *metrics, char *err, size_t err_size);
/* Subscribes and consumes on the calling thread until a stop is requested, then saves,
 * commits and leaves the group; TW_OK, or TW_ERR (logged) when it cannot subscribe or a
 * partition's checkpoint cannot be restored (it refuses to continue from a wrong state:
 * it requests the stop itself). */
int kafka_reader_run(kafka_reader *reader);
/* Frees what init created. */
void kafka_reader_free(kafka_reader *reader);

#endif
