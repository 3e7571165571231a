/* A pigpio daemon client connection whose every step has a deadline: non-blocking connect,
 * send and receive bounded by timeouts, so a dead or unreachable Pi costs at most a
 * timeout, never a hang. One owner thread uses a connection. */
#ifndef RG_PIGPIO_CONN_H
#define RG_PIGPIO_CONN_H

#define RG_PIGPIO_MAX_BATCH 16       /* commands in one pipelined batch */
#define RG_PIGPIO_MAX_EXT_BYTES 1024 /* extension bytes of one batch (script text, parameters) */

#include <stddef.h>
#include <stdint.h>

#include "tw_pigpio.h"

typedef struct {
    int fd;            /* socket, -1 when closed */
    int io_timeout_ms; /* deadline for one command's round trip */
} rg_pigpio_conn;

/* Splits "host:port" into host and port; TW_OK or TW_INVALID. */
int rg_parse_host_port(const char *text, char *host, size_t host_size, int *port);
/* Connects to host:port within timeout_ms; TW_OK, or TW_ERR with the reason in err. */
int rg_pigpio_open(rg_pigpio_conn *conn, const char *host, int port, int timeout_ms,
                   int io_timeout_ms, char *err, size_t err_size);
/* Sends one command and waits for its reply; TW_OK with the daemon's result (negative =
 * pigpio error) in result, or TW_ERR when the connection failed or timed out. */
int rg_pigpio_command(rg_pigpio_conn *conn, uint32_t cmd, uint32_t p1, uint32_t p2,
                      int32_t *result);
/* Sends count commands in one write (pipelined) and reads their count replies in order;
 * TW_OK with each result in results, or TW_ERR when the connection failed or timed out. */
int rg_pigpio_batch(rg_pigpio_conn *conn, const tw_pigpio_frame *requests, int count,
                    int32_t *results);
/* As rg_pigpio_batch, where request i carries requests[i].p3 extension bytes from ext[i]
 * (ext may be NULL, or hold NULL for requests without). */
int rg_pigpio_batch_ext(rg_pigpio_conn *conn, const tw_pigpio_frame *requests,
                        const void *const *ext, int count, int32_t *results);
/* Sends one command whose reply carries result bytes of data when result > 0 (PROCP);
 * TW_OK with the result and up to cap data bytes, TW_ERR when the connection failed, timed
 * out or the reply was longer than cap. */
int rg_pigpio_query(rg_pigpio_conn *conn, uint32_t cmd, uint32_t p1, uint8_t *data, size_t cap,
                    int32_t *result);
/* Closes the connection (safe when already closed). */
void rg_pigpio_close(rg_pigpio_conn *conn);

#endif
