/* Client sockets with deadlines: every wait (connect, send, receive) is a poll(2) against
 * one monotonic deadline, so an unreachable or stalled peer costs at most that long. Used
 * by the pigpio client, the dashboard's upstream requests and the trace exporter. */
#ifndef TW_NET_H
#define TW_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Reads len bytes as a TCP port: a canonical decimal 1..65535 (no sign, space or leading
 * zero). TW_OK with *port set, or TW_INVALID. */
int tw_net_parse_port(const char *text, size_t len, int *port);
/* Waits until fd is ready for events (POLLIN, POLLOUT) before the monotonic deadline_us;
 * TW_OK, or TW_ERR on timeout or error. */
int tw_net_wait(int fd, short events, int64_t deadline_us);
/* Connects a new non-blocking, close-on-exec TCP socket to addr before deadline_us; the fd,
 * or -1 with errno set (ETIMEDOUT when the deadline passed). */
int tw_net_connect_addr(const struct sockaddr *addr, socklen_t len, int64_t deadline_us);
/* Resolves host and connects to the first of its addresses that answers on port before
 * deadline_us; the fd, or -1 with the reason in err. */
int tw_net_connect(const char *host, int port, int64_t deadline_us, char *err, size_t err_size);
/* Sends all len bytes before deadline_us; TW_OK or TW_ERR. */
int tw_net_send_all(int fd, const void *data, size_t len, int64_t deadline_us);
/* Receives exactly len bytes before deadline_us; TW_OK, or TW_ERR (also when the peer
 * closes first). */
int tw_net_recv_all(int fd, void *data, size_t len, int64_t deadline_us);

#endif
