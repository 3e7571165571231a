/* GET over a plain socket with a deadline; see fetch.h. One request per connection
 * (Connection: close) keeps the framing simple; the dashboard's cache bounds how often. */
#include "fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tw_status.h"
#include "tw_time.h"

#define US_PER_MS 1000
#define READ_CHUNK_BYTES 16384
#define HTTP_STATUS_OK 200

/* Waits for events on fd until the deadline; 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline_us)
{
    for (;;) {
        int64_t left_ms = (deadline_us - tw_mono_us()) / US_PER_MS;
        if (left_ms <= 0)
            return 0;
        struct pollfd pfd = {.fd = fd, .events = events};
        int rc = poll(&pfd, 1, (int)left_ms);
        if (rc < 0 && errno == EINTR)
            continue;
        return rc < 0 ? -1 : rc;
    }
}

static int connect_by(const struct sockaddr *addr, socklen_t len, int64_t deadline_us,
                      char *err, size_t err_size)
{
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_size, "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, addr, len) == 0)
        return fd;
    if (errno != EINPROGRESS) {
        snprintf(err, err_size, "connect: %s", strerror(errno));
        close(fd);
        return -1;
    }
    int ready = wait_fd(fd, POLLOUT, deadline_us);
    int so_error = 0;
    socklen_t so_len = sizeof so_error;
    if (ready <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len) || so_error) {
        snprintf(err, err_size, "connect: %s", ready == 0 ? "timed out" : strerror(so_error));
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *data, size_t len, int64_t deadline_us)
{
    while (len > 0) {
        ssize_t sent = send(fd, data, len, MSG_NOSIGNAL);
        if (sent < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(fd, POLLOUT, deadline_us) <= 0)
                return TW_ERR;
            continue;
        }
        if (sent <= 0)
            return TW_ERR;
        data += sent;
        len -= (size_t)sent;
    }
    return TW_OK;
}

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
        if (wait_fd(fd, POLLIN, deadline_us) <= 0) {
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

int dash_fetch(const struct sockaddr *addr, socklen_t addr_len, const char *path, int timeout_ms,
               size_t max_bytes, tw_buf *body, char *err, size_t err_size)
{
    int64_t deadline_us = tw_mono_us() + (int64_t)timeout_ms * US_PER_MS;
    int fd = connect_by(addr, addr_len, deadline_us, err, err_size);
    if (fd < 0)
        return TW_ERR;
    char request[512];
    int len = snprintf(request, sizeof request,
                       "GET %s HTTP/1.1\r\nHost: analytics\r\nConnection: close\r\n"
                       "Accept: application/json\r\n\r\n",
                       path);
    tw_buf raw;
    tw_buf_init(&raw);
    int rc = TW_ERR;
    if (len <= 0 || (size_t)len >= sizeof request ||
        send_all(fd, request, (size_t)len, deadline_us) != TW_OK)
        snprintf(err, err_size, "send failed");
    else if (read_reply(fd, &raw, max_bytes, deadline_us, err, err_size) == TW_OK)
        rc = take_body(&raw, body, err, err_size);
    close(fd);
    tw_buf_free(&raw);
    return rc;
}
