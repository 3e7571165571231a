/* The aggregator thread: pops batches from the ring, applies them under the state lock,
 * and checkpoints (state + dead letters + XACK in one transaction) every interval or
 * every N records, and once more before exiting after a stop. When a save finds that
 * Redis holds another checkpoint generation than the one saved last, or no longer holds
 * the delivery of the last entry applied since (Redis went back in time), it reloads the state Redis holds and has the reader replay from there. */
#ifndef ANALYTICS_APPLY_LOOP_H
#define ANALYTICS_APPLY_LOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "adoption.h"
#include "aggregator.h"
#include "checkpoint.h"
#include "spsc_ring.h"
#include "stream_reader.h"
#include "tw_metrics.h"
#include "tw_redis.h"

typedef struct {
    aggregator *agg;                  /* state */
    owed_work *owed;                  /* acknowledgements and dead letters owed to it */
    spsc_ring *ring;                  /* from the reader */
    stream_reader *reader;            /* to know when input has ended */
    tw_redis_url url;                 /* for the checkpoint connection */
    const checkpoint_names *names;    /* keys */
    adoption *adoption;               /* adopts gone replicas; NULL: never */
    int64_t checkpoint_every_ms;      /* time between checkpoints */
    int64_t checkpoint_records;       /* records between checkpoints */
    pthread_t thread;                 /* the aggregator thread */
    tw_counter *applied;              /* entries applied */
    tw_counter *checkpoints;          /* checkpoints saved */
    tw_counter *checkpoint_failures;  /* checkpoints that failed (retried) */
    tw_counter *rollbacks;            /* times Redis was found behind the state in memory */
    tw_counter *discarded;            /* entries read before a reload, not applied */
    uint32_t epoch;                   /* the reader epoch whose entries are applied */
    int64_t next_master_check_us;     /* with Sentinels: when to ask whether the master moved */
    tw_histogram *checkpoint_seconds; /* time per checkpoint */
    tw_histogram *processing_delay;   /* sent_us -> applied, seconds */
    tw_histogram *report_latency;     /* reported latency, seconds */
} apply_loop;

/* Prepares the loop and registers its metrics. */
void apply_loop_init(apply_loop *loop, aggregator *agg, owed_work *owed, spsc_ring *ring,
                     stream_reader *reader, const tw_redis_url *url, const checkpoint_names *names,
                     tw_metrics *metrics);
/* Starts the thread; TW_OK or TW_ERR. */
int apply_loop_start(apply_loop *loop);
/* Waits for the thread (it ends after the reader is done and the ring is drained). */
void apply_loop_join(apply_loop *loop);

#endif
