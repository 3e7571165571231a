/* The one small HTTP/1.1 client: http:// only, one request per connection (Connection:
 * close), every step (connect, send, receive) bounded by one deadline. POST of small bodies
 * for the trace exporter's OTLP batches, where only the status matters; GET with a bounded
 * body for the dashboard's requests to the analytics replicas. Blocking: call it from a
 * background or worker thread only. */
#ifndef TW_HTTP_CLIENT_H
#define TW_HTTP_CLIENT_H

#include <stddef.h>
#include <sys/socket.h>

#include "tw_buf.h"

#define TW_HTTP_HOST_BYTES 256
#define TW_HTTP_PATH_BYTES 512

typedef struct {
    char host[TW_HTTP_HOST_BYTES]; /* name or address */
    int port;                      /* TCP port (80 when the URL has none) */
    char path[TW_HTTP_PATH_BYTES]; /* base path without a trailing '/', "" for none */
} tw_http_url;

/* Parses "http://host[:port][/base]"; TW_OK, or TW_INVALID with the reason in err. */
int tw_http_url_parse(const char *text, tw_http_url *out, char *err, size_t err_size);
/* POSTs body to url's host at path within timeout_ms. TW_OK with the response status in
 * *status, or TW_ERR (connection refused, timeout, reset, unreadable reply) with err set. */
int tw_http_post(const tw_http_url *url, const char *path, const char *content_type,
                 const char *body, size_t len, int timeout_ms, int *status, char *err,
                 size_t err_size);
/* GETs path from addr (Host: host) within timeout_ms, sending header (one "Name: value" line)
 * unless it is NULL. TW_OK with the status in *status and the reply's body appended to body;
 * a reply over max_bytes, a timeout or a socket error is TW_ERR with err set. */
int tw_http_get(const struct sockaddr *addr, socklen_t addr_len, const char *host, const char *path,
                const char *header, int timeout_ms, size_t max_bytes, int *status, tw_buf *body,
                char *err, size_t err_size);

#endif
