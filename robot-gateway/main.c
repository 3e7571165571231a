/* robot-gateway: drives the two robots (linus, torvalds) through their pigpio daemons,
 * behind an authenticated HTTP API and a control page. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "pigpio_conn.h"
#include "tw_log.h"
#include "tw_options.h"
#include "tw_signal.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_trace.h"

#define SERVICE "robot-gateway"
#define STOP_POLL_US 100000 /* how often main checks for a stop signal */
#define MIN_PORT 1
#define MAX_PORT 65535
#define MIN_WATCHDOG_MS 50
#define MAX_WATCHDOG_MS 60000
#define HOST_BYTES 256
#define TOKEN_TEXT_BYTES (2 * RG_TOKEN_BYTES + 1)

typedef struct {
    int64_t port;
    int64_t watchdog_ms;
    const char *listen_addr;
    const char *token;
    const char *addr[RG_ROBOT_COUNT];
    const char *config;
    const char *dashboard_url;
    const char *log_level;
    tw_trace_settings trace; /* --otlp-endpoint, --service-name, --trace-sample */
} settings;

static void parse_settings(settings *s, int argc, char **argv)
{
    tw_option options[] = {
        {"port", "PORT", TW_OPT_INT, "8002", "HTTP port", &s->port, MIN_PORT, MAX_PORT, NULL},
        {"listen", "LISTEN_ADDR", TW_OPT_STR, "0.0.0.0", "address to listen on", &s->listen_addr, 0,
         0, NULL},
        {"token", "ROBOT_TOKEN", TW_OPT_STR, "",
         "bearer token every POST needs (empty: a random one is generated and logged)", &s->token,
         0, 0, NULL},
        {"linus-pigpio", "LINUS_PIGPIO", TW_OPT_STR, "127.0.0.1:8888",
         "linus's pigpio daemon host:port", &s->addr[0], 0, 0, NULL},
        {"torvalds-pigpio", "TORVALDS_PIGPIO", TW_OPT_STR, "127.0.0.1:8889",
         "torvalds's pigpio daemon host:port", &s->addr[1], 0, 0, NULL},
        {"watchdog-ms", "ROBOT_WATCHDOG_MS", TW_OPT_INT, "500",
         "motors stop when no drive command arrives for this long (by the gateway, and by a "
         "dead-man's script on each Pi should the gateway die or lose its link)",
         &s->watchdog_ms, MIN_WATCHDOG_MS, MAX_WATCHDOG_MS, NULL},
        {"config", "ROBOT_CONFIG", TW_OPT_STR, "",
         "JSON pin file overriding the default pins, servo pulse ranges and drive patterns "
         "(empty: the original robots' wiring)",
         &s->config, 0, 0, NULL},
        {"dashboard-url", "DASHBOARD_URL", TW_OPT_STR, "",
         "the dashboard's address for the control page's link (empty: this host, port 8000)",
         &s->dashboard_url, 0, 0, NULL},
        TW_LOG_LEVEL_OPTION(&s->log_level),
        TW_TRACE_OPTIONS(&s->trace, "1"),
    };
    TW_CLI_PARSE(SERVICE,
                 "Drives the robots linus and torvalds through their pigpio daemons: an "
                 "authenticated JSON API, a control page at /, a drive watchdog, and a "
                 "dead-man's script on each Pi that stops the motors should the gateway die "
                 "or lose its link.",
                 options, argc, argv);
}

/* Loads pins and checks both daemon addresses; exits 2 like a bad flag would. */
static void load_pins(const settings *s, rg_pins *pins, char host[][HOST_BYTES], int *ports)
{
    char err[256];
    rg_pins_defaults(pins);
    if (s->config[0] && rg_pins_load(pins, s->config, err, sizeof err) != TW_OK) {
        tw_log_error("bad pin file", TW_STR("path", s->config), TW_STR("reason", err));
        exit(2);
    }
    for (int i = 0; i < RG_ROBOT_COUNT; i++) {
        if (rg_parse_host_port(s->addr[i], host[i], HOST_BYTES, &ports[i]) != TW_OK) {
            tw_log_error("bad pigpio address, want host:port",
                         TW_STR("robot", pins->robots[i].name), TW_STR("value", s->addr[i]));
            exit(2);
        }
    }
}

int main(int argc, char **argv)
{
    settings s = {0};
    parse_settings(&s, argc, argv);
    tw_log_start(SERVICE, s.log_level);
    tw_signal_install();

    rg_pins pins;
    char host[RG_ROBOT_COUNT][HOST_BYTES];
    int ports[RG_ROBOT_COUNT];
    load_pins(&s, &pins, host, ports);

    char generated[TOKEN_TEXT_BYTES];
    if (!s.token[0]) {
        if (rg_auth_generate(generated, sizeof generated) != TW_OK) {
            tw_log_error("cannot generate a token");
            return EXIT_FAILURE;
        }
        s.token = generated;
        tw_log_warn("ROBOT_TOKEN not set; generated one for this run", TW_STR("token", generated));
    }

    tw_metrics *metrics = tw_metrics_new();
    tw_trace_start(&s.trace, SERVICE, metrics);
    rg_api api = {.token = s.token, .dashboard_url = s.dashboard_url};
    for (int i = 0; i < RG_ROBOT_COUNT; i++) {
        api.addr[i] = s.addr[i];
        api.robots[i] = rg_robot_start(&pins.robots[i], host[i], ports[i], s.watchdog_ms, metrics);
    }
    tw_http_config http_config = {s.listen_addr, (int)s.port,  TW_HTTP_DEFAULT_MAX_CONNECTIONS,
                                  metrics,       rg_api_ready, &api};
    char err[256];
    tw_http *http = tw_http_start(&http_config, err, sizeof err);
    int rc = EXIT_SUCCESS;
    if (!http) {
        tw_log_error("cannot start HTTP server", TW_STR("reason", err));
        rc = EXIT_FAILURE;
    } else {
        rg_api_register(http, &api);
        tw_log_info("listening", TW_STR("listen", s.listen_addr), TW_INT("port", s.port),
                    TW_INT("watchdog_ms", s.watchdog_ms));
        while (!tw_signal_stop_requested())
            tw_sleep_us(STOP_POLL_US);
        tw_log_info("stopping");
        tw_http_stop(http);
    }
    for (int i = 0; i < RG_ROBOT_COUNT; i++)
        rg_robot_stop(api.robots[i]);
    tw_trace_stop();
    tw_metrics_free(metrics);
    tw_log_info("stopped");
    return rc;
}
