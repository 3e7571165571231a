/* dashboard: serves the page and the contract's JSON merged over every analytics replica.
 * A resolver thread re-resolves ANALYTICS_ADDR periodically, the main thread samples the
 * 1-minute window once a second into the chart history; civetweb threads serve requests. */
#include <stdio.h>
#include <stdlib.h>

#include "api.h"
#include "resolver.h"
#include "tw_http.h"
#include "tw_log.h"
#include "tw_options.h"
#include "tw_signal.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_trace.h"

#define DEFAULT_PORT "8000"
#define PORT_MAX 65535
#define SSE_MAX_CLIENTS 32
#define SSE_INTERVAL_MS 1000
#define SAMPLE_INTERVAL_US 1000000
#define SAMPLE_STEP_US 100000
#define HISTORY_WINDOW_S 60
#define MAX_REPLY_BYTES (512u << 20) /* a full document: about 90 bytes per antenna */
/* The most one resolution waits for the DNS: at start, and in each re-resolution (so a
 * stop is never held up longer by a DNS server that does not answer). */
#define RESOLVE_TIMEOUT_MS 2000

typedef struct {
    const char *listen_addr; /* --listen */
    int64_t port;            /* --port */
    const char *analytics;   /* --analytics-addr */
    int64_t timeout_ms;      /* --upstream-timeout-ms */
    int64_t cache_ms;        /* --cache-ms */
    int64_t resync_ms;       /* --resync-timeout-ms */
    int64_t keep_stale_ms;   /* --keep-stale-ms */
    int64_t resolve_s;       /* --resolve-interval */
    const char *log_level;   /* --log-level */
    tw_trace_settings trace; /* --otlp-endpoint, --service-name, --trace-sample */
} settings;

static void parse_settings(settings *s, int argc, char **argv)
{
    tw_option options[] = {
        {"port", "PORT", TW_OPT_INT, DEFAULT_PORT, "HTTP port", &s->port, 1, PORT_MAX, NULL},
        {"listen", "LISTEN_ADDR", TW_OPT_STR, "0.0.0.0", "address to listen on", &s->listen_addr, 0,
         0, NULL},
        {"analytics-addr", "ANALYTICS_ADDR", TW_OPT_STR, "127.0.0.1:8001",
         "analytics replicas: comma-separated host:port (a host may resolve to several)",
         &s->analytics, 0, 0, NULL},
        {"upstream-timeout-ms", "UPSTREAM_TIMEOUT_MS", TW_OPT_INT, "1000",
         "deadline for one request to a replica", &s->timeout_ms, 10, 60000, NULL},
        {"cache-ms", "CACHE_MS", TW_OPT_INT, "250",
         "how old merged data may get before the replicas are asked what changed", &s->cache_ms, 0,
         10000, NULL},
        {"resync-timeout-ms", "RESYNC_TIMEOUT_MS", TW_OPT_INT, "20000",
         "deadline for a replica's full document (every antenna: at start, after a replica "
         "restarts)",
         &s->resync_ms, 10, 600000, NULL},
        {"keep-stale-ms", "KEEP_STALE_MS", TW_OPT_INT, "15000",
         "how long a replica that stopped answering is still counted from its last answer "
         "(listed as stale), so totals do not dip while it restarts; 0 drops it at once",
         &s->keep_stale_ms, 0, 3600000, NULL},
        {"resolve-interval", "RESOLVE_INTERVAL_S", TW_OPT_INT, "5",
         "seconds between DNS re-resolutions of ANALYTICS_ADDR", &s->resolve_s, 1, 3600, NULL},
        TW_LOG_LEVEL_OPTION(&s->log_level),
        TW_TRACE_OPTIONS(&s->trace, "1"),
    };
    TW_CLI_PARSE("dashboard",
                 "Serves the towerwatch page and the analytics JSON API merged over every "
                 "analytics replica.",
                 options, argc, argv);
}

static int ready(void *arg, tw_buf *reason)
{
    dash_app *app = arg;
    dash_snapshot *snapshot = dash_source_get(app->source, 0);
    int answered = snapshot->totals.answered;
    dash_snapshot_release(snapshot);
    if (!answered)
        tw_buf_puts(reason, "no analytics replica answers");
    return answered > 0;
}

/* Until a stop signal: add one history point a second. */
static void run_sampler(dash_app *app)
{
    int64_t next_sample_us = tw_mono_us();
    while (!tw_signal_stop_requested()) {
        int64_t now_us = tw_mono_us();
        if (now_us >= next_sample_us) {
            dash_snapshot *snapshot = dash_source_get(app->source, HISTORY_WINDOW_S);
            if (snapshot->totals.answered + snapshot->totals.stale_count > 0)
                dash_history_add(app->history, tw_wall_us() / TW_US_PER_S, snapshot);
            dash_snapshot_release(snapshot);
            next_sample_us += SAMPLE_INTERVAL_US;
            if (next_sample_us < now_us)
                next_sample_us = now_us + SAMPLE_INTERVAL_US;
        }
        tw_sleep_us(SAMPLE_STEP_US);
    }
}

int main(int argc, char **argv)
{
    settings s;
    parse_settings(&s, argc, argv);
    tw_log_start("dashboard", s.log_level);
    tw_signal_install();

    char err[256];
    tw_metrics *metrics = tw_metrics_new();
    dash_upstreams *upstreams = dash_upstreams_new(s.analytics, metrics, err, sizeof err);
    if (!upstreams) {
        fprintf(stderr, "dashboard: %s\n", err);
        tw_metrics_free(metrics);
        return 2;
    }
    dash_upstreams_resolve(upstreams, RESOLVE_TIMEOUT_MS);
    dash_resolver *resolver = dash_resolver_start(upstreams, s.resolve_s, RESOLVE_TIMEOUT_MS);
    if (!resolver) {
        tw_log_error("cannot start the resolver thread");
        dash_upstreams_free(upstreams);
        tw_metrics_free(metrics);
        return EXIT_FAILURE;
    }
    tw_trace_start(&s.trace, "dashboard", metrics);
    dash_source_config source_config = {upstreams,       (int)s.timeout_ms,    (int)s.resync_ms,
                                        (int)s.cache_ms, (int)s.keep_stale_ms, MAX_REPLY_BYTES,
                                        metrics};
    dash_app app = {.source = dash_source_new(&source_config),
                    .history = dash_history_new(),
                    .sse_max_clients = SSE_MAX_CLIENTS,
                    .sse_interval_ms = SSE_INTERVAL_MS};
    atomic_init(&app.sse_clients, 0);
    tw_http_config http_config = {s.listen_addr, (int)s.port, TW_HTTP_DEFAULT_MAX_CONNECTIONS,
                                  metrics,       ready,       &app};
    tw_http *http = tw_http_start(&http_config, err, sizeof err);
    int rc = EXIT_FAILURE;
    if (!http) {
        tw_log_error("cannot start HTTP server", TW_STR("error", err));
    } else {
        dash_api_register(http, &app);
        tw_log_info("dashboard listening", TW_STR("listen", s.listen_addr), TW_INT("port", s.port),
                    TW_STR("analytics", s.analytics));
        run_sampler(&app);
        tw_log_info("stopping");
        tw_http_stop(http);
        rc = EXIT_SUCCESS;
    }
    tw_trace_stop();
    dash_resolver_stop(resolver);
    dash_source_free(app.source);
    dash_history_free(app.history);
    tw_metrics_free(metrics);
    dash_upstreams_free(upstreams);
    return rc;
}
