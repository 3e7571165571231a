/* Deadline-bounded client sockets; see tw_net.h. */
#include "tw_net.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tw_decimal.h"
#include "tw_status.h"
#include "tw_time.h"

#define PORT_TEXT_BYTES 16
#define NET_PORT_MIN 1
#define NET_PORT_MAX 65535

int tw_net_parse_port(const char *text, size_t len, int *port)
{
    int64_t value;
    if (tw_parse_i64(text, len, &value) != TW_DECIMAL_OK || value < NET_PORT_MIN ||
        value > NET_PORT_MAX)
        return TW_INVALID;
    *port = (int)value;
    return TW_OK;
}

int tw_net_wait(int fd, short events, int64_t deadline_us)
{
    for (;;) {
        int64_t left_us = deadline_us - tw_mono_us();
        if (left_us <= 0)
            return TW_ERR;
        struct pollfd pfd = {.fd = fd, .events = events};
        int rc = poll(&pfd, 1, (int)((left_us + TW_US_PER_MS - 1) / TW_US_PER_MS));
        if (rc > 0)
            return TW_OK;
        if (rc < 0 && errno != EINTR)
            return TW_ERR;
    }
}

int tw_net_connect_addr(const struct sockaddr *addr, socklen_t len, int64_t deadline_us)
{
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, addr, len) == 0)
        return fd;
    int soerr = errno;
    if (soerr == EINPROGRESS) {
        socklen_t soerr_len = sizeof soerr;
        if (tw_net_wait(fd, POLLOUT, deadline_us) != TW_OK)
            soerr = ETIMEDOUT;
        else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len) < 0)
            soerr = errno;
        if (soerr == 0)
            return fd;
    }
    close(fd);
    errno = soerr;
    return -1;
}

int tw_net_connect(const char *host, int port, int64_t deadline_us, char *err, size_t err_size)
{
    char service[PORT_TEXT_BYTES];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *list = NULL;
    int rc = getaddrinfo(host, service, &hints, &list);
    if (rc != 0) {
        snprintf(err, err_size, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (const struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next)
        fd = tw_net_connect_addr(ai->ai_addr, ai->ai_addrlen, deadline_us);
    if (fd < 0)
        snprintf(err, err_size, "cannot connect to %s:%d: %s", host, port, strerror(errno));
    freeaddrinfo(list);
    return fd;
}

/* Moves all len bytes through fd, sent (sending) or received into bytes, waiting for the
 * socket to be ready before deadline_us; TW_ERR on a timeout, an error or a closed peer. */
static int transfer_all(int fd, char *bytes, size_t len, int64_t deadline_us, bool sending)
{
    while (len > 0) {
        ssize_t n = sending ? send(fd, bytes, len, MSG_NOSIGNAL) : recv(fd, bytes, len, 0);
        if (n > 0) {
            bytes += n;
            len -= (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (tw_net_wait(fd, sending ? POLLOUT : POLLIN, deadline_us) != TW_OK)
                return TW_ERR;
        } else {
            return TW_ERR;
        }
    }
    return TW_OK;
}

int tw_net_send_all(int fd, const void *data, size_t len, int64_t deadline_us)
{
    /* send(2) only reads the bytes: the cast never leads to a write. */
    return transfer_all(fd, (char *)(uintptr_t)data, len, deadline_us, true);
}

int tw_net_recv_all(int fd, void *data, size_t len, int64_t deadline_us)
{
    return transfer_all(fd, data, len, deadline_us, false);
}
