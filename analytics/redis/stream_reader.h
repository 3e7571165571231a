/* The reader thread: joins the consumer group (creating it with MKSTREAM), replays this
 * consumer's own pending entries at start, claims entries left idle by crashed consumers
 * (XAUTOCLAIM), reads new entries with XREADGROUP COUNT/BLOCK, parses them and hands them
 * to the aggregator through the SPSC ring (waiting when it is full, never dropping). It
 * also polls the group's lag and pending count and the dead-letter stream's length, and
 * notices entries deleted from the stream before the group read them (stream_loss.h).
 * After every lost connection it replays this consumer's pending entries (an XREADGROUP
 * whose reply never arrived left them delivered but unread), once the aggregator has
 * applied and acknowledged everything handed over before, so that what is pending then
 * was never applied. When the aggregator reloads its state (Redis went back in time), the
 * reader starts over in a new epoch: a fresh connection and a new replay. With Sentinels it
 * also leaves a master the Sentinels no longer name (a switchover), checked with the stats. */
#ifndef ANALYTICS_STREAM_READER_H
#define ANALYTICS_STREAM_READER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "checkpoint.h"
#include "reply_arena.h"
#include "spsc_ring.h"
#include "stream_loss.h"
#include "tw_metrics.h"
#include "tw_redis.h"

typedef struct {
    tw_redis_url url;                  /* Redis endpoint */
    const checkpoint_names *names;     /* stream, group, consumer, DLQ key */
    int64_t read_count;                /* COUNT per XREADGROUP */
    int64_t block_ms;                  /* BLOCK per XREADGROUP */
    int64_t claim_idle_ms;             /* XAUTOCLAIM min-idle-time */
    int64_t claim_every_ms;            /* how often to look for idle entries */
    spsc_ring *ring;                   /* to the aggregator */
    reply_arena arena;                 /* where the reader connection builds its replies */
    uint32_t reading_epoch;            /* reader thread only: the epoch it stamps entries with */
    int64_t next_master_check_us;      /* reader thread only: with Sentinels, when to ask
                                          whether the master moved */
    pthread_t thread;                  /* the reader thread */
    atomic_bool connected;             /* Redis reachable and group joined */
    atomic_bool done;                  /* the thread has pushed its last entry */
    _Atomic uint32_t epoch;            /* raised by the aggregator when it reloads the state:
                                          the reader starts over (replays its own pending
                                          entries) and stamps entries with the new epoch */
    _Atomic uint32_t replayed_epoch;   /* the epoch whose replay of own pending entries is done
                                          (0 while a replay is being prepared or read) */
    _Atomic uint64_t drain_requested;  /* raised by the reader before each replay ... */
    _Atomic uint64_t drained;          /* ... and echoed by the aggregator once everything
                                          handed over is applied and acknowledged */
    _Atomic int64_t lag;               /* XINFO GROUPS lag, -1 unknown */
    _Atomic int64_t pending;           /* XINFO GROUPS pending, -1 unknown */
    _Atomic int64_t dlq_length;        /* XLEN of the dead-letter stream, -1 unknown */
    _Atomic uint64_t ignored_optional; /* invalid optional fields dropped while parsing */
    tw_counter *entries_read;          /* entries delivered to this consumer */
    tw_counter *entries_claimed;       /* entries taken over with XAUTOCLAIM */
    tw_counter *reconnects;            /* connections re-established */
    tw_counter *unreadable;            /* items not shaped like stream entries (acked by id) */
    tw_gauge *removed_unread;          /* entries the group's lag counts that the stream no
                                          longer holds (stream_loss.h) */
    tw_gauge *ids_exhausted;           /* 1: the stream's last id is the largest there is */
    int64_t removed_unread_logged;     /* reader thread only: the most such entries logged */
    bool ids_exhausted_logged;         /* reader thread only: exhaustion already logged */
} stream_reader;

/* Prepares the reader and registers its metrics. */
void stream_reader_init(stream_reader *reader, const tw_redis_url *url,
                        const checkpoint_names *names, spsc_ring *ring, tw_metrics *metrics);
/* Starts the thread; TW_OK or TW_ERR. */
int stream_reader_start(stream_reader *reader);
/* Waits for the thread to finish (after a stop was requested). */
void stream_reader_join(stream_reader *reader);
/* Asks the reader to start over: entries it read so far are not to be applied (their
 * epoch is past), and it replays this consumer's pending entries again. Called by the
 * aggregator after reloading the state from Redis. Returns the new epoch. */
uint32_t stream_reader_restart(stream_reader *reader);
/* True once the reader has replayed its own pending entries in the current epoch and is
 * not preparing another replay. */
bool stream_reader_replayed(stream_reader *reader);
/* Aggregator side of the replay handshake: the drain the reader waits for, or 0. */
uint64_t stream_reader_drain_wanted(stream_reader *reader);
/* Aggregator side: everything handed over before drain `ticket` is applied and its
 * acknowledgement saved, so what is pending for this consumer was never applied. */
void stream_reader_drained(stream_reader *reader, uint64_t ticket);

#endif
