/* pigpio client socket with deadlines (the shared tw_net helpers: non-blocking connect and
 * poll(2) for every wait), framing through the shared tw_pigpio codec. */
#include "pigpio_conn.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tw_net.h"
#include "tw_pigpio.h"
#include "tw_status.h"
#include "tw_time.h"


int rg_parse_host_port(const char *text, char *host, size_t host_size, int *port)
{
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text || (size_t)(colon - text) >= host_size)
        return TW_INVALID;
    if (tw_net_parse_port(colon + 1, strlen(colon + 1), port) != TW_OK)
        return TW_INVALID;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    return TW_OK;
}

int rg_pigpio_open(rg_pigpio_conn *conn, const char *host, int port, int timeout_ms,
                   int io_timeout_ms, char *err, size_t err_size)
{
    conn->io_timeout_ms = io_timeout_ms;
    conn->fd = tw_net_connect(host, port, tw_mono_us() + (int64_t)timeout_ms * TW_US_PER_MS, err,
                              err_size);
    if (conn->fd < 0)
        return TW_ERR;
    int one = 1;
    setsockopt(conn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return TW_OK;
}

int rg_pigpio_batch_ext(rg_pigpio_conn *conn, const tw_pigpio_frame *requests,
                        const void *const *ext, int count, int32_t *results)
{
    if (conn->fd < 0 || count < 1 || count > RG_PIGPIO_MAX_BATCH)
        return TW_ERR;
    int64_t deadline_us = tw_mono_us() + (int64_t)conn->io_timeout_ms * TW_US_PER_MS;
    uint8_t bytes[RG_PIGPIO_MAX_BATCH * TW_PIGPIO_FRAME_BYTES + RG_PIGPIO_MAX_EXT_BYTES];
    size_t len = 0;
    for (int i = 0; i < count; i++) {
        size_t ext_len = ext && ext[i] ? requests[i].p3 : 0;
        if (len + TW_PIGPIO_FRAME_BYTES + ext_len > sizeof bytes)
            return TW_ERR;
        tw_pigpio_encode(&requests[i], bytes + len);
        len += TW_PIGPIO_FRAME_BYTES;
        if (ext_len)
            memcpy(bytes + len, ext[i], ext_len);
        len += ext_len;
    }
    size_t reply_len = (size_t)count * TW_PIGPIO_FRAME_BYTES;
    if (tw_net_send_all(conn->fd, bytes, len, deadline_us) != TW_OK ||
        tw_net_recv_all(conn->fd, bytes, reply_len, deadline_us) != TW_OK)
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

int rg_pigpio_batch(rg_pigpio_conn *conn, const tw_pigpio_frame *requests, int count,
                    int32_t *results)
{
    return rg_pigpio_batch_ext(conn, requests, NULL, count, results);
}

int rg_pigpio_query(rg_pigpio_conn *conn, uint32_t cmd, uint32_t p1, uint8_t *data, size_t cap,
                    int32_t *result)
{
    if (rg_pigpio_command(conn, cmd, p1, 0, result) != TW_OK)
        return TW_ERR;
    if (*result <= 0)
        return TW_OK;
    if ((size_t)*result > cap)
        return TW_ERR;
    int64_t deadline_us = tw_mono_us() + (int64_t)conn->io_timeout_ms * TW_US_PER_MS;
    return tw_net_recv_all(conn->fd, data, (size_t)*result, deadline_us);
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
