/* pigpio-sim server loop: poll(2) over the listening socket and every client. Each client
 * sends 16-byte requests plus p3 extension bytes (a script's text or parameters; beyond
 * PGS_SCRIPT_MAX_TEXT_BYTES they are discarded); each gets a 16-byte reply, followed by the
 * result's count of bytes for PROCP. Stored scripts run between socket events. A socket that asked
 * for NOIB becomes an in-band notification stream: whenever a monitored GPIO 0..31 changes level it
 * receives a 12-byte report (seq, flags, tick, levels), as the daemon sends them. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gpio_state.h"
#include "script_store.h"
#include "tw_alloc.h"
#include "tw_log.h"
#include "tw_pigpio.h"
#include "tw_signal.h"
#include "tw_status.h"
#include "tw_time.h"

#define MAX_CLIENTS 256          /* simultaneous client sockets */
#define NOTIFY_HANDLES 32        /* the daemon's notification slots */
#define POLL_INTERVAL_MS 100     /* how often the loop checks for a stop signal */
#define LISTEN_BACKLOG 64        /* pending connections */
#define DISCARD_CHUNK_BYTES 4096 /* extension bytes skipped per read */
#define REPORT_BYTES 12          /* one notification report */

typedef struct {
    int fd;                               /* socket, -1 when the slot is free */
    uint8_t frame[TW_PIGPIO_FRAME_BYTES]; /* request bytes received so far */
    size_t have;                          /* bytes in frame */
    uint8_t *ext;                         /* extension bytes of the request (kept ones) */
    uint32_t ext_want;                    /* extension bytes the request carries */
    uint32_t ext_have;                    /* extension bytes received so far */
    bool close_after_reply;               /* NC closed this socket's own handle */
} client;

typedef struct {
    bool open;     /* slot in use */
    int client;    /* index of the in-band socket in clients */
    uint32_t bits; /* GPIO 0..31 monitored (NB) */
    uint16_t seq;  /* next report sequence number */
} notify_handle;

struct pgs_server {
    int listen_fd;                         /* listening socket */
    client clients[MAX_CLIENTS];           /* connected clients */
    notify_handle handles[NOTIFY_HANDLES]; /* notification handles */
    pgs_state state;                       /* the emulated GPIO */
    pgs_scripts *scripts;                  /* stored scripts */
    uint32_t last_bank1;                   /* levels last reported */
};

/* GPIO commands of scripts run on the same state as the clients' commands. */
static int32_t script_exec(void *arg, const tw_pigpio_frame *request)
{
    pgs_server *server = arg;
    return pgs_state_execute(&server->state, request, tw_mono_us());
}

pgs_server *pgs_server_open(const char *listen_addr, int port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, listen_addr, &addr.sin_addr) != 1) {
        tw_log_error("bad listen address", TW_STR("listen", listen_addr));
        return NULL;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
        listen(fd, LISTEN_BACKLOG) < 0) {
        tw_log_error("cannot listen", TW_STR("listen", listen_addr), TW_INT("port", port),
                     TW_STR("error", strerror(errno)));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    pgs_server *server = tw_xcalloc(1, sizeof *server);
    server->listen_fd = fd;
    for (int i = 0; i < MAX_CLIENTS; i++)
        server->clients[i].fd = -1;
    pgs_state_init(&server->state, tw_mono_us());
    server->scripts = pgs_scripts_new(script_exec, server);
    return server;
}

static void drop_client(pgs_server *server, int index)
{
    client *c = &server->clients[index];
    for (int h = 0; h < NOTIFY_HANDLES; h++) {
        if (server->handles[h].open && server->handles[h].client == index)
            server->handles[h].open = false;
    }
    close(c->fd);
    free(c->ext);
    *c = (client){.fd = -1};
    tw_log_debug("client closed", TW_INT("slot", index));
}

static void accept_client(pgs_server *server)
{
    int fd = accept4(server->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (server->clients[i].fd < 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            server->clients[i] = (client){.fd = fd};
            tw_log_debug("client connected", TW_INT("slot", i));
            return;
        }
    }
    tw_log_warn("too many clients, connection refused", TW_INT("max", MAX_CLIENTS));
    close(fd);
}

/* Sends all of bytes or reports failure; replies are tiny, so a client whose socket
 * buffer is full is not reading and gets dropped. */
static bool send_all(int fd, const void *bytes, size_t len)
{
    return send(fd, bytes, len, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)len;
}

static int32_t open_notify(pgs_server *server, int index)
{
    for (int h = 0; h < NOTIFY_HANDLES; h++) {
        if (!server->handles[h].open) {
            server->handles[h] = (notify_handle){.open = true, .client = index};
            tw_log_info("notification opened", TW_INT("handle", h));
            return h;
        }
    }
    return TW_PI_NO_HANDLE;
}

static int32_t notify_command(pgs_server *server, int index, const tw_pigpio_frame *req)
{
    if (req->cmd == TW_PI_CMD_NOIB)
        return open_notify(server, index);
    if (req->p1 >= NOTIFY_HANDLES || !server->handles[req->p1].open)
        return TW_PI_BAD_HANDLE;
    notify_handle *h = &server->handles[req->p1];
    if (req->cmd == TW_PI_CMD_NB) {
        h->bits = req->p2;
        return 0;
    }
    h->open = false;
    tw_log_info("notification closed", TW_INT("handle", req->p1));
    if (h->client == index)
        server->clients[index].close_after_reply = true;
    else
        drop_client(server, h->client);
    return 0;
}

static void report_changes(pgs_server *server)
{
    int64_t now_us = tw_mono_us();
    uint32_t levels = pgs_state_bank1(&server->state, now_us);
    uint32_t changed = levels ^ server->last_bank1;
    server->last_bank1 = levels;
    if (!changed)
        return;
    uint32_t tick = (uint32_t)(now_us - server->state.start_us);
    for (int h = 0; h < NOTIFY_HANDLES; h++) {
        notify_handle *n = &server->handles[h];
        if (!n->open || !(n->bits & changed))
            continue;
        uint8_t report[REPORT_BYTES];
        tw_pigpio_frame words = {(uint32_t)n->seq++, tick, levels, 0};
        uint8_t encoded[TW_PIGPIO_FRAME_BYTES];
        tw_pigpio_encode(&words, encoded);
        /* seq (u16) and flags (u16, 0) come from the first word, then tick and levels. */
        memcpy(report, encoded, REPORT_BYTES);
        if (!send_all(server->clients[n->client].fd, report, sizeof report))
            drop_client(server, n->client);
    }
}

/* Executes the request now complete in the client's buffers. */
static int32_t execute(pgs_server *server, int index, const tw_pigpio_frame *req, uint8_t *reply,
                       size_t *reply_len)
{
    const client *c = &server->clients[index];
    *reply_len = 0;
    if (req->cmd == TW_PI_CMD_NOIB || req->cmd == TW_PI_CMD_NB || req->cmd == TW_PI_CMD_NC)
        return notify_command(server, index, req);
    if (pgs_scripts_handles(req->cmd)) {
        if (c->ext_want > PGS_SCRIPT_MAX_TEXT_BYTES)
            return req->cmd == TW_PI_CMD_PROC ? TW_PI_BAD_SCRIPT : TW_PI_TOO_MANY_PARAM;
        return pgs_scripts_execute(server->scripts, req, c->ext, c->ext_have, reply, reply_len,
                                   tw_mono_us());
    }
    return pgs_state_execute(&server->state, req, tw_mono_us());
}

static void handle_request(pgs_server *server, int index)
{
    client *c = &server->clients[index];
    tw_pigpio_frame req;
    tw_pigpio_decode(c->frame, &req);
    uint8_t extra[PGS_PROCP_REPLY_BYTES];
    size_t extra_len;
    int32_t result = execute(server, index, &req, extra, &extra_len);
    c->have = 0;
    c->ext_want = c->ext_have = 0;
    if (result < 0)
        tw_log_info("command rejected", TW_STR("cmd", tw_pigpio_command_name(req.cmd)),
                    TW_INT("cmd_number", req.cmd), TW_INT("p1", req.p1), TW_INT("p2", req.p2),
                    TW_STR("error", tw_pigpio_error_name(result)), TW_INT("result", result));
    tw_pigpio_frame reply = tw_pigpio_reply(&req, result);
    uint8_t out[TW_PIGPIO_FRAME_BYTES + PGS_PROCP_REPLY_BYTES];
    tw_pigpio_encode(&reply, out);
    memcpy(out + TW_PIGPIO_FRAME_BYTES, extra, extra_len);
    if (!send_all(c->fd, out, TW_PIGPIO_FRAME_BYTES + extra_len) || c->close_after_reply) {
        drop_client(server, index);
        return;
    }
    report_changes(server);
}

/* Receives extension bytes: kept up to PGS_SCRIPT_MAX_TEXT_BYTES, the rest discarded.
 * Returns 1 when all arrived, 0 when more must come, -1 when the client closed or failed. */
static int read_extension(client *c)
{
    while (c->ext_have < c->ext_want) {
        uint8_t discard[DISCARD_CHUNK_BYTES];
        bool keep = c->ext_want <= PGS_SCRIPT_MAX_TEXT_BYTES;
        if (keep && !c->ext)
            c->ext = tw_xmalloc(PGS_SCRIPT_MAX_TEXT_BYTES);
        uint32_t left = c->ext_want - c->ext_have;
        size_t want = keep ? left : (left < sizeof discard ? left : sizeof discard);
        ssize_t got = recv(c->fd, keep ? c->ext + c->ext_have : discard, want, 0);
        if (got <= 0)
            return got < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
        c->ext_have += (uint32_t)got;
    }
    return 1;
}

/* Reads what the client sent; returns false when it closed or failed. */
static bool read_client(pgs_server *server, int index)
{
    client *c = &server->clients[index];
    for (;;) {
        if (c->have < sizeof c->frame) {
            ssize_t got = recv(c->fd, c->frame + c->have, sizeof c->frame - c->have, 0);
            if (got <= 0)
                return got < 0 && (errno == EAGAIN || errno == EINTR);
            c->have += (size_t)got;
            if (c->have < sizeof c->frame)
                continue;
            tw_pigpio_frame req;
            tw_pigpio_decode(c->frame, &req);
            c->ext_want = req.p3;
            c->ext_have = 0;
        }
        int ext = read_extension(c);
        if (ext <= 0)
            return ext == 0;
        handle_request(server, index);
        if (server->clients[index].fd < 0)
            return true;
    }
}

int pgs_server_run(pgs_server *server)
{
    struct pollfd fds[MAX_CLIENTS + 1];
    int slot_of[MAX_CLIENTS + 1];
    while (!tw_signal_stop_requested()) {
        nfds_t n = 0;
        fds[n++] = (struct pollfd){.fd = server->listen_fd, .events = POLLIN};
        for (int i = 0; i < MAX_CLIENTS; i++) {
            if (server->clients[i].fd >= 0) {
                slot_of[n] = i;
                fds[n++] = (struct pollfd){.fd = server->clients[i].fd, .events = POLLIN};
            }
        }
        int64_t due_us =
            pgs_scripts_due_in_us(server->scripts, tw_mono_us(), POLL_INTERVAL_MS * TW_US_PER_MS);
        int ready = poll(fds, n, (int)((due_us + TW_US_PER_MS - 1) / TW_US_PER_MS));
        pgs_scripts_run(server->scripts, tw_mono_us());
        report_changes(server);
        if (ready <= 0)
            continue;
        for (nfds_t i = 1; i < n; i++) {
            int slot = slot_of[i];
            if (fds[i].revents && server->clients[slot].fd == fds[i].fd &&
                !read_client(server, slot))
                drop_client(server, slot);
        }
        if (fds[0].revents & POLLIN)
            accept_client(server);
    }
    return TW_OK;
}

void pgs_server_close(pgs_server *server)
{
    if (!server)
        return;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (server->clients[i].fd >= 0)
            close(server->clients[i].fd);
        free(server->clients[i].ext);
    }
    pgs_scripts_free(server->scripts);
    close(server->listen_fd);
    free(server);
}
