/* HTTP/1.1 POST over a plain socket (tw_net: every wait bounded by one deadline) with
 * "Connection: close". Only the status line matters to callers; the rest of the reply is
 * discarded. */
#include "tw_http_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tw_net.h"
#include "tw_status.h"
#include "tw_time.h"

#define HTTP_DEFAULT_PORT 80
#define HTTP_SCHEME "http://"
#define HTTP_HEADER_BYTES 1024
#define HTTP_REPLY_HEAD_BYTES 4096

int tw_http_url_parse(const char *text, tw_http_url *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    size_t scheme_len = strlen(HTTP_SCHEME);
    if (!text || strncmp(text, HTTP_SCHEME, scheme_len) != 0) {
        snprintf(err, err_size, "endpoint must start with http:// (https is not supported)");
        return TW_INVALID;
    }
    const char *host = text + scheme_len;
    const char *path = strchr(host, '/');
    size_t authority_len = path ? (size_t)(path - host) : strlen(host);
    const char *colon = memchr(host, ':', authority_len);
    size_t host_len = colon ? (size_t)(colon - host) : authority_len;
    if (host_len == 0 || host_len >= sizeof out->host) {
        snprintf(err, err_size, "endpoint has no usable host");
        return TW_INVALID;
    }
    memcpy(out->host, host, host_len);
    out->port = HTTP_DEFAULT_PORT;
    if (colon) {
        char *end = NULL;
        long port = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || end != host + authority_len || port < 1 || port > 65535) {
            snprintf(err, err_size, "endpoint port must be 1..65535");
            return TW_INVALID;
        }
        out->port = (int)port;
    }
    if (path) {
        size_t path_len = strlen(path);
        while (path_len > 0 && path[path_len - 1] == '/')
            path_len--;
        if (path_len >= sizeof out->path) {
            snprintf(err, err_size, "endpoint path too long");
            return TW_INVALID;
        }
        memcpy(out->path, path, path_len);
    }
    return TW_OK;
}

/* Reads until the status line is complete; parses "HTTP/1.x NNN". */
static int read_status(int fd, int64_t deadline_us, int *status)
{
    char head[HTTP_REPLY_HEAD_BYTES];
    size_t used = 0;
    while (used < sizeof head - 1) {
        ssize_t n = recv(fd, head + used, sizeof head - 1 - used, 0);
        if (n > 0) {
            used += (size_t)n;
            head[used] = '\0';
            if (strstr(head, "\r\n"))
                break;
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            return TW_ERR;
        } else if (tw_net_wait(fd, POLLIN, deadline_us) != TW_OK) {
            return TW_ERR;
        }
    }
    int code = 0;
    if (sscanf(head, "HTTP/1.%*d %3d", &code) != 1 || code < 100 || code > 599)
        return TW_ERR;
    *status = code;
    return TW_OK;
}

int tw_http_post(const tw_http_url *url, const char *path, const char *content_type,
                 const char *body, size_t len, int timeout_ms, int *status, char *err,
                 size_t err_size)
{
    int64_t deadline_us = tw_mono_us() + (int64_t)timeout_ms * TW_US_PER_MS;
    int fd = tw_net_connect(url->host, url->port, deadline_us, err, err_size);
    if (fd < 0)
        return TW_ERR;
    char header[HTTP_HEADER_BYTES];
    int header_len = snprintf(header, sizeof header,
                              "POST %s%s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: %s\r\n"
                              "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                              url->path, path, url->host, url->port, content_type, len);
    int rc = TW_ERR;
    if (header_len < 0 || (size_t)header_len >= sizeof header)
        snprintf(err, err_size, "request header too long");
    else if (tw_net_send_all(fd, header, (size_t)header_len, deadline_us) != TW_OK ||
             tw_net_send_all(fd, body, len, deadline_us) != TW_OK)
        snprintf(err, err_size, "send to %s:%d failed or timed out", url->host, url->port);
    else if (read_status(fd, deadline_us, status) != TW_OK)
        snprintf(err, err_size, "no valid reply from %s:%d in time", url->host, url->port);
    else
        rc = TW_OK;
    close(fd);
    return rc;
}
