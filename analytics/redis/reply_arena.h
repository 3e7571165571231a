/* Arena-built hiredis replies for the reader connection. hiredis normally allocates every
 * element of a reply separately (about 40 heap objects per stream entry); with these
 * object functions a reply is laid out in a few reused blocks and released at once by
 * reply_arena_reset. Replies keep the ordinary redisReply layout. */
#ifndef ANALYTICS_REPLY_ARENA_H
#define ANALYTICS_REPLY_ARENA_H

#include <hiredis/hiredis.h>
#include <stddef.h>

typedef struct arena_block arena_block;

typedef struct {
    arena_block *first;   /* blocks in allocation order, owned */
    arena_block *current; /* block being filled */
} reply_arena;

/* Starts an empty arena. */
void reply_arena_init(reply_arena *arena);
/* Makes ctx build its replies in arena. Such replies must never go to freeReplyObject:
 * release them all with reply_arena_reset once they are consumed. */
void reply_arena_attach(reply_arena *arena, redisContext *ctx);
/* Releases every reply built so far (the memory is kept for the next ones). */
void reply_arena_reset(reply_arena *arena);
/* Frees the arena's memory. */
void reply_arena_free(reply_arena *arena);

#endif
