/* analytics: a Redis consumer-group member. The reader thread parses stream entries and
 * passes them through a lock-free SPSC ring to the aggregator thread, which keeps exact
 * totals, sliding windows, latency quantiles and per-antenna health, checkpointed to Redis
 * together with the acknowledgements. With --broker kafka a Kafka consumer-group member
 * instead (kafka_reader: state per partition, checkpointed to Redis before each offset
 * commit). Serves the JSON API and Prometheus metrics. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adoption.h"
#include "aggregator.h"
#include "api.h"
#include "apply_loop.h"
#include "checkpoint.h"
#include "kafka_reader.h"
#include "metrics.h"
#include "spsc_ring.h"
#include "stream_reader.h"
#include "tw_api.h"
#include "tw_backoff.h"
#include "tw_http.h"
#include "tw_kafka.h"
#include "tw_log.h"
#include "tw_options.h"
#include "tw_redis.h"
#include "tw_signal.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_trace.h"

#define RESTORE_TIMEOUT_MS 5000
#define MAIN_POLL_US 100000
#define DEFAULT_CONSUMER_NAME "analytics"

typedef struct {
    const char *listen_addr;
    int64_t port;
    int64_t http_threads;
    const char *redis_url;
    tw_sentinel_settings sentinel;
    const char *stream_key;
    const char *group;
    const char *consumer;
    int64_t read_count;
    int64_t block_ms;
    int64_t claim_idle_ms;
    int64_t claim_every_ms;
    int64_t checkpoint_ms;
    int64_t checkpoint_records;
    int64_t ring_slots;
    int64_t dlq_maxlen;
    int64_t antenna_metrics;
    int64_t max_antennas;
    int64_t adopt_after_s;
    const char *broker;
    const char *kafka_brokers;
    const char *kafka_topic;
    const char *kafka_dlq_topic;
    int64_t kafka_session_timeout_ms;
    const char *log_level;
    tw_trace_settings trace;
} analytics_settings;

typedef struct {
    analytics_settings settings;
    tw_redis_url url;
    aggregator agg;
    spsc_ring ring;
    checkpoint_names names;
    checkpoint_lease lease;
    owed_work owed; /* Redis path: acknowledgements and dead letters owed to the checkpoint */
    adoption adoption;
    stream_reader reader;
    apply_loop loop;
    bool kafka;            /* --broker kafka: kreader replaces reader, ring and loop */
    kafka_reader kreader;
    char dlq_topic[256];   /* --kafka-dlq-topic, or <topic>.dlq */
    api_context api;
    analytics_metrics metrics;
    atomic_bool restored;
} analytics_app;

static void parse_settings(analytics_settings *s, int argc, char **argv)
{
    tw_option options[] = {
        {"port", "PORT", TW_OPT_INT, "8001", "HTTP port for the API, /metrics, /healthz, /readyz", &s->port, 1, 65535, NULL},
        TW_HTTP_LISTEN_OPTION(&s->listen_addr),
        {"http-threads", "HTTP_THREADS", TW_OPT_INT, TW_HTTP_DEFAULT_MAX_CONNECTIONS_TEXT,
         "HTTP connections served at once, a worker thread each", &s->http_threads, 1, 4096, NULL},
        TW_REDIS_OPTIONS(&s->redis_url, &s->sentinel),
        {"stream-key", "STREAM_KEY", TW_OPT_STR, "antenna_stream", "stream to consume", &s->stream_key, 0, 0, NULL},
        {"consumer-group", "CONSUMER_GROUP", TW_OPT_STR, "analytics", "consumer group", &s->group, 0, 0, NULL},
        {"consumer-name", "CONSUMER_NAME", TW_OPT_STR, "", "this consumer's name (default $HOSTNAME); keep it stable across restarts", &s->consumer, 0, 0, NULL},
        {"read-count", "READ_COUNT", TW_OPT_INT, "1000", "entries per XREADGROUP", &s->read_count, 1, 100000, NULL},
        {"block-ms", "BLOCK_MS", TW_OPT_INT, "500", "XREADGROUP BLOCK milliseconds", &s->block_ms, 1, 60000, NULL},
        {"claim-idle-ms", "CLAIM_IDLE_MS", TW_OPT_INT, "60000", "claim entries idle this long in crashed consumers (XAUTOCLAIM)", &s->claim_idle_ms, 1, 86400000, NULL},
        {"claim-every-ms", "CLAIM_EVERY_MS", TW_OPT_INT, "10000", "how often to look for idle entries", &s->claim_every_ms, 10, 86400000, NULL},
        {"checkpoint-ms", "CHECKPOINT_MS", TW_OPT_INT, "250", "checkpoint (state + XACK) at least this often", &s->checkpoint_ms, 1, 600000, NULL},
        {"checkpoint-records", "CHECKPOINT_RECORDS", TW_OPT_INT, "50000", "checkpoint after this many entries", &s->checkpoint_records, 1, 100000000, NULL},
        {"ring-slots", "RING_SLOTS", TW_OPT_INT, "16384", "entries the reader->aggregator ring holds", &s->ring_slots, 2, 16777216, NULL},
        {"dlq-maxlen", "DLQ_MAXLEN", TW_OPT_INT, "100000", "approximate cap of the dead-letter stream", &s->dlq_maxlen, 1, 100000000, NULL},
        {"antenna-metrics", "ANTENNA_METRICS", TW_OPT_INT, "0", "export per-antenna series for at most this many antennas (0 = none)", &s->antenna_metrics, 0, 10000, NULL},
        {"max-antennas", "MAX_ANTENNAS", TW_OPT_INT, "250000", "most antennas tracked one by one; reports of further ids count in the totals only (a flood of ids cannot exhaust memory)", &s->max_antennas, 1, 100000000, NULL},
        {"adopt-after", "ADOPT_AFTER_S", TW_OPT_INT, "60", "seconds of silence (no reads, lease expired) after which another replica adopts this one's state and pending entries", &s->adopt_after_s, 1, 86400, NULL},
        {"broker", "BROKER", TW_OPT_STR, "redis", "where reports come from: the Redis stream or a Kafka topic", &s->broker, 0, 0, "redis|kafka"},
        TW_KAFKA_BROKERS_OPTION(&s->kafka_brokers),
        {"kafka-topic", "KAFKA_TOPIC", TW_OPT_STR, "antenna-reports", "Kafka topic to consume", &s->kafka_topic, 0, 0, NULL},
        {"kafka-dlq-topic", "KAFKA_DLQ_TOPIC", TW_OPT_STR, "", "Kafka topic for malformed messages (default <topic>.dlq)", &s->kafka_dlq_topic, 0, 0, NULL},
        {"kafka-session-timeout-ms", "KAFKA_SESSION_TIMEOUT_MS", TW_OPT_INT, "10000", "Kafka group session timeout: how soon a dead replica's partitions move", &s->kafka_session_timeout_ms, 1000, 3600000, NULL},
        TW_LOG_LEVEL_OPTION(&s->log_level),
        TW_TRACE_OPTIONS(&s->trace, "1"),
    };
    TW_CLI_PARSE("analytics",
                 "Consumes antenna reports from a Redis stream or a Kafka topic (consumer "
                 "group) and serves exact aggregates, windows, latency percentiles and antenna "
                 "health.",
                 options, argc, argv);
    if (!*s->consumer)
        s->consumer = tw_env_or("HOSTNAME", DEFAULT_CONSUMER_NAME);
    if (!tw_antenna_id_valid(s->consumer, strlen(s->consumer))) {
        fprintf(stderr, "analytics: consumer name must match [A-Za-z0-9._-]{1,64}\n");
        exit(2);
    }
}

static int ready(void *arg, tw_buf *reason)
{
    analytics_app *app = arg;
    if (app->kafka) {
        if (!atomic_load(&app->kreader.redis_up))
            tw_buf_puts(reason, "redis (partition checkpoints) not connected");
        else if (!atomic_load(&app->kreader.joined))
            tw_buf_puts(reason, "waiting for a kafka partition assignment");
        return atomic_load(&app->kreader.redis_up) && atomic_load(&app->kreader.joined);
    }
    if (!atomic_load(&app->restored)) {
        tw_buf_puts(reason, "restoring checkpoint from redis");
        return 0;
    }
    if (!atomic_load(&app->reader.connected)) {
        tw_buf_puts(reason, "redis not connected");
        return 0;
    }
    return 1;
}

/* Restores the checkpoint, waiting for Redis with backoff; false if stopped first. */
static bool restore(analytics_app *app)
{
    tw_backoff backoff;
    tw_backoff_init(&backoff, 100000, 5000000);
    while (!tw_signal_stop_requested()) {
        char err[256];
        redisContext *ctx = tw_redis_connect(&app->url, RESTORE_TIMEOUT_MS, err, sizeof err);
        int status = ctx ? checkpoint_restore(&app->agg, ctx, &app->names, err, sizeof err) : TW_ERR;
        if (ctx)
            redisFree(ctx);
        if (status == TW_OK) {
            tw_log_info("checkpoint restored", TW_STR("key", app->names.key),
                        TW_INT("records", app->agg.records),
                        TW_INT("antennas", app->agg.antennas.count));
            return true;
        }
        /* reachable but unreadable: refuse to start from a wrong state (a replica or a
         * loading Redis is only not the master yet: wait) */
        if (ctx && !tw_redis_error_needs_reconnect(err)) {
            tw_log_error("cannot restore checkpoint", TW_STR("error", err));
            exit(1);
        }
        tw_log_warn("waiting for redis", TW_STR("error", err));
        tw_backoff_failed(&backoff, tw_mono_us());
        while (!tw_backoff_ready(&backoff, tw_mono_us()) && !tw_signal_stop_requested())
            tw_sleep_us(MAIN_POLL_US);
    }
    return false;
}

static double partitions_assigned(void *arg)
{
    return (double)atomic_load(&((kafka_reader *)arg)->assigned);
}

static void configure_kafka(analytics_app *app, tw_metrics *metrics)
{
    const analytics_settings *s = &app->settings;
    snprintf(app->dlq_topic, sizeof app->dlq_topic, "%s",
             *s->kafka_dlq_topic ? s->kafka_dlq_topic : s->kafka_topic);
    if (!*s->kafka_dlq_topic)
        snprintf(app->dlq_topic + strlen(app->dlq_topic),
                 sizeof app->dlq_topic - strlen(app->dlq_topic), ".dlq");
    kafka_reader_config config = {s->kafka_brokers, s->kafka_topic, app->dlq_topic,
                                  s->group, s->consumer, s->stream_key, app->url,
                                  s->kafka_session_timeout_ms, s->checkpoint_ms,
                                  s->checkpoint_records};
    char err[256] = "";
    if (kafka_reader_init(&app->kreader, &config, &app->agg, metrics, err, sizeof err) != TW_OK) {
        tw_log_error("cannot create the kafka consumer", TW_STR("error", err));
        exit(1);
    }
    app->api = (api_context){&app->agg, &app->kreader.lag, &app->kreader.unknown,
                             &app->kreader.unknown, tw_wall_us() / TW_US_PER_S, 0, NULL};
    app->metrics = (analytics_metrics){&app->agg, NULL, &app->kreader.lag, NULL, NULL,
                                       (size_t)s->antenna_metrics};
    analytics_metrics_register(&app->metrics, metrics);
    tw_metrics_gauge_fn(metrics, "analytics_kafka_partitions",
                        "Partitions assigned to this replica.", NULL, partitions_assigned,
                        &app->kreader);
}

static void configure(analytics_app *app, tw_metrics *metrics)
{
    const analytics_settings *s = &app->settings;
    if (app->kafka) {
        configure_kafka(app, metrics);
        return;
    }
    checkpoint_names_init(&app->names, s->stream_key, s->group, s->consumer, s->dlq_maxlen);
    checkpoint_lease_init(&app->names, &app->lease, s->adopt_after_s * TW_MS_PER_S);
    owed_init(&app->owed);
    adoption_init(&app->adoption, &app->agg, &app->owed, &app->names,
                  s->adopt_after_s * TW_MS_PER_S, metrics);
    stream_reader_init(&app->reader, &app->url, &app->names, &app->ring, metrics);
    app->reader.read_count = s->read_count;
    app->reader.block_ms = s->block_ms;
    app->reader.claim_idle_ms = s->claim_idle_ms;
    app->reader.claim_every_ms = s->claim_every_ms;
    apply_loop_init(&app->loop, &app->agg, &app->owed, &app->ring, &app->reader, &app->url,
                    &app->names, metrics);
    app->loop.checkpoint_every_ms = s->checkpoint_ms;
    app->loop.checkpoint_records = s->checkpoint_records;
    app->loop.adoption = &app->adoption;
    app->api = (api_context){&app->agg, &app->reader.lag, &app->reader.pending,
                             &app->reader.dlq_length, tw_wall_us() / TW_US_PER_S, 0,
                             &app->restored};
    app->metrics = (analytics_metrics){&app->agg, &app->ring, &app->reader.lag,
                                       &app->reader.pending, &app->reader.dlq_length,
                                       (size_t)s->antenna_metrics};
    analytics_metrics_register(&app->metrics, metrics);
}

/* The Kafka path consumes on the main thread until a stop is requested. */
static int run_kafka(analytics_app *app)
{
    int status = kafka_reader_run(&app->kreader) == TW_OK ? 0 : 1;
    kafka_reader_free(&app->kreader);
    return status;
}

/* The API's routes, in place before the server listens; they answer 503 until the state
 * is restored (api.h). */
static void register_api(tw_http *http, void *arg)
{
    analytics_app *app = arg;
    api_register(http, &app->api);
}

static int run(analytics_app *app)
{
    if (app->kafka)
        return run_kafka(app);
    if (!restore(app))
        return 0;
    atomic_store(&app->restored, true);
    if (stream_reader_start(&app->reader) != TW_OK || apply_loop_start(&app->loop) != TW_OK) {
        tw_log_error("cannot start threads");
        return 1;
    }
    while (!tw_signal_stop_requested())
        tw_sleep_us(MAIN_POLL_US);
    tw_log_info("stopping: draining the ring and saving a final checkpoint");
    stream_reader_join(&app->reader);
    apply_loop_join(&app->loop);
    return 0;
}

/* Buffers of this size or more are mapped and unmapped on their own. */
#define LARGE_ALLOCATION_BYTES (256 * 1024)

/* Memory must stay flat however many records pass: checkpoint commands and stream replies
 * are large and short-lived, and glibc's adaptive threshold would move them into the heap
 * after the first one is freed, where the space they leave stays resident. A fixed
 * threshold keeps them mapped, so they go back to the system when freed. */
static void keep_large_buffers_mapped(void)
{
    mallopt(M_MMAP_THRESHOLD, LARGE_ALLOCATION_BYTES);
}

int main(int argc, char **argv)
{
    static analytics_app app;
    keep_large_buffers_mapped();
    parse_settings(&app.settings, argc, argv);
    tw_log_start("analytics", app.settings.log_level);
    tw_signal_install();
    char err[256];
    if (tw_redis_url_resolve(app.settings.redis_url, &app.url, err, sizeof err) != TW_OK ||
        tw_sentinel_parse(&app.settings.sentinel, &app.url.sentinel, err, sizeof err) != TW_OK) {
        fprintf(stderr, "analytics: %s\n", err);
        return 2;
    }
    app.kafka = !strcmp(app.settings.broker, "kafka");
    tw_metrics *metrics = tw_metrics_new();
    tw_trace_start(&app.settings.trace, "analytics", metrics);
    aggregator_init(&app.agg, (size_t)app.settings.max_antennas);
    if (spsc_ring_init(&app.ring, (size_t)app.settings.ring_slots, sizeof(analytics_entry)) != TW_OK) {
        tw_log_error("out of memory at start");
        return 1;
    }
    configure(&app, metrics);
    tw_http_config http_config = {app.settings.listen_addr, (int)app.settings.port,
                                  (int)app.settings.http_threads, metrics, ready, &app};
    tw_http *http = tw_http_start_routed(&http_config, register_api, &app, err, sizeof err);
    if (!http) {
        tw_log_error("cannot start HTTP server", TW_STR("error", err));
        return 1;
    }
    tw_log_info("analytics started", TW_STR("broker", app.settings.broker),
                TW_STR("stream", app.kafka ? app.settings.kafka_topic : app.settings.stream_key),
                TW_STR("group", app.settings.group), TW_STR("consumer", app.settings.consumer),
                TW_INT("port", app.settings.port));
    int status = run(&app);
    tw_http_stop(http);
    tw_trace_stop();
    tw_log_info("analytics stopped", TW_INT("records", app.agg.records));
    spsc_ring_free(&app.ring);
    aggregator_free(&app.agg);
    owed_free(&app.owed);
    tw_metrics_free(metrics);
    return status;
}
