/* Writes queued reports to the Redis stream: pipelined XADD batches with approximate
 * MAXLEN trimming, per-report confirmation, and reconnection with backoff when Redis goes
 * away (reports stay queued until a reply confirms them). A report sampled for tracing
 * carries a traceparent field and yields a PRODUCER span from its creation to Redis'
 * confirmation. */
#ifndef STREAM_WRITER_H
#define STREAM_WRITER_H

#include <hiredis/hiredis.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "report_queue.h"
#include "tw_backoff.h"
#include "tw_buf.h"
#include "tw_metrics.h"
#include "tw_redis.h"

typedef struct {
    tw_redis_url url;        /* endpoint and credentials */
    const char *stream_key;  /* stream to append to */
    int64_t maxlen;          /* MAXLEN ~ bound, 0 for no trimming */
    redisContext *ctx;       /* live connection or NULL */
    tw_backoff backoff;      /* reconnect pacing */
    tw_buf command;          /* RESP of the batch being sent */
    tw_buf next;             /* RESP of the next batch, formatted while one is in flight */
    size_t in_flight;        /* oldest queued reports sent and awaiting replies */
    int64_t in_flight_since_us; /* when the batch in flight was sent (monotonic) */
    bool *keep;              /* per-report "still queued" flags for one batch */
    size_t batch_max;        /* most reports per pipelined batch */
    atomic_bool connected;   /* read by /readyz from HTTP threads */
    tw_counter *sent;        /* reports confirmed by Redis */
    tw_counter *errors;      /* error replies to XADD */
    tw_counter *reconnects;  /* successful connections after the first */
    tw_histogram *batch_seconds; /* time to write one batch and read its replies */
    uint64_t connections;    /* successful connections so far */
} stream_writer;

/* Prepares a writer (no connection yet); registers its metrics. TW_OK or TW_ERR. */
int stream_writer_init(stream_writer *writer, const tw_redis_url *url, const char *stream_key,
                       int64_t maxlen, size_t batch_max, tw_metrics *metrics);
/* Frees the writer and closes its connection. */
void stream_writer_free(stream_writer *writer);
/* Gives a sampled report a new trace: its traceparent names the "report.send" span that
 * the writer records once Redis confirms the entry. */
void stream_writer_start_trace(tw_report *report);
/* Connects when due; reads the replies of the batch in flight, removing the confirmed
 * reports, and sends the next batch of up to batch_max queued reports. Returns how many
 * were confirmed, or TW_AGAIN when not connected. */
int stream_writer_flush(stream_writer *writer, report_queue *queue);
/* True while a batch is in flight (the next flush has replies to read). */
bool stream_writer_busy(const stream_writer *writer);

#endif
