/* librdkafka plumbing shared by the services with a Kafka path: a configuration with the
 * bootstrap servers and librdkafka's own log lines routed into tw_log (JSON on stderr),
 * and properties set with one clear error. */
#ifndef TW_KAFKA_H
#define TW_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

/* A name/value pair of librdkafka configuration. */
typedef struct {
    const char *name;  /* property, e.g. "acks" */
    const char *value; /* its value as text */
} tw_kafka_setting;

/* The --kafka-brokers entry of a service's option table. */
#define TW_KAFKA_BROKERS_OPTION(target)                                                            \
    {"kafka-brokers", "KAFKA_BROKERS", TW_OPT_STR, "127.0.0.1:9092",                               \
     "Kafka bootstrap servers (host:port,...)", (target), 0, 0, NULL}

/* A new configuration for bootstrap servers `brokers` (may be NULL: none), client id and
 * n more settings; NULL with err set when a value is refused. The caller owns it until
 * rd_kafka_new. */
rd_kafka_conf_t *tw_kafka_conf_new(const char *brokers, const char *client_id,
                                   const tw_kafka_setting *settings, size_t n, char *err,
                                   size_t err_size);

#endif
