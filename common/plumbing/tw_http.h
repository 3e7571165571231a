/* HTTP services on civetweb: routes with per-route request metrics, JSON replies and
 * JSON errors, strict query parsing, and the contract's /healthz, /readyz and /metrics. */
#ifndef TW_HTTP_H
#define TW_HTTP_H

#include <civetweb.h>
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"
#include "tw_metrics.h"

typedef struct tw_http tw_http;

/* The status a handler returns after tw_http_allow_methods refused the method. */
#define TW_HTTP_METHOD_NOT_ALLOWED 405
/* The status of a request whose query or body was refused by validation. */
#define TW_HTTP_BAD_REQUEST 400
/* The status of a request whose body is larger than the route takes. */
#define TW_HTTP_PAYLOAD_TOO_LARGE 413

/* Handles one request. The rule: a handler returns the HTTP status it sent (100..599), which
 * the request metrics and the server span record and civetweb is handed back; after
 * tw_http_allow_methods returned 0, that is TW_HTTP_METHOD_NOT_ALLOWED. */
typedef int (*tw_http_handler)(struct mg_connection *conn, void *arg);
/* Returns 1 when the service can do its work; else 0 with a reason in reason. */
typedef int (*tw_http_ready_fn)(void *arg, tw_buf *reason);

/* Connections a service serves at once unless it says otherwise: one worker thread each,
 * so a few hundred slow or idle clients still leave workers for everyone else. */
#define TW_HTTP_DEFAULT_MAX_CONNECTIONS 256
#define TW_HTTP_DEFAULT_MAX_CONNECTIONS_TEXT "256" /* the same, for option tables */
/* The time a client has to send a request's headers, and again its body (a read under way
 * when the time runs out may add one more), and the longest a reply's send may stall. */
#define TW_HTTP_REQUEST_TIMEOUT_MS 2000

/* The --listen entry of a service's option table. */
#define TW_HTTP_LISTEN_OPTION(target)                                                              \
    {"listen", "LISTEN_ADDR", TW_OPT_STR, "0.0.0.0", "HTTP listen address", (target), 0, 0, NULL}

typedef struct {
    const char *listen_addr; /* address to bind, e.g. "0.0.0.0" */
    int port;                /* TCP port */
    int max_connections;     /* connections served at once, a worker thread each (0: default) */
    tw_metrics *metrics;     /* registry served at /metrics; request metrics are added to it */
    tw_http_ready_fn ready;  /* readiness check for /readyz, or NULL for always ready */
    void *ready_arg;         /* argument for ready */
} tw_http_config;

/* Registers a service's routes on http (called before the server listens). */
typedef void (*tw_http_routes_fn)(tw_http *http, void *arg);

/* Starts listening; returns NULL with err set when the port cannot be bound. */
tw_http *tw_http_start(const tw_http_config *config, char *err, size_t err_size);
/* Like tw_http_start, with routes(http, arg) registered before the first connection is
 * accepted, so no request finds them missing (a 404 from a service still starting). */
tw_http *tw_http_start_routed(const tw_http_config *config, tw_http_routes_fn routes,
                              void *routes_arg, char *err, size_t err_size);
/* Stops accepting, waits for requests in progress, frees the server. */
void tw_http_stop(tw_http *http);
/* Routes uri (exact path, or a prefix when it ends in '/') to handler; route names the
 * request metrics' label. Register before traffic arrives. */
void tw_http_route(tw_http *http, const char *uri, const char *route, tw_http_handler handler,
                   void *arg);

/* Names the route template of the request this thread is handling (e.g.
 * "/api/v1/robots/{robot}/drive") for its server span, when a prefix route serves many. */
void tw_http_set_route(const char *route_template);

/* Sends a complete response with the given body. Returns status. */
int tw_http_reply(struct mg_connection *conn, int status, const char *content_type,
                  const char *body, size_t len);
/* Sends doc as JSON (the caller keeps ownership of doc). Returns status. */
int tw_http_reply_json(struct mg_connection *conn, int status, const cJSON *doc);
/* Sends {"error": "<formatted reason>"} with a 4xx/5xx status. Returns status. */
int tw_http_reply_error(struct mg_connection *conn, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads query parameter name as a canonical decimal integer (tw_parse_i64) in [min, max];
 * when absent stores def.
 * Returns TW_OK, or TW_INVALID after replying 400 with the reason. */
int tw_http_query_int(struct mg_connection *conn, const char *name, int64_t min, int64_t max,
                      int64_t def, int64_t *out);
/* Copies query parameter name into out; returns 1 if present, 0 if absent, -1 if too long
 * or holding a NUL byte. */
int tw_http_query_str(struct mg_connection *conn, const char *name, char *out, size_t out_size);
/* Reads the request body into out, at most max_bytes, within TW_HTTP_REQUEST_TIMEOUT_MS;
 * TW_OK (0), or the status it replied with (413 too large, 408 incomplete in time, 400
 * unreadable), for the handler to return. */
int tw_http_read_body(struct mg_connection *conn, tw_buf *out, size_t max_bytes);
/* Request path without the query string, percent-decoded (tw_http_path.h); "" when the
 * path was refused. */
const char *tw_http_path(const struct mg_connection *conn);
/* Request method ("GET", "POST", ...). */
const char *tw_http_method(const struct mg_connection *conn);
/* Replies 405 with an Allow header unless the method is one of allowed ("GET,HEAD").
 * Returns 1 when the method is allowed; 0 after replying, when the handler returns
 * TW_HTTP_METHOD_NOT_ALLOWED. */
int tw_http_allow_methods(struct mg_connection *conn, const char *allowed);

#endif
