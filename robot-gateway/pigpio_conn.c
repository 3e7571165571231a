/* pigpio client socket with deadlines: getaddrinfo, non-blocking connect and poll(2) for
 * every wait, framing through the shared tw_pigpio codec. */
#include "pigpio_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tw_pigpio.h"
#include "tw_status.h"
#include "tw_time.h"

#define US_PER_MS 1000
#define MAX_PORT 65535

int rg_parse_host_port(const char *text, char *host, size_t host_size, int *port)
{
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text || (size_t)(colon - text) >= host_size)
        return TW_INVALID;
    char *end = NULL;
    long value = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || value < 1 || value > MAX_PORT)
        return TW_INVALID;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    *port = (int)value;
    return TW_OK;
}

/* Waits until fd is ready for events or deadline_us passes; TW_OK or TW_ERR. */
static int wait_ready(int fd, short events, int64_t deadline_us)
{
    for (;;) {
        int64_t left_us = deadline_us - tw_mono_us();
        if (left_us <= 0)
            return TW_ERR;
        struct pollfd pfd = {.fd = fd, .events = events};
        int rc = poll(&pfd, 1, (int)((left_us + US_PER_MS - 1) / US_PER_MS));
        if (rc > 0)
            return TW_OK;
        if (rc < 0 && errno != EINTR)
            return TW_ERR;
    }
}

static int connect_one(const struct addrinfo *ai, int timeout_ms)
{
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int64_t deadline_us = tw_mono_us() + (int64_t)timeout_ms * US_PER_MS;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    int soerr = 0;
    socklen_t len = sizeof soerr;
    if (wait_ready(fd, POLLOUT, deadline_us) != TW_OK ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr) {
        close(fd);
        errno = soerr ? soerr : ETIMEDOUT;
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int rg_pigpio_open(rg_pigpio_conn *conn, const char *host, int port, int timeout_ms,
                   int io_timeout_ms, char *err, size_t err_size)
{
    conn->fd = -1;
    conn->io_timeout_ms = io_timeout_ms;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *list = NULL;
    int rc = getaddrinfo(host, service, &hints, &list);
    if (rc != 0) {
        snprintf(err, err_size, "cannot resolve %s: %s", host, gai_strerror(rc));
        return TW_ERR;
    }
    for (const struct addrinfo *ai = list; ai && conn->fd < 0; ai = ai->ai_next)
        conn->fd = connect_one(ai, timeout_ms);
    if (conn->fd < 0)
        snprintf(err, err_size, "cannot connect to %s:%d: %s", host, port, strerror(errno));
    freeaddrinfo(list);
    return conn->fd >= 0 ? TW_OK : TW_ERR;
}

static int send_all(int fd, const uint8_t *bytes, size_t len, int64_t deadline_us)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = send(fd, bytes + done, len - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_ready(fd, POLLOUT, deadline_us) != TW_OK)
                return TW_ERR;
        } else {
            return TW_ERR;
        }
    }
    return TW_OK;
}

static int recv_all(int fd, uint8_t *bytes, size_t len, int64_t deadline_us)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = recv(fd, bytes + done, len - done, 0);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_ready(fd, POLLIN, deadline_us) != TW_OK)
                return TW_ERR;
        } else {
            return TW_ERR;
        }
    }
    return TW_OK;
}

int rg_pigpio_batch(rg_pigpio_conn *conn, const tw_pigpio_frame *requests, int count,
                    int32_t *results)
{
    if (conn->fd < 0 || count < 1 || count > RG_PIGPIO_MAX_BATCH)
        return TW_ERR;
    int64_t deadline_us = tw_mono_us() + (int64_t)conn->io_timeout_ms * US_PER_MS;
    uint8_t bytes[RG_PIGPIO_MAX_BATCH * TW_PIGPIO_FRAME_BYTES];
    size_t len = (size_t)count * TW_PIGPIO_FRAME_BYTES;
    for (int i = 0; i < count; i++)
        tw_pigpio_encode(&requests[i], bytes + i * TW_PIGPIO_FRAME_BYTES);
    if (send_all(conn->fd, bytes, len, deadline_us) != TW_OK ||
        recv_all(conn->fd, bytes, len, deadline_us) != TW_OK)
        return TW_ERR;
    for (int i = 0; i < count; i++) {
        tw_pigpio_frame reply;
        tw_pigpio_decode(bytes + i * TW_PIGPIO_FRAME_BYTES, &reply);
        if (reply.cmd != requests[i].cmd)
            return TW_ERR;
        results[i] = tw_pigpio_result(&reply);
    }
    return TW_OK;
}

int rg_pigpio_command(rg_pigpio_conn *conn, uint32_t cmd, uint32_t p1, uint32_t p2, int32_t *result)
{
    tw_pigpio_frame request = {cmd, p1, p2, 0};
    return rg_pigpio_batch(conn, &request, 1, result);
}

void rg_pigpio_close(rg_pigpio_conn *conn)
{
    if (conn->fd >= 0)
        close(conn->fd);
    conn->fd = -1;
}
