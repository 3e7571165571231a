/* Writes queued reports to the Redis stream: pipelined XADD batches with approximate
 * MAXLEN trimming, per-report confirmation, and reconnection with backoff when Redis goes
 * away (reports stay queued until a reply confirms them). Confirmed reports stay in the
 * re-send window for a while; after a reconnection the writer first resolves what Redis
 * still holds (stream_resolve) and re-sends what it lost. A report sampled for tracing
 * carries a traceparent field and yields a PRODUCER span from its creation to Redis'
 * confirmation. */
#ifndef SIMULATOR_STREAM_WRITER_H
#define SIMULATOR_STREAM_WRITER_H

#include <hiredis/hiredis.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "report_queue.h"
#include "report_sink.h"
#include "resend_window.h"
#include "tw_backoff.h"
#include "tw_buf.h"
#include "tw_metrics.h"
#include "tw_redis.h"

/* What the writer needs to know at start. */
typedef struct {
    const tw_redis_url *url;  /* endpoint and credentials (copied) */
    const char *stream_key;   /* stream to append to (kept, not copied) */
    int64_t maxlen;           /* MAXLEN ~ bound, 0 for no trimming */
    size_t batch_max;         /* most reports per pipelined batch */
    const char *run;          /* this process's run id (copied) */
    int64_t resend_window_ms; /* how long confirmed reports are kept; 0 = no window */
    size_t resend_window_max; /* confirmed reports kept at most */
    size_t antennas;          /* distinct antenna ids the reports carry */
} stream_writer_config;

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
    stream_id *ids;          /* per-report entry ids Redis returned, for one batch */
    size_t batch_max;        /* most reports per pipelined batch */
    atomic_bool connected;   /* read by /readyz from HTTP threads */
    tw_counter *sent;        /* reports confirmed by Redis */
    tw_counter *errors;      /* error replies to XADD */
    tw_counter *reconnects;  /* successful connections after the first */
    tw_histogram *batch_seconds; /* time to write one batch and read its replies */
    uint64_t connections;    /* successful connections so far */
    resend_window window;    /* confirmed reports kept for re-sending */
    int64_t next_master_check_us; /* with Sentinels: when to ask whether the master moved */
    bool resolve_pending;    /* reconnected: resolve before sending anything */
    size_t unreplied;        /* reports sent without a reply when the connection broke */
    bool resolve_warned;     /* a refused resolution was logged once */
    bool resolve_disabled;   /* resolving failed on this side: never tried again */
    tw_counter *resent;      /* confirmed reports Redis lost, re-sent */
    tw_counter *resolved;    /* in-flight reports found applied after a reconnection */
    tw_counter *rollbacks;   /* reconnections to a Redis that lost confirmed reports */
    tw_counter *evicted;     /* window entries dropped by its cap while younger than it */
    tw_gauge *window_reports; /* reports in the window */
} stream_writer;

/* Prepares a writer (no connection yet); registers its metrics. TW_OK or TW_ERR. */
int stream_writer_init(stream_writer *writer, const stream_writer_config *config,
                       tw_metrics *metrics);
/* Frees the writer and closes its connection. */
void stream_writer_free(stream_writer *writer);
/* Gives a sampled report a new trace: its traceparent names the "report.send" span that
 * the writer records once Redis confirms the entry. */
void stream_writer_start_trace(tw_report *report);
/* Connects when due (resolving what Redis holds after a reconnection); reads the replies
 * of the batch in flight, removing the confirmed reports, and sends the next batch of up
 * to batch_max queued reports. Returns how many were confirmed, or TW_AGAIN when not
 * connected. */
int stream_writer_flush(stream_writer *writer, report_queue *queue);
/* True while a batch is in flight (the next flush has replies to read). */
bool stream_writer_busy(const stream_writer *writer);
/* The writer as the simulator's report sink. */
report_sink stream_writer_sink(stream_writer *writer);

#endif
