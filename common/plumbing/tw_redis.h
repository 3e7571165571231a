/* Redis endpoints and connections: REDIS_URL parsing (with the REDIS_HOST/REDIS_PORT and
 * password-file fallbacks), connecting with timeouts and ACL authentication (to the master
 * the Sentinels name when there are some, see tw_sentinel.h), and reply checks. Used by
 * every service that talks to Redis. */
#ifndef TW_REDIS_H
#define TW_REDIS_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_sentinel.h"

#define TW_REDIS_DEFAULT_URL "redis://127.0.0.1:6379"

typedef struct {
    char user[64];      /* ACL user name, empty for the default user */
    char password[256]; /* password, empty for none */
    char host[256];     /* host name or address */
    int port;           /* TCP port */
    tw_sentinel_config sentinel; /* Sentinels naming the master (then host and port are
                                    unused); count 0 for a single Redis at host:port */
} tw_redis_url;

/* The --redis-url entry of a service's option table, then its Sentinel entries. */
// clang-format off
#define TW_REDIS_OPTIONS(url, sentinel)                                                            \
    {"redis-url", "REDIS_URL", TW_OPT_STR, "",                                                     \
     "redis://[user[:password]@]host[:port] (else REDIS_HOST/REDIS_PORT)", (url), 0, 0, NULL},   \
    TW_SENTINEL_OPTIONS(sentinel)
// clang-format on

/* Parses redis://[user[:password]@]host[:port][/db]; TW_OK, or TW_INVALID with err set. */
int tw_redis_url_parse(const char *url, tw_redis_url *out, char *err, size_t err_size);
/* Resolves the endpoint: url when non-empty, else REDIS_HOST/REDIS_PORT, else the default;
 * then REDIS_USER, REDIS_PASSWORD and REDIS_PASSWORD_FILE override the credentials. */
int tw_redis_url_resolve(const char *url, tw_redis_url *out, char *err, size_t err_size);
/* Parses a decimal TCP port of exactly len bytes (1..65535); TW_OK or TW_INVALID. */
int tw_redis_parse_port(const char *text, size_t len, int *out);
/* Connects (timeout_ms for connect and every command) and authenticates; returns NULL with
 * err set on failure. With Sentinels, asks them in turn for the master and connects to the
 * first address they name that ROLE confirms as a master, so every reconnection follows a
 * failover. The caller frees the context with redisFree. */
redisContext *tw_redis_connect(const tw_redis_url *url, int timeout_ms, char *err,
                               size_t err_size);
/* How often tw_redis_master_moved asks the Sentinels. */
#define TW_REDIS_MASTER_CHECK_MS 1000
/* With Sentinels, at most once per TW_REDIS_MASTER_CHECK_MS (*next_check_us, monotonic, kept
 * by the caller): true when a Sentinel now names another master than the one ctx is
 * connected to. A switchover (SENTINEL FAILOVER), or a failover the old master lived
 * through, leaves that master taking writes until Sentinel demotes it (about 10 s) and
 * drops them then: the caller reconnects instead. False without Sentinels, when not due,
 * or when no Sentinel answers (no reason to leave a master that works). */
bool tw_redis_master_moved(const tw_redis_url *url, const redisContext *ctx,
                           int64_t *next_check_us);
/* True when an error reply means this server cannot take our writes now (READONLY: it is
 * a replica now; MASTERDOWN: a replica cut from its master; LOADING: still reading its
 * data; NOREPLICAS: a master that lost its replicas, min-replicas-to-write, perhaps the old
 * side of a failover): the caller reconnects, which with Sentinels finds the current
 * master. */
bool tw_redis_error_needs_reconnect(const char *error);
/* True when reply is an error reply (or missing); copies its text into err when given. */
int tw_redis_reply_is_error(const redisReply *reply, char *err, size_t err_size);
/* Reads the replies of a pipelined MULTI, `queued` commands and EXEC. TW_OK: EXEC ran
 * them, *exec holds its array reply (the caller frees it). TW_AGAIN: a WATCHed key had
 * changed, EXEC answered nil and nothing ran. TW_ERR: the connection failed, a command
 * was refused when queued (so EXEC discarded them all) or EXEC itself failed; err says
 * why and *exec is NULL. */
int tw_redis_read_transaction(redisContext *ctx, size_t queued, redisReply **exec, char *err,
                              size_t err_size);
/* Errors among the replies EXEC returned (commands that ran and failed); err holds the
 * last one. */
size_t tw_redis_exec_errors(const redisReply *exec, char *err, size_t err_size);

#endif
