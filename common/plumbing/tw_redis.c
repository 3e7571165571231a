/* Redis endpoint parsing and authenticated, time-bounded connections, directly or to the
 * master the Sentinels name. */
#include "tw_redis.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "tw_options.h"
#include "tw_redis_reply.h"
#include "tw_status.h"
#include "tw_time.h"

#define REDIS_DEFAULT_PORT 6379
#define REDIS_SCHEME "redis://"
#define MASTER_CHECK_TIMEOUT_MS 200 /* per Sentinel, so a check never holds a writer long */

static int copy_part(char *dst, size_t dst_size, const char *src, size_t len)
{
    if (len >= dst_size)
        return TW_INVALID;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return TW_OK;
}

int tw_redis_parse_port(const char *text, size_t len, int *out)
{
    if (len == 0 || len > 5)
        return TW_INVALID;
    int port = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return TW_INVALID;
        port = port * 10 + (text[i] - '0');
    }
    if (port < 1 || port > 65535)
        return TW_INVALID;
    *out = port;
    return TW_OK;
}

static int parse_credentials(const char *start, size_t len, tw_redis_url *out)
{
    const char *colon = memchr(start, ':', len);
    size_t user_len = colon ? (size_t)(colon - start) : len;
    if (copy_part(out->user, sizeof out->user, start, user_len) != TW_OK)
        return TW_INVALID;
    if (colon)
        return copy_part(out->password, sizeof out->password, colon + 1, len - user_len - 1);
    return TW_OK;
}

int tw_redis_url_parse(const char *url, tw_redis_url *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    out->port = REDIS_DEFAULT_PORT;
    if (strncmp(url, REDIS_SCHEME, strlen(REDIS_SCHEME)) != 0) {
        snprintf(err, err_size, "redis URL must start with redis://");
        return TW_INVALID;
    }
    const char *rest = url + strlen(REDIS_SCHEME);
    const char *at = strrchr(rest, '@');
    if (at) {
        if (parse_credentials(rest, (size_t)(at - rest), out) != TW_OK) {
            snprintf(err, err_size, "redis URL credentials too long");
            return TW_INVALID;
        }
        rest = at + 1;
    }
    size_t host_end = strcspn(rest, ":/");
    if (host_end == 0 || copy_part(out->host, sizeof out->host, rest, host_end) != TW_OK) {
        snprintf(err, err_size, "redis URL has no valid host");
        return TW_INVALID;
    }
    if (rest[host_end] == ':') {
        const char *port = rest + host_end + 1;
        if (tw_redis_parse_port(port, strcspn(port, "/"), &out->port) != TW_OK) {
            snprintf(err, err_size, "redis URL has an invalid port");
            return TW_INVALID;
        }
    }
    return TW_OK;
}

static int apply_credential_overrides(tw_redis_url *out, char *err, size_t err_size)
{
    const char *user = getenv("REDIS_USER");
    const char *password = getenv("REDIS_PASSWORD");
    const char *password_file = getenv("REDIS_PASSWORD_FILE");
    if (user && *user && copy_part(out->user, sizeof out->user, user, strlen(user)) != TW_OK) {
        snprintf(err, err_size, "REDIS_USER too long");
        return TW_INVALID;
    }
    if (password && *password &&
        copy_part(out->password, sizeof out->password, password, strlen(password)) != TW_OK) {
        snprintf(err, err_size, "REDIS_PASSWORD too long");
        return TW_INVALID;
    }
    if (password_file && *password_file &&
        tw_read_secret_file(password_file, out->password, sizeof out->password) != TW_OK) {
        snprintf(err, err_size, "cannot read REDIS_PASSWORD_FILE %s", password_file);
        return TW_INVALID;
    }
    return TW_OK;
}

int tw_redis_url_resolve(const char *url, tw_redis_url *out, char *err, size_t err_size)
{
    char composed[512];
    if (!url || !*url) {
        const char *host = getenv("REDIS_HOST");
        const char *port = getenv("REDIS_PORT");
        if (host && *host) {
            snprintf(composed, sizeof composed, REDIS_SCHEME "%s:%s", host,
                     port && *port ? port : "6379");
            url = composed;
        } else {
            url = TW_REDIS_DEFAULT_URL;
        }
    }
    if (tw_redis_url_parse(url, out, err, err_size) != TW_OK)
        return TW_INVALID;
    return apply_credential_overrides(out, err, err_size);
}

int tw_redis_reply_is_error(const redisReply *reply, char *err, size_t err_size)
{
    if (reply && reply->type != REDIS_REPLY_ERROR)
        return 0;
    if (err)
        snprintf(err, err_size, "%s", reply ? reply->str : "no reply");
    return 1;
}

int tw_redis_read_transaction(redisContext *ctx, size_t queued, redisReply **exec, char *err,
                              size_t err_size)
{
    *exec = NULL;
    bool refused = false;
    for (size_t i = 0; i < 1 + queued; i++) { /* MULTI's OK, then one QUEUED each */
        redisReply *reply = NULL;
        if (redisGetReply(ctx, (void **)&reply) != REDIS_OK || !reply) {
            snprintf(err, err_size, "redis: %s", ctx->errstr[0] ? ctx->errstr : "no reply");
            return TW_ERR;
        }
        refused |= tw_redis_reply_is_error(reply, err, err_size);
        freeReplyObject(reply);
    }
    redisReply *reply = NULL;
    if (redisGetReply(ctx, (void **)&reply) != REDIS_OK || !reply) {
        snprintf(err, err_size, "redis: %s", ctx->errstr[0] ? ctx->errstr : "no reply");
        return TW_ERR;
    }
    if (refused || tw_redis_reply_is_error(reply, refused ? NULL : err, err_size) ||
        (reply->type != REDIS_REPLY_ARRAY && reply->type != REDIS_REPLY_NIL)) {
        freeReplyObject(reply);
        return TW_ERR;
    }
    if (reply->type == REDIS_REPLY_NIL) {
        freeReplyObject(reply);
        snprintf(err, err_size, "transaction aborted: a watched key changed");
        return TW_AGAIN;
    }
    *exec = reply;
    return TW_OK;
}

size_t tw_redis_exec_errors(const redisReply *exec, char *err, size_t err_size)
{
    size_t errors = 0;
    for (size_t i = 0; exec && i < exec->elements; i++)
        errors += (size_t)tw_redis_reply_is_error(exec->element[i], err, err_size);
    return errors;
}

static int authenticate(redisContext *ctx, const tw_redis_url *url, char *err, size_t err_size)
{
    if (!url->password[0])
        return TW_OK;
    redisReply *reply = url->user[0] ? redisCommand(ctx, "AUTH %s %s", url->user, url->password)
                                     : redisCommand(ctx, "AUTH %s", url->password);
    int failed = tw_redis_reply_is_error(reply, err, err_size);
    if (!reply)
        snprintf(err, err_size, "AUTH: %s", ctx->errstr);
    freeReplyObject(reply);
    return failed ? TW_ERR : TW_OK;
}

/* Connects to host:port and authenticates with url's credentials. */
static redisContext *connect_to(const tw_redis_url *url, const char *host, int port, int timeout_ms,
                                char *err, size_t err_size)
{
    struct timeval timeout = {.tv_sec = timeout_ms / TW_MS_PER_S,
                              .tv_usec = (timeout_ms % TW_MS_PER_S) * TW_US_PER_MS};
    redisContext *ctx = redisConnectWithTimeout(host, port, timeout);
    if (!ctx || ctx->err) {
        snprintf(err, err_size, "connect %s:%d: %s", host, port,
                 ctx ? ctx->errstr : "out of memory");
        redisFree(ctx);
        return NULL;
    }
    tw_redis_bound_replies(ctx);
    redisSetTimeout(ctx, timeout);
    redisEnableKeepAlive(ctx);
    if (authenticate(ctx, url, err, err_size) != TW_OK) {
        redisFree(ctx);
        return NULL;
    }
    return ctx;
}

static bool same_addr(const tw_redis_addr *a, const tw_redis_addr *b)
{
    return a->port == b->port && strcmp(a->host, b->host) == 0;
}

/* Connects to master when it is a master; NULL with err set otherwise. */
static redisContext *connect_to_master(const tw_redis_url *url, const tw_redis_addr *master,
                                       int timeout_ms, char *err, size_t err_size)
{
    redisContext *ctx = connect_to(url, master->host, master->port, timeout_ms, err, err_size);
    if (ctx && tw_sentinel_check_master(ctx, err, err_size) != TW_OK) {
        redisFree(ctx);
        return NULL;
    }
    return ctx;
}

/* Asks each Sentinel in turn; the first address named that is a master wins. During a
 * failover some Sentinels may still name the old master, or name the promoted replica
 * before it has become a master: those are skipped, and when none answers the caller
 * retries after its backoff. Each address is tried once per call. */
static redisContext *connect_via_sentinels(const tw_redis_url *url, int timeout_ms, char *err,
                                           size_t err_size)
{
    const tw_sentinel_config *config = &url->sentinel;
    tw_redis_addr tried[TW_SENTINEL_MAX];
    size_t tried_count = 0;
    char why[256] = "";
    for (size_t i = 0; i < config->count; i++) {
        tw_redis_addr master;
        if (tw_sentinel_ask(&config->sentinels[i], config->master_name, timeout_ms, &master, why,
                            sizeof why) != TW_OK)
            continue;
        bool seen = false;
        for (size_t j = 0; j < tried_count && !seen; j++)
            seen = same_addr(&tried[j], &master);
        if (seen)
            continue;
        tried[tried_count++] = master;
        redisContext *ctx = connect_to_master(url, &master, timeout_ms, why, sizeof why);
        if (ctx)
            return ctx;
    }
    snprintf(err, err_size, "no master %s from %zu sentinels (last: %s)", config->master_name,
             config->count, why);
    return NULL;
}

redisContext *tw_redis_connect(const tw_redis_url *url, int timeout_ms, char *err, size_t err_size)
{
    if (url->sentinel.count > 0)
        return connect_via_sentinels(url, timeout_ms, err, err_size);
    return connect_to(url, url->host, url->port, timeout_ms, err, err_size);
}

bool tw_redis_master_moved(const tw_redis_url *url, const redisContext *ctx,
                           int64_t *next_check_us)
{
    int64_t now_us = tw_mono_us();
    if (url->sentinel.count == 0 || now_us < *next_check_us)
        return false;
    *next_check_us = now_us + TW_REDIS_MASTER_CHECK_MS * TW_US_PER_MS;
    for (size_t i = 0; i < url->sentinel.count; i++) {
        tw_redis_addr master;
        char err[256];
        if (tw_sentinel_ask(&url->sentinel.sentinels[i], url->sentinel.master_name,
                            MASTER_CHECK_TIMEOUT_MS, &master, err, sizeof err) == TW_OK)
            return master.port != ctx->tcp.port || strcmp(master.host, ctx->tcp.host) != 0;
    }
    return false;
}

bool tw_redis_error_needs_reconnect(const char *error)
{
    static const char *const prefixes[] = {"READONLY", "MASTERDOWN", "LOADING", "NOREPLICAS"};
    for (size_t i = 0; error && i < sizeof prefixes / sizeof prefixes[0]; i++) {
        if (strncmp(error, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    }
    return false;
}
