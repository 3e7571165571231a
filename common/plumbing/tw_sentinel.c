/* Sentinel lists, master look-ups and the ROLE check; see tw_sentinel.h. A Sentinel answers
 * from memory, so it is given a shorter timeout than a data command: one that is down must
 * not hold up asking the next. */
#include "tw_sentinel.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "tw_redis.h"
#include "tw_redis_reply.h"
#include "tw_status.h"
#include "tw_time.h"

#define SENTINEL_TIMEOUT_MAX_MS 1000
#define SENTINEL_LIST_SEPARATOR ','

/* Copies len bytes of text into dst (NUL-terminated); TW_INVALID when they do not fit. */
static int copy_text(char *dst, size_t dst_size, const char *text, size_t len)
{
    if (len == 0 || len >= dst_size)
        return TW_INVALID;
    memcpy(dst, text, len);
    dst[len] = '\0';
    return TW_OK;
}

/* One list entry of len bytes: host, host:port, [v6] or [v6]:port. */
static int parse_entry(const char *text, size_t len, tw_redis_addr *out)
{
    const char *host = text, *port = NULL;
    size_t host_len = len;
    if (len > 0 && text[0] == '[') {
        const char *close = memchr(text, ']', len);
        if (!close)
            return TW_INVALID;
        host = text + 1;
        host_len = (size_t)(close - host);
        size_t rest = len - (size_t)(close + 1 - text);
        if (rest > 0 && close[1] != ':')
            return TW_INVALID;
        port = rest > 0 ? close + 2 : NULL;
    } else {
        const char *colon = memchr(text, ':', len);
        if (colon) {
            host_len = (size_t)(colon - text);
            port = colon + 1;
        }
    }
    if (copy_text(out->host, sizeof out->host, host, host_len) != TW_OK)
        return TW_INVALID;
    out->port = TW_SENTINEL_DEFAULT_PORT;
    return port ? tw_redis_parse_port(port, (size_t)(text + len - port), &out->port) : TW_OK;
}

int tw_sentinel_parse(const tw_sentinel_settings *settings, tw_sentinel_config *out, char *err,
                      size_t err_size)
{
    memset(out, 0, sizeof *out);
    const char *cursor = settings->sentinels ? settings->sentinels : "";
    while (*cursor) {
        const char *end = strchr(cursor, SENTINEL_LIST_SEPARATOR);
        size_t len = end ? (size_t)(end - cursor) : strlen(cursor);
        if (out->count == TW_SENTINEL_MAX) {
            snprintf(err, err_size, "at most %d redis sentinels", TW_SENTINEL_MAX);
            return TW_INVALID;
        }
        if (parse_entry(cursor, len, &out->sentinels[out->count]) != TW_OK) {
            snprintf(err, err_size, "redis sentinel \"%.*s\" is not host:port", (int)len, cursor);
            return TW_INVALID;
        }
        out->count++;
        cursor += len + (end != NULL);
        if (end && !*cursor) {
            snprintf(err, err_size, "redis sentinel list ends with a comma");
            return TW_INVALID;
        }
    }
    const char *name = settings->master_name ? settings->master_name : "";
    if (out->count > 0 &&
        copy_text(out->master_name, sizeof out->master_name, name, strlen(name)) != TW_OK) {
        snprintf(err, err_size, "redis master name must be 1..%d bytes",
                 TW_SENTINEL_MASTER_NAME_MAX - 1);
        return TW_INVALID;
    }
    return TW_OK;
}

/* Reads the [host, port] reply of get-master-addr-by-name into master. */
static int read_master_addr(const redisReply *reply, const char *master_name, tw_redis_addr *master,
                            char *err, size_t err_size)
{
    if (reply->type == REDIS_REPLY_NIL) {
        snprintf(err, err_size, "it does not know master %s", master_name);
        return TW_ERR;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[1]->type != REDIS_REPLY_STRING ||
        copy_text(master->host, sizeof master->host, reply->element[0]->str,
                  reply->element[0]->len) != TW_OK ||
        tw_redis_parse_port(reply->element[1]->str, reply->element[1]->len, &master->port) !=
            TW_OK) {
        snprintf(err, err_size, "its answer is not an address");
        return TW_ERR;
    }
    return TW_OK;
}

int tw_sentinel_ask(const tw_redis_addr *sentinel, const char *master_name, int timeout_ms,
                    tw_redis_addr *master, char *err, size_t err_size)
{
    char why[200] = "";
    int ms = timeout_ms < SENTINEL_TIMEOUT_MAX_MS ? timeout_ms : SENTINEL_TIMEOUT_MAX_MS;
    struct timeval timeout = {.tv_sec = ms / TW_MS_PER_S,
                              .tv_usec = (ms % TW_MS_PER_S) * TW_US_PER_MS};
    redisContext *ctx = redisConnectWithTimeout(sentinel->host, sentinel->port, timeout);
    redisReply *reply = NULL;
    int status = TW_ERR;
    if (!ctx || ctx->err) {
        snprintf(why, sizeof why, "%s", ctx ? ctx->errstr : "out of memory");
    } else {
        tw_redis_bound_replies(ctx);
        redisSetTimeout(ctx, timeout);
        reply = redisCommand(ctx, "SENTINEL get-master-addr-by-name %s", master_name);
        if (!reply)
            snprintf(why, sizeof why, "%s", ctx->errstr);
        else if (!tw_redis_reply_is_error(reply, why, sizeof why))
            status = read_master_addr(reply, master_name, master, why, sizeof why);
    }
    if (status != TW_OK)
        snprintf(err, err_size, "sentinel %s:%d: %s", sentinel->host, sentinel->port, why);
    freeReplyObject(reply);
    redisFree(ctx);
    return status;
}

int tw_sentinel_check_master(redisContext *ctx, char *err, size_t err_size)
{
    redisReply *reply = redisCommand(ctx, "ROLE");
    int status = TW_ERR;
    if (!reply) {
        snprintf(err, err_size, "ROLE: %s", ctx->errstr);
    } else if (tw_redis_reply_is_error(reply, err, err_size)) {
        /* err holds Redis' refusal */
    } else if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0 ||
               reply->element[0]->type != REDIS_REPLY_STRING) {
        snprintf(err, err_size, "ROLE: unexpected reply");
    } else if (strcmp(reply->element[0]->str, "master") != 0) {
        snprintf(err, err_size, "%s:%d is a %s, not the master", ctx->tcp.host, ctx->tcp.port,
                 reply->element[0]->str);
    } else {
        status = TW_OK;
    }
    freeReplyObject(reply);
    return status;
}
