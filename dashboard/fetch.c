/* GET over a plain socket with a deadline (tw_net); see fetch.h. One request per connection
 * (Connection: close) keeps the framing simple; the dashboard's cache bounds how often. */
#include "fetch.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tw_net.h"
#include "tw_status.h"
#include "tw_time.h"

#define READ_CHUNK_BYTES 16384
#define HTTP_STATUS_OK 200

/* Reads until the peer closes, the declared length arrives, or the limit is crossed. */
static int read_reply(int fd, tw_buf *raw, size_t max_bytes, int64_t deadline_us, char *err,
                      size_t err_size)
{
    char chunk[READ_CHUNK_BYTES];
    for (;;) {
        const char *head_end = raw->data ? strstr(raw->data, "\r\n\r\n") : NULL;
        if (head_end) {
            const char *cl = strcasestr(raw->data, "\r\nContent-Length:");
            if (cl && cl < head_end) {
                size_t want = (size_t)(head_end + 4 - raw->data) + strtoul(cl + 17, NULL, 10);
                if (raw->len >= want)
                    return TW_OK;
            }
        }
        if (raw->len > max_bytes) {
            snprintf(err, err_size, "reply larger than %zu bytes", max_bytes);
            return TW_ERR;
        }
        ssize_t got = recv(fd, chunk, sizeof chunk, 0);
        if (got == 0)
            return TW_OK;
        if (got > 0) {
            tw_buf_append(raw, chunk, (size_t)got);
            continue;
        }
        if (errno != EAGAIN && errno != EINTR) {
            snprintf(err, err_size, "recv: %s", strerror(errno));
            return TW_ERR;
        }
        if (tw_net_wait(fd, POLLIN, deadline_us) != TW_OK) {
            snprintf(err, err_size, "reply timed out");
            return TW_ERR;
        }
    }
}

/* Checks the status line and moves the body (after the header) into body. */
static int take_body(const tw_buf *raw, tw_buf *body, char *err, size_t err_size)
{
    int status = 0;
    const char *head_end = raw->data ? strstr(raw->data, "\r\n\r\n") : NULL;
    if (!head_end || sscanf(raw->data, "HTTP/1.%*d %d", &status) != 1) {
        snprintf(err, err_size, "malformed HTTP reply");
        return TW_ERR;
    }
    if (status != HTTP_STATUS_OK) {
        snprintf(err, err_size, "HTTP status %d", status);
        return TW_ERR;
    }
    const char *start = head_end + 4;
    tw_buf_append(body, start, raw->len - (size_t)(start - raw->data));
    return TW_OK;
}

int dash_fetch(const struct sockaddr *addr, socklen_t addr_len, const char *path,
               const char *traceparent, int timeout_ms, size_t max_bytes, tw_buf *body, char *err,
               size_t err_size)
{
    int64_t deadline_us = tw_mono_us() + (int64_t)timeout_ms * TW_US_PER_MS;
    int fd = tw_net_connect_addr(addr, addr_len, deadline_us);
    if (fd < 0) {
        snprintf(err, err_size, "connect: %s", strerror(errno));
        return TW_ERR;
    }
    char request[512];
    int len = snprintf(request, sizeof request,
                       "GET %s HTTP/1.1\r\nHost: analytics\r\nConnection: close\r\n"
                       "Accept: application/json\r\n%s%s%s\r\n",
                       path, traceparent ? "traceparent: " : "", traceparent ? traceparent : "",
                       traceparent ? "\r\n" : "");
    tw_buf raw;
    tw_buf_init(&raw);
    int rc = TW_ERR;
    if (len <= 0 || (size_t)len >= sizeof request ||
        tw_net_send_all(fd, request, (size_t)len, deadline_us) != TW_OK)
        snprintf(err, err_size, "send failed");
    else if (read_reply(fd, &raw, max_bytes, deadline_us, err, err_size) == TW_OK)
        rc = take_body(&raw, body, err, err_size);
    close(fd);
    tw_buf_free(&raw);
    return rc;
}
