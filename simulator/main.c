/* simulator: one process simulating --antennas antennas, each reporting every --interval
 * seconds (or --rate reports/s in total) to the Redis stream or, with --broker kafka, to a
 * Kafka topic, with /metrics, /healthz and /readyz on its HTTP port. Reports wait in a
 * bounded queue while the broker is away. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "antenna_model.h"
#include "kafka_writer.h"
#include "report_queue.h"
#include "resend_window.h"
#include "stream_writer.h"
#include "tw_alloc.h"
#include "tw_http.h"
#include "tw_kafka.h"
#include "tw_log.h"
#include "tw_options.h"
#include "tw_redis.h"
#include "tw_signal.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_trace.h"

#define IDLE_SLEEP_MAX_US 50000
#define SHUTDOWN_FLUSH_MAX_US 3000000
#define DEFAULT_ANTENNA_ID "antenna"
#define EXIT_DRAIN_STEP_MS 100
#define STRINGIFY(x) #x
#define TEXT_OF(x) STRINGIFY(x)

typedef struct {
    const char *listen_addr;
    int64_t port;
    const char *redis_url;
    tw_sentinel_settings sentinel;
    const char *stream_key;
    const char *antenna_id;
    int64_t antennas;
    double interval_s;
    double rate;
    int64_t count;
    int64_t seed;
    double fault_rate;
    int64_t maxlen;
    int64_t queue_size;
    int64_t batch;
    int64_t resend_window_ms;
    int64_t resend_window_max;
    const char *broker;
    const char *kafka_brokers;
    const char *kafka_topic;
    int64_t kafka_linger_ms;
    const char *log_level;
    tw_trace_settings trace;
} sim_settings;

typedef struct {
    sim_settings settings;
    antenna_model *antennas;   /* one model per antenna */
    int64_t *next_due_us;      /* interval mode: when each antenna reports next */
    uint64_t generated;        /* reports generated so far */
    uint64_t generated_packets; /* sum of their packets (logged at exit, for exact checks) */
    uint64_t generated_loss;    /* sum of their loss */
    uint64_t next_antenna;     /* rate mode: round-robin cursor */
    int64_t started_us;        /* monotonic start */
    char run[TW_RUN_ID_MAX_LEN + 1]; /* this process's run id */
    report_queue queue;        /* reports not yet confirmed */
    report_sink sink;          /* where reports go: writer or kwriter */
    stream_writer writer;      /* Redis side (--broker redis) */
    kafka_writer kwriter;      /* Kafka side (--broker kafka) */
    tw_counter *generated_total;
    tw_counter *dropped_total;
    tw_gauge *queue_depth;
} simulator;

static void parse_settings(sim_settings *s, int argc, char **argv)
{
    tw_option options[] = {
        {"port", "PORT", TW_OPT_INT, "8003", "HTTP port for /metrics, /healthz, /readyz (0: none)", &s->port, 0, 65535, NULL},
        TW_HTTP_LISTEN_OPTION(&s->listen_addr),
        TW_REDIS_OPTIONS(&s->redis_url, &s->sentinel),
        {"stream-key", "STREAM_KEY", TW_OPT_STR, "antenna_stream", "stream to append reports to", &s->stream_key, 0, 0, NULL},
        {"antenna-id", "ANTENNA_ID", TW_OPT_STR, "", "antenna id (default $HOSTNAME); with --antennas N > 1 ids are <id>-0..<id>-(N-1)", &s->antenna_id, 0, 0, NULL},
        {"antennas", "ANTENNAS", TW_OPT_INT, "1", "antennas simulated by this process", &s->antennas, 1, 100000, NULL},
        {"interval", "INTERVAL_S", TW_OPT_DBL, "5", "seconds between two reports of one antenna", &s->interval_s, 0.001, 86400, NULL},
        {"rate", "RATE", TW_OPT_DBL, "-1", "reports/s for the whole process, overriding --interval; 0 = as fast as possible", &s->rate, -1, 10000000, NULL},
        {"count", "COUNT", TW_OPT_INT, "0", "stop after this many reports in total (0: never)", &s->count, 0, INT64_MAX, NULL},
        {"seed", "SEED", TW_OPT_INT, "0", "PRNG seed for reproducible values (0: random)", &s->seed, 0, INT64_MAX, NULL},
        {"fault-rate", "FAULT_RATE", TW_OPT_DBL, "0.01", "chance per report that a degraded period starts", &s->fault_rate, 0, 1, NULL},
        {"maxlen", "STREAM_MAXLEN", TW_OPT_INT, "5000000", "approximate stream length cap (MAXLEN ~); 0 = no trimming", &s->maxlen, 0, INT64_MAX, NULL},
        {"queue-size", "QUEUE_SIZE", TW_OPT_INT, "100000", "reports held while Redis is unreachable", &s->queue_size, 1, 100000000, NULL},
        {"batch", "BATCH", TW_OPT_INT, "1024", "reports per pipelined XADD batch", &s->batch, 1, 65536, NULL},
        {"resend-window-ms", "RESEND_WINDOW_MS", TW_OPT_INT, "2000", "ms a report stays kept after Redis confirms it, re-sent if Redis comes back without it (0: off)", &s->resend_window_ms, 0, 86400000, NULL},
        {"resend-window-max", "RESEND_WINDOW_MAX", TW_OPT_INT, "262144", "reports the re-send window keeps at most (" TEXT_OF(RESEND_WINDOW_ENTRY_BYTES) " bytes each, allocated at start)", &s->resend_window_max, 1, 100000000, NULL},
        {"broker", "BROKER", TW_OPT_STR, "redis", "where reports go: the Redis stream or a Kafka topic", &s->broker, 0, 0, "redis|kafka"},
        TW_KAFKA_BROKERS_OPTION(&s->kafka_brokers),
        {"kafka-topic", "KAFKA_TOPIC", TW_OPT_STR, "antenna-reports", "Kafka topic for reports (key = antenna id)", &s->kafka_topic, 0, 0, NULL},
        {"kafka-linger-ms", "KAFKA_LINGER_MS", TW_OPT_INT, "5", "how long a Kafka batch may wait to fill (linger.ms)", &s->kafka_linger_ms, 0, 900000, NULL},
        TW_LOG_LEVEL_OPTION(&s->log_level),
        TW_TRACE_OPTIONS(&s->trace, "0.01"),
    };
    TW_CLI_PARSE("simulator",
                 "Simulates antennas that report packets, loss and latency to a Redis stream "
                 "or a Kafka topic.",
                 options, argc, argv);
    if (!*s->antenna_id)
        s->antenna_id = tw_env_or("HOSTNAME", DEFAULT_ANTENNA_ID);
}

static uint64_t random_seed(void)
{
    uint64_t seed = 0;
    FILE *urandom = fopen("/dev/urandom", "rb");
    if (!urandom || fread(&seed, sizeof seed, 1, urandom) != 1)
        seed = (uint64_t)tw_wall_us() ^ ((uint64_t)getpid() << 32);
    if (urandom)
        fclose(urandom);
    return seed;
}

static int setup_antennas(simulator *sim)
{
    const sim_settings *s = &sim->settings;
    uint64_t seed = s->seed ? (uint64_t)s->seed : random_seed();
    sim->antennas = tw_xcalloc((size_t)s->antennas, sizeof *sim->antennas);
    sim->next_due_us = tw_xcalloc((size_t)s->antennas, sizeof *sim->next_due_us);
    for (int64_t i = 0; i < s->antennas; i++) {
        char id[TW_ANTENNA_ID_MAX_LEN + 1];
        int len = s->antennas == 1 ? snprintf(id, sizeof id, "%s", s->antenna_id)
                                   : snprintf(id, sizeof id, "%s-%" PRId64, s->antenna_id, i);
        if (len < 0 || (size_t)len >= sizeof id || !tw_antenna_id_valid(id, (size_t)len)) {
            fprintf(stderr, "simulator: antenna id \"%s\" (from %s) is not [A-Za-z0-9._-]{1,64}\n",
                    id, s->antenna_id);
            exit(2);
        }
        antenna_model_init(&sim->antennas[i], id, seed);
        /* stagger antennas across the interval so reports arrive evenly */
        sim->next_due_us[i] = sim->started_us + (int64_t)(s->interval_s * 1e6 * (double)i /
                                                          (double)s->antennas);
    }
    snprintf(sim->run, sizeof sim->run, "%016" PRIx64, random_seed());
    return TW_OK;
}

static bool count_reached(const simulator *sim)
{
    return sim->settings.count > 0 && sim->generated >= (uint64_t)sim->settings.count;
}

static void generate_one(simulator *sim, size_t antenna, double interval_s, int64_t now_wall_us)
{
    tw_report report;
    antenna_model_next(&sim->antennas[antenna], interval_s, sim->settings.fault_rate,
                       now_wall_us, sim->run, &report);
    if (tw_trace_sample_new())
        stream_writer_start_trace(&report);
    if (report_queue_push(&sim->queue, &report)) {
        if (sim->queue.dropped == 1 || sim->queue.dropped % 10000 == 0)
            tw_log_warn("queue full: oldest report dropped",
                        TW_INT("dropped_total", sim->queue.dropped));
    }
    sim->generated++;
    sim->generated_packets += report.packets;
    sim->generated_loss += report.loss;
    tw_counter_add(sim->generated_total, 1);
}

/* Rate mode (--rate R, or 0 for as fast as possible): round-robin over antennas. */
static void generate_by_rate(simulator *sim, int64_t now_us, int64_t now_wall_us)
{
    const sim_settings *s = &sim->settings;
    uint64_t target = s->rate > 0 ? (uint64_t)((double)(now_us - sim->started_us) / 1e6 * s->rate)
                                  : sim->generated + (uint64_t)s->batch;
    double interval_s = s->rate > 0 ? (double)s->antennas / s->rate : s->interval_s;
    size_t room = sim->queue.capacity - sim->queue.count;
    for (size_t made = 0; sim->generated < target && !count_reached(sim); made++) {
        if (s->rate == 0 && made >= room)
            break; /* as fast as possible, but never by dropping queued reports */
        generate_one(sim, sim->next_antenna, interval_s, now_wall_us);
        sim->next_antenna = (sim->next_antenna + 1) % (uint64_t)s->antennas;
    }
}

/* Interval mode: each antenna reports when its own deadline passes. */
static void generate_by_interval(simulator *sim, int64_t now_us, int64_t now_wall_us)
{
    const sim_settings *s = &sim->settings;
    for (int64_t i = 0; i < s->antennas && !count_reached(sim); i++) {
        if (now_us < sim->next_due_us[i])
            continue;
        generate_one(sim, (size_t)i, s->interval_s, now_wall_us);
        sim->next_due_us[i] += (int64_t)(s->interval_s * 1e6);
        if (sim->next_due_us[i] < now_us) /* fell far behind: do not burst to catch up */
            sim->next_due_us[i] = now_us + (int64_t)(s->interval_s * 1e6);
    }
}

static int64_t next_due_us(const simulator *sim, int64_t now_us)
{
    const sim_settings *s = &sim->settings;
    if (s->rate > 0)
        return now_us + (int64_t)(1e6 / s->rate);
    int64_t next = now_us + IDLE_SLEEP_MAX_US;
    for (int64_t i = 0; s->rate < 0 && i < s->antennas; i++) {
        if (sim->next_due_us[i] < next)
            next = sim->next_due_us[i];
    }
    return next;
}

/* Moves queued reports towards the broker; how many moved, or TW_AGAIN. */
static int flush_queue(simulator *sim)
{
    return sim->sink.type->flush(sim->sink.impl, &sim->queue);
}

/* Queue depth, and drops (by new reports, or by re-sent ones put back at the front). */
static void update_queue_metrics(simulator *sim)
{
    tw_gauge_set(sim->queue_depth, (double)sim->queue.count);
    uint64_t counted = tw_counter_value(sim->dropped_total);
    if (sim->queue.dropped > counted)
        tw_counter_add(sim->dropped_total, sim->queue.dropped - counted);
}

static void run_loop(simulator *sim)
{
    while (!tw_signal_stop_requested()) {
        int64_t now_us = tw_mono_us();
        if (!count_reached(sim)) {
            if (sim->settings.rate >= 0)
                generate_by_rate(sim, now_us, tw_wall_us());
            else
                generate_by_interval(sim, now_us, tw_wall_us());
        }
        int written = flush_queue(sim);
        update_queue_metrics(sim);
        if (count_reached(sim) && sim->queue.count == 0)
            return;
        bool busy = written > 0 || sim->sink.type->busy(sim->sink.impl) ||
                    (sim->settings.rate == 0 && !count_reached(sim));
        if (!busy || written == TW_AGAIN) {
            int64_t wait = next_due_us(sim, now_us) - tw_mono_us();
            tw_sleep_us(wait < IDLE_SLEEP_MAX_US ? wait : IDLE_SLEEP_MAX_US);
        }
    }
}

/* After a stop signal: give queued reports a bounded chance to reach the broker (for
 * Kafka: to be handed to librdkafka and acknowledged). */
static void flush_before_exit(simulator *sim)
{
    int64_t deadline = tw_mono_us() + SHUTDOWN_FLUSH_MAX_US;
    int in_flight = 0;
    for (;;) {
        bool refused = sim->queue.count > 0 && flush_queue(sim) == TW_AGAIN;
        in_flight = sim->sink.type->drain(sim->sink.impl, EXIT_DRAIN_STEP_MS);
        if ((sim->queue.count == 0 && in_flight == 0) || tw_mono_us() >= deadline)
            break;
        if (refused && in_flight == 0)
            tw_sleep_us(IDLE_SLEEP_MAX_US);
    }
    if (sim->queue.count > 0 || in_flight > 0)
        tw_log_warn("reports still queued at exit were not written",
                    TW_INT("reports", sim->queue.count + (size_t)in_flight));
}

static void log_stopped(const simulator *sim)
{
    report_sink_stats stats;
    sim->sink.type->stats(sim->sink.impl, &stats);
    tw_log_info("simulator stopped", TW_INT("generated", sim->generated),
                TW_INT("generated_packets", sim->generated_packets),
                TW_INT("generated_loss", sim->generated_loss), TW_INT("sent", stats.sent),
                TW_INT("dropped", sim->queue.dropped), TW_INT("resent", stats.resent),
                TW_INT("resolved", stats.resolved), TW_INT("rollbacks", stats.rollbacks));
}

static int broker_ready(void *arg, tw_buf *reason)
{
    simulator *sim = arg;
    if (sim->sink.type->ready(sim->sink.impl))
        return 1;
    tw_buf_puts(reason, sim->sink.type->not_ready);
    return 0;
}

static int start_writer(simulator *sim, const tw_redis_url *url, tw_metrics *metrics)
{
    const sim_settings *s = &sim->settings;
    if (strcmp(s->broker, "kafka") != 0) {
        stream_writer_config config = {url,
                                       s->stream_key,
                                       s->maxlen,
                                       (size_t)s->batch,
                                       sim->run,
                                       s->resend_window_ms,
                                       (size_t)s->resend_window_max,
                                       (size_t)s->antennas};
        sim->sink = stream_writer_sink(&sim->writer);
        return stream_writer_init(&sim->writer, &config, metrics);
    }
    char err[256] = "";
    kafka_writer_config config = {s->kafka_brokers, s->kafka_topic, s->antenna_id,
                                  s->queue_size,    s->kafka_linger_ms, (size_t)s->batch};
    sim->sink = kafka_writer_sink(&sim->kwriter);
    if (kafka_writer_init(&sim->kwriter, &config, metrics, err, sizeof err) == TW_OK)
        return TW_OK;
    tw_log_error("cannot create the kafka producer", TW_STR("error", err));
    return TW_ERR;
}

static void register_metrics(simulator *sim, tw_metrics *metrics)
{
    sim->generated_total = tw_metrics_counter(metrics, "simulator_reports_generated_total",
                                              "Reports generated by the antenna models.", NULL);
    sim->dropped_total = tw_metrics_counter(
        metrics, "simulator_reports_dropped_total",
        "Reports dropped because the queue was full while Redis was unreachable.", NULL);
    sim->queue_depth = tw_metrics_gauge(metrics, "simulator_queue_reports",
                                        "Reports waiting to be confirmed by Redis.", NULL);
    tw_gauge_set(tw_metrics_gauge(metrics, "simulator_antennas",
                                  "Antennas simulated by this process.", NULL),
                 (double)sim->settings.antennas);
}

int main(int argc, char **argv)
{
    simulator sim;
    memset(&sim, 0, sizeof sim);
    parse_settings(&sim.settings, argc, argv);
    tw_log_start("simulator", sim.settings.log_level);
    tw_signal_install();

    tw_redis_url url;
    char err[256];
    if (tw_redis_url_resolve(sim.settings.redis_url, &url, err, sizeof err) != TW_OK ||
        tw_sentinel_parse(&sim.settings.sentinel, &url.sentinel, err, sizeof err) != TW_OK) {
        fprintf(stderr, "simulator: %s\n", err);
        return 2;
    }
    sim.started_us = tw_mono_us();
    tw_metrics *metrics = tw_metrics_new();
    register_metrics(&sim, metrics);
    tw_trace_start(&sim.settings.trace, "simulator", metrics);
    if (setup_antennas(&sim) != TW_OK ||
        report_queue_init(&sim.queue, (size_t)sim.settings.queue_size) != TW_OK ||
        start_writer(&sim, &url, metrics) != TW_OK) {
        tw_log_error("cannot start");
        return 1;
    }
    tw_http *http = NULL;
    if (sim.settings.port > 0) {
        tw_http_config http_config = {sim.settings.listen_addr, (int)sim.settings.port,
                                      TW_HTTP_DEFAULT_MAX_CONNECTIONS,
                                      metrics, broker_ready, &sim};
        http = tw_http_start(&http_config, err, sizeof err);
        if (!http) {
            tw_log_error("cannot start HTTP server", TW_STR("error", err));
            return 1;
        }
    }
    tw_log_info("simulator started", TW_STR("run", sim.run),
                TW_INT("antennas", sim.settings.antennas), TW_STR("broker", sim.settings.broker),
                TW_STR("stream", strcmp(sim.settings.broker, "kafka") ? sim.settings.stream_key
                                                                      : sim.settings.kafka_topic),
                TW_DBL("interval_s", sim.settings.interval_s), TW_DBL("rate", sim.settings.rate),
                TW_INT("count", sim.settings.count));
    run_loop(&sim);
    flush_before_exit(&sim);
    log_stopped(&sim);
    tw_http_stop(http);
    tw_trace_stop();
    sim.sink.type->free(sim.sink.impl);
    report_queue_free(&sim.queue);
    free(sim.antennas);
    free(sim.next_due_us);
    tw_metrics_free(metrics);
    return 0;
}
