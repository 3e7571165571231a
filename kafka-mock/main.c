/* kafka-mock: starts librdkafka's mock Kafka cluster (--brokers brokers speaking the real
 * protocol on loopback, consumer groups and offset commits included), creates the report
 * topic and its dead-letter topic, prints the bootstrap servers as one line on stdout and
 * runs until SIGTERM/SIGINT. Tests and benchmarks use it where no Kafka is installed. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>

#include "tw_kafka.h"
#include "tw_log.h"
#include "tw_options.h"
#include "tw_signal.h"
#include "tw_time.h"

#define POLL_INTERVAL_US 100000
#define DLQ_PARTITIONS 1

typedef struct {
    int64_t brokers;
    const char *topic;
    int64_t partitions;
    int64_t replication;
    const char *log_level;
} mock_settings;

static void parse_settings(mock_settings *s, int argc, char **argv)
{
    tw_option options[] = {
        {"brokers", "MOCK_BROKERS", TW_OPT_INT, "3", "brokers in the mock cluster", &s->brokers, 1, 16, NULL},
        {"topic", "KAFKA_TOPIC", TW_OPT_STR, "antenna-reports", "report topic to create (and <topic>.dlq)", &s->topic, 0, 0, NULL},
        {"partitions", "PARTITIONS", TW_OPT_INT, "6", "partitions of the report topic", &s->partitions, 1, 1000, NULL},
        {"replication", "REPLICATION", TW_OPT_INT, "3", "replicas per partition (at most --brokers)", &s->replication, 1, 16, NULL},
        TW_LOG_LEVEL_OPTION(&s->log_level),
    };
    TW_CLI_PARSE("kafka-mock",
                 "Runs librdkafka's mock Kafka cluster with the report topics until SIGTERM; "
                 "prints its bootstrap servers on stdout.",
                 options, argc, argv);
    if (s->replication > s->brokers) {
        fprintf(stderr, "kafka-mock: --replication must be at most --brokers\n");
        exit(2);
    }
}

static int create_topic(rd_kafka_mock_cluster_t *cluster, const char *name, int partitions,
                        int replication)
{
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster, name, partitions, replication);
    if (err) {
        tw_log_error("cannot create topic", TW_STR("topic", name),
                     TW_STR("error", rd_kafka_err2str(err)));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    mock_settings s;
    parse_settings(&s, argc, argv);
    tw_log_start("kafka-mock", s.log_level);
    tw_signal_install();
    char err[256], dlq[512];
    rd_kafka_conf_t *conf = tw_kafka_conf_new(NULL, "kafka-mock", NULL, 0, err, sizeof err);
    /* the handle only hosts the cluster: a producer that never produces */
    rd_kafka_t *rk = conf ? rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err) : NULL;
    if (!rk) {
        tw_log_error("cannot create the hosting handle", TW_STR("error", err));
        return 1;
    }
    rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(rk, (int)s.brokers);
    if (!cluster) {
        tw_log_error("cannot start the mock cluster");
        rd_kafka_destroy(rk);
        return 1;
    }
    snprintf(dlq, sizeof dlq, "%s.dlq", s.topic);
    int failed = create_topic(cluster, s.topic, (int)s.partitions, (int)s.replication) ||
                 create_topic(cluster, dlq, DLQ_PARTITIONS, (int)s.replication);
    if (!failed) {
        printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
        fflush(stdout);
        tw_log_info("mock kafka cluster running",
                    TW_STR("bootstrap", rd_kafka_mock_cluster_bootstraps(cluster)),
                    TW_INT("brokers", s.brokers), TW_STR("topic", s.topic),
                    TW_INT("partitions", s.partitions));
        while (!tw_signal_stop_requested())
            tw_sleep_us(POLL_INTERVAL_US);
    }
    rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(rk);
    return failed;
}
