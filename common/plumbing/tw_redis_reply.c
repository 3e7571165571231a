/* Bounded hiredis reply objects; see tw_redis_reply.h. */
#include "tw_redis_reply.h"

#include <stdlib.h>
#include <string.h>

#include "tw_log.h"

bool tw_redis_array_refused(long long elements)
{
    if (elements <= TW_REDIS_MAX_REPLY_ELEMENTS)
        return false;
    tw_log_warn("redis reply refused: its array declares too many elements",
                TW_INT("elements", elements), TW_INT("limit", TW_REDIS_MAX_REPLY_ELEMENTS));
    return true;
}

redisReply *tw_redis_reply_place(const redisReadTask *task, redisReply *reply, int type)
{
    memset(reply, 0, sizeof *reply);
    reply->type = type;
    if (task->parent) {
        redisReply *parent = task->parent->obj;
        parent->element[task->idx] = reply;
    }
    return reply;
}

/* A zeroed reply linked into its parent array; NULL when out of memory. */
static redisReply *new_reply(const redisReadTask *task, int type)
{
    redisReply *reply = malloc(sizeof *reply);
    return reply ? tw_redis_reply_place(task, reply, type) : NULL;
}

static void *create_string(const redisReadTask *task, char *text, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, text, len);
    copy[len] = '\0';
    redisReply *reply = new_reply(task, task->type);
    if (!reply) {
        free(copy);
        return NULL;
    }
    reply->str = copy;
    reply->len = len;
    return reply;
}

static void *create_array(const redisReadTask *task, int elements)
{
    if (tw_redis_array_refused(elements))
        return NULL;
    redisReply **element = NULL;
    if (elements > 0 && !(element = calloc((size_t)elements, sizeof *element)))
        return NULL;
    redisReply *reply = new_reply(task, REDIS_REPLY_ARRAY);
    if (!reply) {
        free(element);
        return NULL;
    }
    reply->element = element;
    reply->elements = elements > 0 ? (size_t)elements : 0;
    return reply;
}

static void *create_integer(const redisReadTask *task, long long value)
{
    redisReply *reply = new_reply(task, REDIS_REPLY_INTEGER);
    if (reply)
        reply->integer = value;
    return reply;
}

static void *create_nil(const redisReadTask *task)
{
    return new_reply(task, REDIS_REPLY_NIL);
}

static redisReplyObjectFunctions bounded_functions = {create_string, create_array, create_integer,
                                                      create_nil, freeReplyObject};

void tw_redis_bound_reader(redisReader *reader)
{
    reader->fn = &bounded_functions;
}

void tw_redis_bound_replies(redisContext *ctx)
{
    tw_redis_bound_reader(ctx->reader);
}
