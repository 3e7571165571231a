/* A small blocking HTTP/1.1 GET client for the analytics replicas: non-blocking connect and
 * poll() so every step honours one deadline, a bounded body, Content-Length or close framing. */
#ifndef DASH_FETCH_H
#define DASH_FETCH_H

#include <stddef.h>
#include <sys/socket.h>

#include "tw_buf.h"

/* GETs path from addr within timeout_ms, with a traceparent header unless traceparent is
 * NULL; on TW_OK body holds a 200 reply's body. Any other status, a body over max_bytes, a
 * timeout or a socket error is TW_ERR with why in err. */
int dash_fetch(const struct sockaddr *addr, socklen_t addr_len, const char *path,
               const char *traceparent, int timeout_ms, size_t max_bytes, tw_buf *body, char *err,
               size_t err_size);

#endif
