/* Redis Sentinel, client side: the Sentinels to ask (REDIS_SENTINELS "host:port,...") and
 * the name of the master they watch (REDIS_MASTER_NAME), asking one of them for the
 * master's address (SENTINEL get-master-addr-by-name), and checking with ROLE that the
 * server at that address is a master. tw_redis_connect uses these when a tw_redis_url
 * carries Sentinels, so every Redis client of the project finds the master the same way. */
#ifndef TW_SENTINEL_H
#define TW_SENTINEL_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#define TW_SENTINEL_MAX 8 /* Sentinels one list may name */
#define TW_SENTINEL_DEFAULT_PORT 26379
#define TW_SENTINEL_DEFAULT_MASTER "towerwatch"
#define TW_SENTINEL_HOST_MAX 256 /* bytes of a host name, NUL included */
#define TW_SENTINEL_MASTER_NAME_MAX 64

/* A host and a TCP port. */
typedef struct {
    char host[TW_SENTINEL_HOST_MAX]; /* name or address */
    int port;                        /* 1..65535 */
} tw_redis_addr;

/* Where to learn the master's address. */
typedef struct {
    tw_redis_addr sentinels[TW_SENTINEL_MAX];      /* asked in this order */
    size_t count;                                  /* 0: no Sentinels (a single Redis) */
    char master_name[TW_SENTINEL_MASTER_NAME_MAX]; /* the name the Sentinels monitor */
} tw_sentinel_config;

/* The two settings as the option table fills them in. */
typedef struct {
    const char *sentinels;   /* "host:port,...", empty for none */
    const char *master_name; /* monitored master's name */
} tw_sentinel_settings;

/* The --redis-sentinels and --redis-master-name entries of a service's option table. */
// clang-format off
#define TW_SENTINEL_OPTIONS(s)                                                                     \
    {"redis-sentinels", "REDIS_SENTINELS", TW_OPT_STR, "",                                         \
     "Redis Sentinels host:port,... that name the master (replaces the host of REDIS_URL, whose "  \
     "credentials still apply; empty: no Sentinels)", &(s)->sentinels, 0, 0, NULL},              \
    {"redis-master-name", "REDIS_MASTER_NAME", TW_OPT_STR, TW_SENTINEL_DEFAULT_MASTER,             \
     "name of the master the Sentinels monitor", &(s)->master_name, 0, 0, NULL}
// clang-format on

/* Parses the settings into out: up to TW_SENTINEL_MAX comma-separated host[:port] entries
 * (port default 26379, an IPv6 address in brackets). TW_OK (count 0 for an empty list) or
 * TW_INVALID with err set. */
int tw_sentinel_parse(const tw_sentinel_settings *settings, tw_sentinel_config *out, char *err,
                      size_t err_size);
/* Asks one Sentinel for the address of master_name (connecting for at most timeout_ms).
 * TW_OK with *master set; TW_ERR with err set (unreachable, unknown master, odd reply). */
int tw_sentinel_ask(const tw_redis_addr *sentinel, const char *master_name, int timeout_ms,
                    tw_redis_addr *master, char *err, size_t err_size);
/* Asks the server on ctx for its ROLE: TW_OK when it is a master, TW_ERR with err set
 * otherwise (a replica, not reachable, refused). */
int tw_sentinel_check_master(redisContext *ctx, char *err, size_t err_size);

#endif
