/* civetweb wrapper. civetweb hands every request to one dispatcher that decodes the path
 * strictly (tw_http_path.h), routes by exact path or longest prefix, times the handler and
 * counts the reply by route and status, so unknown paths get the same JSON 404 as
 * everything else. With tracing on, each request (but health, readiness and metrics probes)
 * gets a SERVER span, a child of an incoming traceparent header, current while the handler
 * runs.
 *
 * Connections: civetweb serves each connection on a worker thread of its own, from the
 * request's first byte to the connection's close, so a client that sends slowly or not at
 * all holds a worker. Hence the policy here: enough workers that a few hundred such
 * clients leave room for everyone else (max_connections), a short budget for receiving a
 * request (TW_HTTP_REQUEST_TIMEOUT_MS for the headers, the same again for the body) and
 * for an idle keep-alive connection, and a connection whose body was left unread is
 * closed after the reply rather than drained. Connections beyond the workers wait in a
 * short queue, then in the kernel's listen backlog; nothing grows without bound. */
#include "tw_http.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tw_alloc.h"
#include "tw_decimal.h"
#include "tw_http_path.h"
#include "tw_log.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_trace.h"

#define HTTP_MAX_ROUTES 48
#define HTTP_MAX_CODES_PER_ROUTE 12
#define HTTP_KEEP_ALIVE_TIMEOUT_MS 1000 /* an idle keep-alive connection keeps its worker */
#define HTTP_CONNECTION_QUEUE 32        /* accepted connections waiting for a free worker */
#define HTTP_LISTEN_BACKLOG 128         /* connections the kernel holds before accept */
#define HTTP_MAX_REQUEST_HEADER_BYTES "16384"
#define HTTP_METHOD_MAX_BYTES 16
#define HTTP_REQUEST_TIMEOUT 408
#define HTTP_URI_TOO_LONG 414
#define ROUTE_NOT_FOUND "not_found"
#define ROUTE_BAD_PATH "bad_path"

typedef struct {
    int code;             /* HTTP status */
    tw_counter *requests; /* http_requests_total{route,code} */
} code_counter;

typedef struct {
    char uri[128];                                /* exact path, or prefix when it ends in '/' */
    char name[48];                                /* route label */
    tw_http_handler handler;                      /* request handler */
    void *arg;                                    /* handler argument */
    tw_histogram *duration;                       /* http_request_duration_seconds{route} */
    code_counter codes[HTTP_MAX_CODES_PER_ROUTE]; /* lazily registered per status */
    int code_count;                               /* entries used in codes */
    bool traced;                                  /* requests get a server span (not for probes) */
} route;

struct tw_http {
    struct mg_context *ctx;        /* civetweb server */
    tw_metrics *metrics;           /* registry for /metrics */
    tw_http_ready_fn ready;        /* readiness check */
    void *ready_arg;               /* its argument */
    route routes[HTTP_MAX_ROUTES]; /* registered routes */
    _Atomic int route_count;       /* entries published; an entry is complete before it counts */
    route not_found;               /* pseudo-route for unmatched paths */
    route bad_path;                /* pseudo-route for paths tw_http_path_decode refused */
    pthread_mutex_t codes_lock;    /* guards lazy code counter registration */
    _Atomic int open_connections;  /* connections holding a worker now */
    int max_connections;           /* workers, the most connections served at once */
};

/* The request this worker thread is handling (civetweb runs one at a time per thread). */
typedef struct {
    char path[TW_HTTP_PATH_MAX_BYTES]; /* decoded path; "" when refused */
    int path_status;                   /* tw_http_path_decode's result */
    const char *path_reason;           /* its reason when refused */
    bool body_read;                    /* tw_http_read_body consumed the whole body */
} request_state;

static _Thread_local request_state current;

static const double request_duration_bounds_s[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                   0.05,   0.1,   0.25,   0.5,   1};

const char *tw_http_path(const struct mg_connection *conn)
{
    (void)conn; /* decoded by dispatch for this thread's request */
    return current.path;
}

const char *tw_http_method(const struct mg_connection *conn)
{
    return mg_get_request_info(conn)->request_method;
}

/* True when the request declared a body that no one read: civetweb would drain it
 * before the next request on the connection, for as long as the client cares to trickle. */
static bool body_left_unread(const struct mg_connection *conn)
{
    if (current.body_read)
        return false;
    const char *encoding = mg_get_header(conn, "Transfer-Encoding");
    return mg_get_request_info(conn)->content_length > 0 ||
           (encoding && strcasecmp(encoding, "identity") != 0);
}

/* Starts every reply: a connection whose body was left unread closes after it. */
static void begin_reply(struct mg_connection *conn, int status)
{
    if (body_left_unread(conn))
        mg_disable_connection_keep_alive(conn);
    mg_response_header_start(conn, status);
}

int tw_http_reply(struct mg_connection *conn, int status, const char *content_type,
                  const char *body, size_t len)
{
    begin_reply(conn, status);
    mg_response_header_add(conn, "Content-Type", content_type, -1);
    char length[32];
    snprintf(length, sizeof length, "%zu", len);
    mg_response_header_add(conn, "Content-Length", length, -1);
    mg_response_header_add(conn, "Cache-Control", "no-store", -1);
    mg_response_header_send(conn);
    if (strcmp(tw_http_method(conn), "HEAD") != 0)
        mg_write(conn, body, len);
    return status;
}

int tw_http_reply_json(struct mg_connection *conn, int status, const cJSON *doc)
{
    char *text = cJSON_PrintUnformatted(doc);
    if (!text)
        return tw_http_reply_error(conn, 500, "out of memory");
    tw_http_reply(conn, status, "application/json", text, strlen(text));
    free(text);
    return status;
}

int tw_http_reply_error(struct mg_connection *conn, int status, const char *fmt, ...)
{
    char reason[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(reason, sizeof reason, fmt, args);
    va_end(args);
    tw_buf body;
    tw_buf_init(&body);
    tw_buf_puts(&body, "{\"error\":");
    tw_buf_json_string(&body, reason);
    tw_buf_puts(&body, "}");
    tw_http_reply(conn, status, "application/json", body.data, body.len);
    tw_buf_free(&body);
    return status;
}

int tw_http_allow_methods(struct mg_connection *conn, const char *allowed)
{
    const char *method = tw_http_method(conn);
    size_t len = strlen(method);
    for (const char *p = allowed; p && *p;) {
        const char *end = strchr(p, ',');
        size_t item = end ? (size_t)(end - p) : strlen(p);
        if (item == len && !strncmp(p, method, len))
            return 1;
        p = end ? end + 1 : NULL;
    }
    begin_reply(conn, TW_HTTP_METHOD_NOT_ALLOWED);
    mg_response_header_add(conn, "Allow", allowed, -1);
    mg_response_header_add(conn, "Content-Type", "application/json", -1);
    static const char body[] = "{\"error\":\"method not allowed\"}";
    char length[16];
    snprintf(length, sizeof length, "%zu", sizeof body - 1);
    mg_response_header_add(conn, "Content-Length", length, -1);
    mg_response_header_send(conn);
    mg_write(conn, body, sizeof body - 1);
    return 0;
}

int tw_http_query_str(struct mg_connection *conn, const char *name, char *out, size_t out_size)
{
    const char *query = mg_get_request_info(conn)->query_string;
    if (!query)
        return 0;
    int len = mg_get_var(query, strlen(query), name, out, out_size);
    if (len == -1)
        return 0;
    if (len >= 0 && strlen(out) != (size_t)len)
        return -1; /* a %00 would cut the value short */
    return len < 0 ? -1 : 1;
}

int tw_http_query_int(struct mg_connection *conn, const char *name, int64_t min, int64_t max,
                      int64_t def, int64_t *out)
{
    char text[64];
    int found = tw_http_query_str(conn, name, text, sizeof text);
    if (found == 0) {
        *out = def;
        return TW_OK;
    }
    int64_t value = 0;
    if (found < 0 || tw_parse_i64(text, strlen(text), &value) != TW_DECIMAL_OK || value < min ||
        value > max) {
        tw_http_reply_error(conn, 400, "%s must be an integer from %lld to %lld", name,
                            (long long)min, (long long)max);
        return TW_INVALID;
    }
    *out = value;
    return TW_OK;
}

static int reply_too_large(struct mg_connection *conn, size_t max_bytes)
{
    return tw_http_reply_error(conn, TW_HTTP_PAYLOAD_TOO_LARGE,
                               "request body larger than %zu bytes", max_bytes);
}

static int reply_body_timeout(struct mg_connection *conn, size_t got, long long declared)
{
    return tw_http_reply_error(conn, HTTP_REQUEST_TIMEOUT,
                               "request body incomplete: %zu of %lld bytes within %d ms", got,
                               declared, TW_HTTP_REQUEST_TIMEOUT_MS);
}

/* One mg_read waits at most the request timeout for its chunk (civetweb returns what came,
 * 0 when nothing did), so the loop ends at most one timeout after its deadline. */
int tw_http_read_body(struct mg_connection *conn, tw_buf *out, size_t max_bytes)
{
    long long declared = mg_get_request_info(conn)->content_length; /* -1: chunked or none */
    if (declared > (long long)max_bytes)
        return reply_too_large(conn, max_bytes);
    int64_t deadline_us = tw_mono_us() + (int64_t)TW_HTTP_REQUEST_TIMEOUT_MS * TW_US_PER_MS;
    char chunk[4096];
    for (;;) {
        int got = mg_read(conn, chunk, sizeof chunk);
        if (got < 0)
            return tw_http_reply_error(conn, TW_HTTP_BAD_REQUEST, "unreadable request body");
        if (got == 0 && declared >= 0 && out->len < (size_t)declared)
            return reply_body_timeout(conn, out->len, declared);
        if (got == 0) {
            current.body_read = true;
            return TW_OK;
        }
        if (out->len + (size_t)got > max_bytes)
            return reply_too_large(conn, max_bytes);
        tw_buf_append(out, chunk, (size_t)got);
        if (tw_mono_us() > deadline_us && (declared < 0 || out->len < (size_t)declared))
            return reply_body_timeout(conn, out->len, declared);
    }
}

static void init_route(tw_http *http, route *r, const char *uri, const char *name,
                       tw_http_handler handler, void *arg)
{
    snprintf(r->uri, sizeof r->uri, "%s", uri);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->handler = handler;
    r->arg = arg;
    r->traced = true;
    char labels[80];
    snprintf(labels, sizeof labels, "route=\"%s\"", name);
    r->duration = tw_metrics_histogram(
        http->metrics, "http_request_duration_seconds", "Time to handle an HTTP request, by route.",
        labels, request_duration_bounds_s,
        sizeof request_duration_bounds_s / sizeof request_duration_bounds_s[0]);
}

void tw_http_route(tw_http *http, const char *uri, const char *route_name, tw_http_handler handler,
                   void *arg)
{
    int count = atomic_load_explicit(&http->route_count, memory_order_relaxed);
    if (count == HTTP_MAX_ROUTES) {
        tw_log_error("too many HTTP routes", TW_STR("uri", uri));
        abort();
    }
    init_route(http, &http->routes[count], uri, route_name, handler, arg);
    atomic_store_explicit(&http->route_count, count + 1, memory_order_release);
}

/* Exact match wins; otherwise the longest registered prefix ending in '/'. */
static route *find_route(tw_http *http, const char *path)
{
    route *best = NULL;
    size_t best_len = 0;
    int count = atomic_load_explicit(&http->route_count, memory_order_acquire);
    for (int i = 0; i < count; i++) {
        route *r = &http->routes[i];
        size_t len = strlen(r->uri);
        if (!strcmp(r->uri, path))
            return r;
        if (len > best_len && r->uri[len - 1] == '/' && !strncmp(r->uri, path, len)) {
            best = r;
            best_len = len;
        }
    }
    return best;
}

static void count_reply(tw_http *http, route *r, int status)
{
    tw_counter *counter = NULL;
    pthread_mutex_lock(&http->codes_lock);
    for (int i = 0; i < r->code_count && !counter; i++) {
        if (r->codes[i].code == status)
            counter = r->codes[i].requests;
    }
    if (!counter && r->code_count < HTTP_MAX_CODES_PER_ROUTE) {
        char labels[96];
        snprintf(labels, sizeof labels, "route=\"%s\",code=\"%d\"", r->name, status);
        counter = tw_metrics_counter(http->metrics, "http_requests_total",
                                     "HTTP requests answered, by route and status code.", labels);
        r->codes[r->code_count++] = (code_counter){status, counter};
    }
    pthread_mutex_unlock(&http->codes_lock);
    if (counter)
        tw_counter_add(counter, 1);
}

static int reply_not_found(struct mg_connection *conn, void *arg)
{
    (void)arg;
    return tw_http_reply_error(conn, 404, "no such path: %s", tw_http_path(conn));
}

/* A path tw_http_path_decode refused: 400 (414 when too long), without echoing it. */
static int reply_bad_path(struct mg_connection *conn, void *arg)
{
    (void)arg;
    if (current.path_status == TW_FULL)
        return tw_http_reply_error(conn, HTTP_URI_TOO_LONG, "request path longer than %d bytes",
                                   TW_HTTP_PATH_MAX_BYTES - 1);
    return tw_http_reply_error(conn, TW_HTTP_BAD_REQUEST, "request path holds %s",
                               current.path_reason);
}

/* Starts the request's server span: a child of a valid incoming traceparent (an invalid
 * one is counted and ignored), else a new trace when sampled. */
static bool begin_server_span(struct mg_connection *conn, const route *r, tw_span *span)
{
    if (!r->traced || !tw_trace_enabled())
        return false;
    const char *header = mg_get_header(conn, "traceparent");
    tw_trace_context parent;
    bool has_parent = false;
    if (header) {
        has_parent = tw_traceparent_parse(header, strlen(header), &parent) == TW_OK;
        if (!has_parent)
            tw_trace_count_invalid();
    }
    const char *method = tw_http_method(conn);
    const char *template = r->uri[0] ? r->uri : r->name;
    char name[sizeof((route *)0)->uri + HTTP_METHOD_MAX_BYTES];
    snprintf(name, sizeof name, "%.*s %s", HTTP_METHOD_MAX_BYTES - 2, method, template);
    if (!tw_trace_begin(span, name, TW_SPAN_SERVER, has_parent ? &parent : NULL))
        return false;
    tw_span_attr_str(span, "http.method", method);
    tw_span_attr_str(span, "http.route", template);
    tw_span_attr_str(span, "http.target", tw_http_path(conn));
    return true;
}

/* A route template the handler named for this thread's request (tw_http_set_route). */
static _Thread_local char route_template[sizeof((route *)0)->uri];

void tw_http_set_route(const char *template)
{
    snprintf(route_template, sizeof route_template, "%s", template);
}

/* Renames the span after the template the handler named, if any. */
static void apply_route_template(struct mg_connection *conn, tw_span *span)
{
    if (!route_template[0])
        return;
    char name[sizeof route_template + HTTP_METHOD_MAX_BYTES];
    snprintf(name, sizeof name, "%.*s %s", HTTP_METHOD_MAX_BYTES - 2, tw_http_method(conn),
             route_template);
    snprintf(span->name, sizeof span->name, "%.*s", (int)sizeof span->name - 1, name);
    for (int i = 0; i < span->attr_count; i++) {
        if (!strcmp(span->attrs[i].key, "http.route"))
            snprintf(span->attrs[i].value.str, sizeof span->attrs[i].value.str, "%.*s",
                     (int)sizeof span->attrs[i].value.str - 1, route_template);
    }
}

static void end_server_span(tw_span *span, int status)
{
    tw_span_attr_int(span, "http.status_code", status);
    if (status >= 500)
        tw_span_set_error(span, "server error");
    tw_trace_end(span);
}

/* Decodes this request's path into current; the route that serves it. */
static route *route_request(tw_http *http, const struct mg_connection *conn)
{
    current.body_read = false;
    current.path_status = tw_http_path_decode(mg_get_request_info(conn)->local_uri, current.path,
                                              sizeof current.path, &current.path_reason);
    if (current.path_status != TW_OK) {
        current.path[0] = '\0';
        return &http->bad_path;
    }
    route *r = find_route(http, current.path);
    return r ? r : &http->not_found;
}

static int dispatch(struct mg_connection *conn, void *cbdata)
{
    tw_http *http = cbdata;
    int64_t started_us = tw_mono_us();
    route *r = route_request(http, conn);
    tw_span span;
    bool traced = begin_server_span(conn, r, &span);
    const tw_span *outer = traced ? tw_trace_set_current(&span) : NULL;
    route_template[0] = '\0';
    int status = r->handler(conn, r->arg);
    if (traced) {
        tw_trace_set_current(outer);
        apply_route_template(conn, &span);
        end_server_span(&span, status);
    }
    tw_histogram_observe(r->duration, (double)(tw_mono_us() - started_us) / 1e6);
    count_reply(http, r, status);
    return status;
}

static int handle_healthz(struct mg_connection *conn, void *arg)
{
    (void)arg;
    if (!tw_http_allow_methods(conn, "GET,HEAD"))
        return TW_HTTP_METHOD_NOT_ALLOWED;
    static const char body[] = "{\"status\":\"ok\"}";
    return tw_http_reply(conn, 200, "application/json", body, sizeof body - 1);
}

static int handle_readyz(struct mg_connection *conn, void *arg)
{
    tw_http *http = arg;
    if (!tw_http_allow_methods(conn, "GET,HEAD"))
        return TW_HTTP_METHOD_NOT_ALLOWED;
    tw_buf reason;
    tw_buf_init(&reason);
    int ready = http->ready ? http->ready(http->ready_arg, &reason) : 1;
    tw_buf body;
    tw_buf_init(&body);
    tw_buf_printf(&body, "{\"status\":\"%s\"", ready ? "ready" : "not ready");
    if (!ready) {
        tw_buf_puts(&body, ",\"reason\":");
        tw_buf_json_string(&body, reason.data ? reason.data : "");
    }
    tw_buf_puts(&body, "}");
    int status = tw_http_reply(conn, ready ? 200 : 503, "application/json", body.data, body.len);
    tw_buf_free(&body);
    tw_buf_free(&reason);
    return status;
}

static int handle_metrics(struct mg_connection *conn, void *arg)
{
    tw_http *http = arg;
    if (!tw_http_allow_methods(conn, "GET,HEAD"))
        return TW_HTTP_METHOD_NOT_ALLOWED;
    tw_buf text;
    tw_buf_init(&text);
    tw_metrics_render(http->metrics, &text);
    int status =
        tw_http_reply(conn, 200, "text/plain; version=0.0.4; charset=utf-8", text.data, text.len);
    tw_buf_free(&text);
    return status;
}

static int log_civetweb_message(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    tw_log_warn("http server", TW_STR("detail", message));
    return 1;
}

static int count_connection_open(const struct mg_connection *conn, void **conn_data)
{
    (void)conn_data;
    tw_http *http = mg_get_user_data(mg_get_context(conn));
    atomic_fetch_add_explicit(&http->open_connections, 1, memory_order_relaxed);
    return 0;
}

static void count_connection_close(const struct mg_connection *conn)
{
    tw_http *http = mg_get_user_data(mg_get_context(conn));
    atomic_fetch_sub_explicit(&http->open_connections, 1, memory_order_relaxed);
}

static double open_connections(void *arg)
{
    const tw_http *http = arg;
    return atomic_load_explicit(&http->open_connections, memory_order_relaxed);
}

static void register_connection_metrics(tw_http *http)
{
    tw_metrics_gauge_fn(http->metrics, "http_connections_open",
                        "HTTP connections holding a worker (reading, handling or idle between "
                        "keep-alive requests).",
                        NULL, open_connections, http);
    tw_gauge_set(tw_metrics_gauge(http->metrics, "http_connections_max",
                                  "HTTP connections served at once; more wait to be accepted.",
                                  NULL),
                 http->max_connections);
}

/* The built-in routes: probes and scrapes, GET only, without a span each. */
static void register_builtin_routes(tw_http *http)
{
    init_route(http, &http->not_found, "", ROUTE_NOT_FOUND, reply_not_found, NULL);
    init_route(http, &http->bad_path, "", ROUTE_BAD_PATH, reply_bad_path, NULL);
    tw_http_route(http, "/healthz", "healthz", handle_healthz, http);
    tw_http_route(http, "/readyz", "readyz", handle_readyz, http);
    tw_http_route(http, "/metrics", "metrics", handle_metrics, http);
    for (int i = 0; i < http->route_count; i++)
        http->routes[i].traced = false;
}

/* civetweb's settings as text, in storage that outlives mg_start. */
typedef struct {
    char ports[320];
    char threads[16];
    char request_timeout_ms[16];
    char keep_alive_timeout_ms[16];
    char queue[16];
    char backlog[16];
} server_settings;

static void format_settings(server_settings *set, const tw_http_config *config, int max_connections)
{
    snprintf(set->ports, sizeof set->ports, "%s:%d", config->listen_addr, config->port);
    snprintf(set->threads, sizeof set->threads, "%d", max_connections);
    snprintf(set->request_timeout_ms, sizeof set->request_timeout_ms, "%d",
             TW_HTTP_REQUEST_TIMEOUT_MS);
    snprintf(set->keep_alive_timeout_ms, sizeof set->keep_alive_timeout_ms, "%d",
             HTTP_KEEP_ALIVE_TIMEOUT_MS);
    snprintf(set->queue, sizeof set->queue, "%d", HTTP_CONNECTION_QUEUE);
    snprintf(set->backlog, sizeof set->backlog, "%d", HTTP_LISTEN_BACKLOG);
}

tw_http *tw_http_start(const tw_http_config *config, char *err, size_t err_size)
{
    return tw_http_start_routed(config, NULL, NULL, err, err_size);
}

tw_http *tw_http_start_routed(const tw_http_config *config, tw_http_routes_fn routes,
                              void *routes_arg, char *err, size_t err_size)
{
    tw_http *http = tw_xcalloc(1, sizeof *http);
    http->metrics = config->metrics;
    http->ready = config->ready;
    http->ready_arg = config->ready_arg;
    http->max_connections =
        config->max_connections > 0 ? config->max_connections : TW_HTTP_DEFAULT_MAX_CONNECTIONS;
    pthread_mutex_init(&http->codes_lock, NULL);
    register_builtin_routes(http);
    if (routes)
        routes(http, routes_arg);

    server_settings set = {0};
    format_settings(&set, config, http->max_connections);
    /* decode_url no: dispatch decodes, strictly; empty CORS settings: no cross-origin
     * access (civetweb's default answers every preflight with "*") */
    const char *options[] = {"listening_ports",
                             set.ports,
                             "num_threads",
                             set.threads,
                             "connection_queue",
                             set.queue,
                             "listen_backlog",
                             set.backlog,
                             "request_timeout_ms",
                             set.request_timeout_ms,
                             "keep_alive_timeout_ms",
                             set.keep_alive_timeout_ms,
                             "max_request_size",
                             HTTP_MAX_REQUEST_HEADER_BYTES,
                             "enable_keep_alive",
                             "yes",
                             "decode_url",
                             "no",
                             "access_control_allow_origin",
                             "",
                             "access_control_allow_methods",
                             "",
                             "access_control_allow_headers",
                             "",
                             "tcp_nodelay",
                             "1",
                             NULL};
    struct mg_callbacks callbacks;
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.log_message = log_civetweb_message;
    callbacks.init_connection = count_connection_open;
    callbacks.connection_close = count_connection_close;
    mg_init_library(0);
    http->ctx = mg_start(&callbacks, http, options);
    if (!http->ctx) {
        snprintf(err, err_size, "cannot listen on %s", set.ports);
        pthread_mutex_destroy(&http->codes_lock);
        free(http);
        return NULL;
    }
    register_connection_metrics(http);
    mg_set_request_handler(http->ctx, "/", dispatch, http);
    return http;
}

void tw_http_stop(tw_http *http)
{
    if (!http)
        return;
    mg_stop(http->ctx);
    pthread_mutex_destroy(&http->codes_lock);
    free(http);
}
