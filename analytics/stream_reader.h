/* The reader thread: joins the consumer group (creating it with MKSTREAM), replays this
 * consumer's own pending entries at start, claims entries left idle by crashed consumers
 * (XAUTOCLAIM), reads new entries with XREADGROUP COUNT/BLOCK, parses them and hands them
 * to the aggregator through the SPSC ring (waiting when it is full, never dropping). It
 * also polls the group's lag and pending count and the dead-letter stream's length. */
#ifndef STREAM_READER_H
#define STREAM_READER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "checkpoint.h"
#include "reply_arena.h"
#include "spsc_ring.h"
#include "tw_metrics.h"
#include "tw_redis.h"

typedef struct {
    tw_redis_url url;                /* Redis endpoint */
    const checkpoint_names *names;   /* stream, group, consumer, DLQ key */
    int64_t read_count;              /* COUNT per XREADGROUP */
    int64_t block_ms;                /* BLOCK per XREADGROUP */
    int64_t claim_idle_ms;           /* XAUTOCLAIM min-idle-time */
    int64_t claim_every_ms;          /* how often to look for idle entries */
    spsc_ring *ring;                 /* to the aggregator */
    reply_arena arena;               /* where the reader connection builds its replies */
    pthread_t thread;                /* the reader thread */
    atomic_bool connected;           /* Redis reachable and group joined */
    atomic_bool done;                /* the thread has pushed its last entry */
    atomic_bool replayed;            /* this consumer's pending entries were replayed at start */
    _Atomic int64_t lag;             /* XINFO GROUPS lag, -1 unknown */
    _Atomic int64_t pending;         /* XINFO GROUPS pending, -1 unknown */
    _Atomic int64_t dlq_length;      /* XLEN of the dead-letter stream, -1 unknown */
    _Atomic uint64_t ignored_optional; /* invalid optional fields dropped while parsing */
    tw_counter *entries_read;        /* entries delivered to this consumer */
    tw_counter *entries_claimed;     /* entries taken over with XAUTOCLAIM */
    tw_counter *reconnects;          /* connections re-established */
    tw_counter *unreadable;          /* items not shaped like stream entries (acked by id) */
} stream_reader;

/* Prepares the reader and registers its metrics. */
void stream_reader_init(stream_reader *reader, const tw_redis_url *url,
                        const checkpoint_names *names, spsc_ring *ring, tw_metrics *metrics);
/* Starts the thread; TW_OK or TW_ERR. */
int stream_reader_start(stream_reader *reader);
/* Waits for the thread to finish (after a stop was requested). */
void stream_reader_join(stream_reader *reader);

#endif
