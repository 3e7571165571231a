/* librdkafka producer for reports; see kafka_writer.h. Delivery reports arrive through
 * rd_kafka_poll on the simulator's own thread, so the counters need no extra locking. */
#include "kafka_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_kafka.h"
#include "tw_log.h"
#include "tw_report_json.h"
#include "tw_status.h"
#include "tw_time.h"

#define PROBE_EVERY_US 1000000
#define PROBE_TIMEOUT_MS 200
#define BATCH_MESSAGES "10000"
#define LOG_FAILURE_EVERY 10000

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque)
{
    (void)rk;
    kafka_writer *writer = opaque;
    if (!message->err) {
        tw_counter_add(writer->sent, 1);
        atomic_store(&writer->ready, true);
        return;
    }
    tw_counter_add(writer->failed, 1);
    uint64_t failed = tw_counter_value(writer->failed);
    if (failed == 1 || failed % LOG_FAILURE_EVERY == 0)
        tw_log_warn("report not delivered to kafka", TW_STR("error", rd_kafka_err2str(message->err)),
                    TW_INT("failed_total", failed));
}

static void on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
    kafka_writer *writer = opaque;
    if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        atomic_store(&writer->ready, false);
    char fatal[256] = "";
    if (code == RD_KAFKA_RESP_ERR__FATAL)
        rd_kafka_fatal_error(rk, fatal, sizeof fatal);
    tw_log_warn("kafka producer error", TW_STR("error", rd_kafka_err2str(code)),
                TW_STR("reason", fatal[0] ? fatal : reason));
}

static rd_kafka_conf_t *configure(const kafka_writer_config *config, char *err,
                                  size_t err_size)
{
    char in_flight[32], linger[32];
    snprintf(in_flight, sizeof in_flight, "%lld", (long long)config->in_flight_max);
    snprintf(linger, sizeof linger, "%lld", (long long)config->linger_ms);
    const tw_kafka_setting settings[] = {
        {"enable.idempotence", "true"},     /* no duplicates or reordering on retries */
        {"acks", "all"},                    /* every in-sync replica has the report */
        {"linger.ms", linger},              /* batch up to this long */
        {"batch.num.messages", BATCH_MESSAGES},
        {"compression.type", "lz4"},        /* JSON values compress well */
        {"queue.buffering.max.messages", in_flight},
    };
    return tw_kafka_conf_new(config->brokers, config->client_id, settings,
                             sizeof settings / sizeof settings[0], err, err_size);
}

static void register_metrics(kafka_writer *writer, tw_metrics *metrics)
{
    writer->sent = tw_metrics_counter(metrics, "simulator_reports_sent_total",
                                      "Reports the broker confirmed (Kafka: acknowledged by "
                                      "every in-sync replica).", NULL);
    writer->failed = tw_metrics_counter(metrics, "simulator_kafka_delivery_failures_total",
                                        "Reports librdkafka could not deliver (lost).", NULL);
    writer->queue_full = tw_metrics_counter(
        metrics, "simulator_kafka_queue_full_total",
        "Hand-overs stopped because librdkafka's in-flight queue was full.", NULL);
}

static double in_flight_metric(void *arg)
{
    return (double)kafka_writer_in_flight(arg);
}

int kafka_writer_init(kafka_writer *writer, const kafka_writer_config *config,
                      tw_metrics *metrics, char *err, size_t err_size)
{
    memset(writer, 0, sizeof *writer);
    atomic_init(&writer->ready, false);
    tw_buf_init(&writer->value);
    writer->batch_max = config->batch_max;
    writer->keep = tw_xcalloc(config->batch_max, sizeof *writer->keep);
    register_metrics(writer, metrics);
    rd_kafka_conf_t *conf = configure(config, err, err_size);
    if (!conf)
        return TW_ERR;
    rd_kafka_conf_set_opaque(conf, writer);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_error_cb(conf, on_error);
    writer->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, err_size);
    if (!writer->rk) {
        rd_kafka_conf_destroy(conf);
        return TW_ERR;
    }
    writer->topic = rd_kafka_topic_new(writer->rk, config->topic, NULL);
    tw_metrics_gauge_fn(metrics, "simulator_kafka_in_flight_reports",
                        "Reports handed to librdkafka, not yet acknowledged.", NULL,
                        in_flight_metric, writer);
    return writer->topic ? TW_OK : TW_ERR;
}

/* Until a broker has answered, asks for the topic's metadata (at most once a second). */
static bool check_ready(kafka_writer *writer)
{
    if (atomic_load(&writer->ready))
        return true;
    int64_t now = tw_mono_us();
    if (now < writer->next_probe_us)
        return false;
    writer->next_probe_us = now + PROBE_EVERY_US;
    const struct rd_kafka_metadata *metadata = NULL;
    rd_kafka_resp_err_t err =
        rd_kafka_metadata(writer->rk, 0, writer->topic, &metadata, PROBE_TIMEOUT_MS);
    if (metadata)
        rd_kafka_metadata_destroy(metadata);
    if (err) {
        tw_log_warn("kafka not reachable yet", TW_STR("error", rd_kafka_err2str(err)));
        return false;
    }
    atomic_store(&writer->ready, true);
    tw_log_info("kafka connected", TW_STR("topic", rd_kafka_topic_name(writer->topic)));
    return true;
}

/* Hands one report over; returns its librdkafka status. */
static rd_kafka_resp_err_t produce(kafka_writer *writer, const tw_report *report)
{
    tw_buf_reset(&writer->value);
    tw_report_json_write(report, &writer->value);
    return rd_kafka_producev(
        writer->rk, RD_KAFKA_V_RKT(writer->topic),
        RD_KAFKA_V_KEY(report->antenna_id, strlen(report->antenna_id)),
        RD_KAFKA_V_VALUE(writer->value.data, writer->value.len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
}

int kafka_writer_flush(kafka_writer *writer, report_queue *queue)
{
    rd_kafka_poll(writer->rk, 0);
    if (!check_ready(writer))
        return TW_AGAIN;
    size_t n = queue->count < writer->batch_max ? queue->count : writer->batch_max;
    size_t handed = 0;
    bool full = false;
    for (size_t i = 0; i < n; i++) {
        writer->keep[i] = full;
        if (full)
            continue;
        rd_kafka_resp_err_t err = produce(writer, report_queue_at(queue, i));
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            writer->keep[i] = full = true;
            tw_counter_add(writer->queue_full, 1);
        } else if (err) {
            tw_counter_add(writer->failed, 1); /* refused outright: counted as lost */
            tw_log_warn("report refused by librdkafka", TW_STR("error", rd_kafka_err2str(err)));
        } else {
            handed++;
        }
    }
    report_queue_remove_done(queue, n, writer->keep);
    rd_kafka_poll(writer->rk, 0);
    return full && handed == 0 ? TW_AGAIN : (int)handed;
}

int kafka_writer_in_flight(const kafka_writer *writer)
{
    return rd_kafka_outq_len(writer->rk);
}

int kafka_writer_drain(kafka_writer *writer, int timeout_ms)
{
    rd_kafka_flush(writer->rk, timeout_ms);
    return kafka_writer_in_flight(writer);
}

void kafka_writer_free(kafka_writer *writer)
{
    if (writer->topic)
        rd_kafka_topic_destroy(writer->topic);
    if (writer->rk)
        rd_kafka_destroy(writer->rk);
    tw_buf_free(&writer->value);
    free(writer->keep);
}

static int sink_flush(void *impl, report_queue *queue)
{
    return kafka_writer_flush(impl, queue);
}

static bool sink_busy(const void *impl)
{
    (void)impl; /* librdkafka delivers in the background: nothing for the loop to continue */
    return false;
}

static int sink_drain(void *impl, int timeout_ms)
{
    return kafka_writer_drain(impl, timeout_ms);
}

static bool sink_ready(const void *impl)
{
    return atomic_load(&((const kafka_writer *)impl)->ready);
}

static void sink_stats(const void *impl, report_sink_stats *out)
{
    *out = (report_sink_stats){.sent = tw_counter_value(((const kafka_writer *)impl)->sent)};
}

static void sink_free(void *impl)
{
    kafka_writer_free(impl);
}

static const report_sink_type kafka_sink_type = {
    "kafka",   "kafka not reachable", sink_flush, sink_busy, sink_drain, sink_ready,
    sink_stats, sink_free};

report_sink kafka_writer_sink(kafka_writer *writer)
{
    return (report_sink){&kafka_sink_type, writer};
}
