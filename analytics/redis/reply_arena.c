/* Reply arena; see reply_arena.h. Blocks are kept across resets, so a steady stream of
 * similar replies allocates nothing after the first one. */
#include "reply_arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_redis_reply.h"

#define ARENA_BLOCK_BYTES (1u << 20)

struct arena_block {
    arena_block *next;                         /* next block */
    size_t used;                               /* bytes handed out */
    size_t cap;                                /* bytes in data */
    alignas(max_align_t) unsigned char data[]; /* storage */
};

void reply_arena_init(reply_arena *arena)
{
    arena->first = arena->current = NULL;
}

static arena_block *new_block(size_t at_least)
{
    size_t cap = at_least > ARENA_BLOCK_BYTES ? at_least : ARENA_BLOCK_BYTES;
    arena_block *block = tw_xmalloc(sizeof *block + cap);
    block->next = NULL;
    block->used = 0;
    block->cap = cap;
    return block;
}

static void *arena_alloc(reply_arena *arena, size_t bytes)
{
    bytes = (bytes + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
    while (!arena->current || arena->current->used + bytes > arena->current->cap) {
        if (arena->current && arena->current->next) {
            arena->current = arena->current->next; /* reuse a block kept from before */
            arena->current->used = 0;
            continue;
        }
        arena_block *block = new_block(bytes);
        if (arena->current)
            arena->current->next = block;
        else
            arena->first = block;
        arena->current = block;
    }
    void *memory = arena->current->data + arena->current->used;
    arena->current->used += bytes;
    return memory;
}

/* A zeroed reply linked into its parent array, as hiredis' own functions do. */
static redisReply *new_reply(const redisReadTask *task, int type)
{
    reply_arena *arena = task->privdata;
    return tw_redis_reply_place(task, arena_alloc(arena, sizeof(redisReply)), type);
}

static void *create_string(const redisReadTask *task, char *text, size_t len)
{
    redisReply *reply = new_reply(task, task->type);
    reply->str = arena_alloc(task->privdata, len + 1);
    memcpy(reply->str, text, len);
    reply->str[len] = '\0';
    reply->len = len;
    return reply;
}

static void *create_array(const redisReadTask *task, int elements)
{
    if (tw_redis_array_refused(elements))
        return NULL; /* hiredis fails the reply as out of memory: the reader reconnects */
    redisReply *reply = new_reply(task, REDIS_REPLY_ARRAY);
    if (elements > 0) {
        size_t bytes = (size_t)elements * sizeof *reply->element;
        reply->element = arena_alloc(task->privdata, bytes);
        memset(reply->element, 0, bytes);
    }
    reply->elements = elements > 0 ? (size_t)elements : 0;
    return reply;
}

static void *create_integer(const redisReadTask *task, long long value)
{
    redisReply *reply = new_reply(task, REDIS_REPLY_INTEGER);
    reply->integer = value;
    return reply;
}

static void *create_nil(const redisReadTask *task)
{
    return new_reply(task, REDIS_REPLY_NIL);
}

static void free_nothing(void *reply)
{
    (void)reply; /* arena replies are released together by reply_arena_reset */
}

static redisReplyObjectFunctions arena_functions = {create_string, create_array, create_integer,
                                                    create_nil, free_nothing};

void reply_arena_attach(reply_arena *arena, redisContext *ctx)
{
    ctx->reader->fn = &arena_functions;
    ctx->reader->privdata = arena;
}

void reply_arena_reset(reply_arena *arena)
{
    arena->current = arena->first;
    if (arena->current)
        arena->current->used = 0;
}

void reply_arena_free(reply_arena *arena)
{
    for (arena_block *block = arena->first, *next; block; block = next) {
        next = block->next;
        free(block);
    }
    arena->first = arena->current = NULL;
}
