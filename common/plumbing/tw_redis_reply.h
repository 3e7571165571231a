/* Reply objects for hiredis with a bound on what a reply may declare. hiredis 0.14 (Debian
 * bookworm's) has no limit on an array header: "*700000000" makes it calloc 5.6 GB before a
 * single element arrives, so whatever can write to a connection (a Redis server that is not
 * ours, or anything between us and it) could take a service down with 13 bytes. These
 * functions build the same redisReply objects as hiredis' own (freeReplyObject frees them)
 * but refuse an array of more than TW_REDIS_MAX_REPLY_ELEMENTS elements: the reply then
 * fails as hiredis' out-of-memory error and the connection is treated as broken. The largest
 * reply towerwatch reads is a checkpoint's HGETALL, two elements per field. */
#ifndef TW_REDIS_REPLY_H
#define TW_REDIS_REPLY_H

#include <hiredis/hiredis.h>
#include <stdbool.h>

#define TW_REDIS_MAX_REPLY_ELEMENTS (1 << 22)

/* Makes ctx's reader build its replies with the bounded functions. */
void tw_redis_bound_replies(redisContext *ctx);
/* The same for a bare reader (tests, fuzzing). */
void tw_redis_bound_reader(redisReader *reader);
/* Zeroes `reply`, gives it `type` and links it into its parent array, as every reply
 * object function must; returns it. */
redisReply *tw_redis_reply_place(const redisReadTask *task, redisReply *reply, int type);
/* True (and logged) when an array header declaring `elements` is refused; for other reply
 * object functions, such as analytics' arena. */
bool tw_redis_array_refused(long long elements);

#endif
