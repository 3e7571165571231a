/* HTTP/1.1 over a plain socket (tw_net: every wait bounded by one deadline) with
 * "Connection: close". One exchange serves both methods: send the request, then read the
 * reply through its status line (POST: the rest is discarded) or whole, framed by
 * Content-Length or by the peer closing (GET); a chunked body is decoded. */
#include "tw_http_client.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
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
#define HTTP_READ_CHUNK_BYTES 16384
#define HTTP_ERROR_BYTES 192
#define HTTP_HEAD_END "\r\n\r\n"
#define HTTP_CONTENT_LENGTH "\r\nContent-Length:"
#define HTTP_CHUNKED "\r\nTransfer-Encoding: chunked"

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
    if (colon && tw_net_parse_port(colon + 1, (size_t)(host + authority_len - (colon + 1)),
                                   &out->port) != TW_OK) {
        snprintf(err, err_size, "endpoint port must be 1..65535");
        return TW_INVALID;
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

/* Where "\r\nName:" (given in name, any case) starts before head_end, or NULL: only the
 * head is searched, never a body that may be large or binary. */
static const char *header_in_head(const char *data, const char *head_end, const char *name)
{
    size_t name_len = strlen(name);
    for (const char *p = data; p + name_len <= head_end; p++) {
        if (!strncasecmp(p, name, name_len))
            return p;
    }
    return NULL;
}

/* True when raw holds what the caller needs: the status line, or (whole) the header and as
 * many body bytes as Content-Length declares. Without Content-Length, only a close ends it. */
static bool reply_complete(const tw_buf *raw, bool whole)
{
    if (!raw->data)
        return false;
    if (!whole)
        return strstr(raw->data, "\r\n") != NULL;
    const char *head_end = memmem(raw->data, raw->len, HTTP_HEAD_END, strlen(HTTP_HEAD_END));
    const char *length = head_end ? header_in_head(raw->data, head_end, HTTP_CONTENT_LENGTH) : NULL;
    if (!length)
        return false;
    size_t head_len = (size_t)(head_end - raw->data) + strlen(HTTP_HEAD_END);
    return raw->len >= head_len + strtoul(length + strlen(HTTP_CONTENT_LENGTH), NULL, 10);
}

/* Reads the reply into raw until reply_complete, the peer closes, or max_bytes is crossed. */
static int read_reply(int fd, tw_buf *raw, bool whole, size_t max_bytes, int64_t deadline_us,
                      char *err, size_t err_size)
{
    char chunk[HTTP_READ_CHUNK_BYTES];
    while (!reply_complete(raw, whole)) {
        if (raw->len > max_bytes) {
            snprintf(err, err_size, "reply larger than %zu bytes", max_bytes);
            return TW_ERR;
        }
        ssize_t got = recv(fd, chunk, sizeof chunk, 0);
        if (got == 0)
            return TW_OK;
        if (got > 0) {
            tw_buf_append(raw, chunk, (size_t)got);
        } else if (errno != EAGAIN && errno != EINTR) {
            snprintf(err, err_size, "recv: %s", strerror(errno));
            return TW_ERR;
        } else if (tw_net_wait(fd, POLLIN, deadline_us) != TW_OK) {
            snprintf(err, err_size, "reply timed out");
            return TW_ERR;
        }
    }
    return TW_OK;
}

/* Parses the status line "HTTP/1.x NNN" at the start of raw. */
static int parse_status(const tw_buf *raw, int *status)
{
    int code = 0;
    if (!raw->data || sscanf(raw->data, "HTTP/1.%*d %3d", &code) != 1 || code < 100 || code > 599)
        return TW_ERR;
    *status = code;
    return TW_OK;
}

/* Sends the request (head, then body) on fd, reads the reply into raw and parses its
 * status; closes fd. */
static int exchange(int fd, const char *head, size_t head_len, const char *body, size_t body_len,
                    int64_t deadline_us, bool whole, size_t max_bytes, tw_buf *raw, int *status,
                    char *err, size_t err_size)
{
    int rc = TW_ERR;
    if (tw_net_send_all(fd, head, head_len, deadline_us) != TW_OK ||
        tw_net_send_all(fd, body, body_len, deadline_us) != TW_OK)
        snprintf(err, err_size, "send failed or timed out");
    else if (read_reply(fd, raw, whole, max_bytes, deadline_us, err, err_size) != TW_OK)
        rc = TW_ERR;
    else if (parse_status(raw, status) != TW_OK)
        snprintf(err, err_size, "malformed HTTP reply");
    else
        rc = TW_OK;
    close(fd);
    return rc;
}

int tw_http_post(const tw_http_url *url, const char *path, const char *content_type,
                 const char *body, size_t len, int timeout_ms, int *status, char *err,
                 size_t err_size)
{
    int64_t deadline_us = tw_mono_us() + (int64_t)timeout_ms * TW_US_PER_MS;
    char header[HTTP_HEADER_BYTES];
    int header_len = snprintf(header, sizeof header,
                              "POST %s%s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: %s\r\n"
                              "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                              url->path, path, url->host, url->port, content_type, len);
    if (header_len < 0 || (size_t)header_len >= sizeof header) {
        snprintf(err, err_size, "request header too long");
        return TW_ERR;
    }
    int fd = tw_net_connect(url->host, url->port, deadline_us, err, err_size);
    if (fd < 0)
        return TW_ERR;
    tw_buf reply;
    tw_buf_init(&reply);
    char why[HTTP_ERROR_BYTES];
    int rc = exchange(fd, header, (size_t)header_len, body, len, deadline_us, false,
                      HTTP_REPLY_HEAD_BYTES, &reply, status, why, sizeof why);
    if (rc != TW_OK)
        snprintf(err, err_size, "%s:%d: %s", url->host, url->port, why);
    tw_buf_free(&reply);
    return rc;
}

/* Appends the data of a chunked body (RFC 9112 7.1) to out; TW_OK only when its last,
 * empty chunk arrived, so a reply cut short is never taken for a whole one. */
static int decode_chunked(const char *data, size_t len, tw_buf *out)
{
    const char *p = data, *end = data + len;
    for (;;) {
        const char *line_end = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!line_end || !isxdigit((unsigned char)*p))
            return TW_INVALID;
        char *digits_end = NULL;
        unsigned long long size = strtoull(p, &digits_end, 16);
        if (digits_end > line_end || (*digits_end != '\r' && *digits_end != ';'))
            return TW_INVALID;
        p = line_end + 2;
        if (size == 0)
            return TW_OK; /* trailers, if any, are not needed */
        if (size > (size_t)(end - p) || (size_t)(end - p) - size < 2 ||
            memcmp(p + size, "\r\n", 2) != 0)
            return TW_INVALID;
        tw_buf_append(out, p, (size_t)size);
        p += size + 2;
    }
}

int tw_http_get(const struct sockaddr *addr, socklen_t addr_len, const char *host, const char *path,
                const char *header, int timeout_ms, size_t max_bytes, int *status, tw_buf *body,
                char *err, size_t err_size)
{
    int64_t deadline_us = tw_mono_us() + (int64_t)timeout_ms * TW_US_PER_MS;
    char request[HTTP_HEADER_BYTES];
    int len = snprintf(request, sizeof request,
                       "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
                       "Accept: application/json\r\n%s%s\r\n",
                       path, host, header ? header : "", header ? "\r\n" : "");
    if (len < 0 || (size_t)len >= sizeof request) {
        snprintf(err, err_size, "request header too long");
        return TW_ERR;
    }
    int fd = tw_net_connect_addr(addr, addr_len, deadline_us);
    if (fd < 0) {
        snprintf(err, err_size, "connect: %s", strerror(errno));
        return TW_ERR;
    }
    tw_buf raw;
    tw_buf_init(&raw);
    int rc = exchange(fd, request, (size_t)len, "", 0, deadline_us, true, max_bytes, &raw, status,
                      err, err_size);
    const char *head_end = rc == TW_OK && raw.data
                               ? memmem(raw.data, raw.len, HTTP_HEAD_END, strlen(HTTP_HEAD_END))
                               : NULL;
    if (rc == TW_OK && !head_end) {
        snprintf(err, err_size, "malformed HTTP reply");
        rc = TW_ERR;
    } else if (rc == TW_OK) {
        const char *start = head_end + strlen(HTTP_HEAD_END);
        size_t left = raw.len - (size_t)(start - raw.data);
        if (!header_in_head(raw.data, head_end, HTTP_CHUNKED))
            tw_buf_append(body, start, left);
        else if (decode_chunked(start, left, body) != TW_OK) {
            snprintf(err, err_size, "chunked reply cut or malformed");
            rc = TW_ERR;
        }
    }
    tw_buf_free(&raw);
    return rc;
}
