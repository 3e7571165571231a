/* Stream entries read from Redis, parsed into analytics entries; see stream_entry.c. */
#ifndef ANALYTICS_STREAM_ENTRY_H
#define ANALYTICS_STREAM_ENTRY_H

#include "entry.h"

struct redisReply;

/* Fills out from one XREADGROUP/XAUTOCLAIM item [id, [field, value, ...] | nil].
 * Malformed content is not an error (out->malformed says why); returns TW_INVALID only
 * when the item is not shaped like a stream entry at all. */
int entry_from_reply(const struct redisReply *item, analytics_entry *out, int *ignored_optional);

#endif
