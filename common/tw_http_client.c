/* HTTP/1.1 POST over a plain socket: non-blocking connect, then poll(2) before every read
 * and write against one deadline, "Connection: close" so the reply ends at EOF or at
 * Content-Length. Only the status line matters to callers; the rest of the reply is discarded. */
#include "tw_http_client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tw_status.h"
#include "tw_time.h"

#define HTTP_DEFAULT_PORT 80
#define HTTP_SCHEME "http://"
#define HTTP_HEADER_BYTES 1024
#define HTTP_REPLY_HEAD_BYTES 4096
#define US_PER_MS 1000

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

static int ms_left(int64_t deadline_us)
{
    int64_t left = (deadline_us - tw_mono_us()) / US_PER_MS;
    return left > 0 ? (int)left : 0;
}

/* Waits until fd is ready for events; false on timeout or error. */
static int wait_ready(int fd, short events, int64_t deadline_us)
{
    struct pollfd p = {fd, events, 0};
    for (;;) {
        int left = ms_left(deadline_us);
        if (left == 0)
            return 0;
        int n = poll(&p, 1, left);
        if (n > 0)
            return 1;
        if (n == 0 || errno != EINTR)
            return 0;
    }
}

static int connect_one(const struct addrinfo *ai, int64_t deadline_us)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0)
        return -1;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return fd;
    int soerr = errno;
    if (soerr == EINPROGRESS && wait_ready(fd, POLLOUT, deadline_us)) {
        socklen_t len = sizeof soerr;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0)
            return fd;
    }
    close(fd);
    errno = soerr == EINPROGRESS ? ETIMEDOUT : soerr;
    return -1;
}

/* Connects to the first address that answers; -1 with err set. */
static int open_connection(const tw_http_url *url, int64_t deadline_us, char *err,
                           size_t err_size)
{
    char port[16];
    snprintf(port, sizeof port, "%d", url->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *list = NULL;
    int rc = getaddrinfo(url->host, port, &hints, &list);
    if (rc != 0) {
        snprintf(err, err_size, "resolve %s: %s", url->host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (const struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next)
        fd = connect_one(ai, deadline_us);
    if (fd < 0)
        snprintf(err, err_size, "connect %s:%d: %s", url->host, url->port, strerror(errno));
    freeaddrinfo(list);
    return fd;
}

static int send_all(int fd, const char *data, size_t len, int64_t deadline_us)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return TW_ERR;
        } else if (!wait_ready(fd, POLLOUT, deadline_us)) {
            return TW_ERR;
        }
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
        } else if (!wait_ready(fd, POLLIN, deadline_us)) {
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
    int64_t deadline_us = tw_mono_us() + (int64_t)timeout_ms * US_PER_MS;
    int fd = open_connection(url, deadline_us, err, err_size);
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
    else if (send_all(fd, header, (size_t)header_len, deadline_us) != TW_OK ||
             send_all(fd, body, len, deadline_us) != TW_OK)
        snprintf(err, err_size, "send to %s:%d failed or timed out", url->host, url->port);
    else if (read_status(fd, deadline_us, status) != TW_OK)
        snprintf(err, err_size, "no valid reply from %s:%d in time", url->host, url->port);
    else
        rc = TW_OK;
    close(fd);
    return rc;
}
