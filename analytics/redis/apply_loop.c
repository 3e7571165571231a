/* Aggregator thread; see apply_loop.h. */
#include "apply_loop.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tw_alloc.h"
#include "tw_backoff.h"
#include "tw_log.h"
#include "tw_signal.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_trace.h"

#define APPLY_BATCH 1024
#define STREAM_ID_TEXT_BYTES 48
#define IDLE_SPINS 64
#define IDLE_SLEEP_US 200
/* A reply to a checkpoint (or a reload's HGETALL) may take this long: at 100k antennas one
 * holds tens of thousands of antennas (megabytes) and Redis, busy with three replicas and
 * the producers, takes seconds. Giving up sooner does not undo the transaction: Redis
 * runs it anyway, the next save then finds a newer generation and reloads the whole state,
 * which costs more than the wait. */
#define CHECKPOINT_TIMEOUT_MS 10000
#define FINAL_CHECKPOINT_MAX_US 3000000
#define BACKOFF_INITIAL_US 100000
#define BACKOFF_MAX_US 2000000

static const double delay_bounds_s[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,  0.5,   1,    2.5,   5,    10};
static const double latency_bounds_s[] = {0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
                                          0.15,  0.2,  0.3,  0.5,  1,    2.5};

void apply_loop_init(apply_loop *loop, aggregator *agg, owed_work *owed, spsc_ring *ring,
                     stream_reader *reader, const tw_redis_url *url, const checkpoint_names *names,
                     tw_metrics *metrics)
{
    loop->agg = agg;
    loop->owed = owed;
    loop->ring = ring;
    loop->reader = reader;
    loop->url = *url;
    loop->names = names;
    loop->adoption = NULL;
    loop->next_master_check_us = 0;
    loop->applied = tw_metrics_counter(metrics, "analytics_entries_applied_total",
                                       "Stream entries applied to the aggregate state.", NULL);
    loop->checkpoints =
        tw_metrics_counter(metrics, "analytics_checkpoints_total",
                           "Checkpoints saved (state + XACK in one transaction).", NULL);
    loop->checkpoint_failures =
        tw_metrics_counter(metrics, "analytics_checkpoint_failures_total",
                           "Checkpoints that failed; their work is retried by the next one.", NULL);
    loop->rollbacks = tw_metrics_counter(
        metrics, "analytics_redis_rollbacks_total",
        "Times Redis held an older (or other) checkpoint than this replica saved last, or no "
        "longer held the delivery of an entry applied since, so the state was reloaded from "
        "Redis and the pending entries replayed.",
        NULL);
    loop->discarded = tw_metrics_counter(
        metrics, "analytics_entries_discarded_total",
        "Entries read before a reload of the state, dropped unapplied (they are replayed).", NULL);
    loop->epoch = atomic_load(&reader->epoch);
    loop->checkpoint_seconds = tw_metrics_histogram(
        metrics, "analytics_checkpoint_duration_seconds", "Time to save one checkpoint.", NULL,
        delay_bounds_s, sizeof delay_bounds_s / sizeof delay_bounds_s[0]);
    loop->processing_delay =
        tw_metrics_histogram(metrics, "analytics_processing_delay_seconds",
                             "Delay from a report's sent_us to its application here.", NULL,
                             delay_bounds_s, sizeof delay_bounds_s / sizeof delay_bounds_s[0]);
    loop->report_latency = tw_metrics_histogram(
        metrics, "analytics_report_latency_seconds",
        "Round-trip latency reported by antennas, per valid record.", NULL, latency_bounds_s,
        sizeof latency_bounds_s / sizeof latency_bounds_s[0]);
}

/* Records the entry's histograms; returns true when it carries a traceparent. */
static bool observe(apply_loop *loop, const analytics_entry *entry, int64_t now_us)
{
    bool traced = entry->report.traceparent[0] != '\0' && !entry->deleted;
    if (entry->deleted || entry->malformed != TW_MALFORMED_NONE)
        return traced;
    tw_histogram_observe(loop->report_latency, entry->report.latency_ms / 1000.0);
    if (entry->report.sent_us > 0 && now_us >= entry->report.sent_us)
        tw_histogram_observe(loop->processing_delay,
                             (double)(now_us - entry->report.sent_us) / 1e6);
    return traced;
}

/* Continues a valid traceparent with a "report.apply" CONSUMER span from the reader's
 * parse to now; an invalid one is counted and ignored (the record itself is unaffected). */
static void trace_entry(const apply_loop *loop, const analytics_entry *entry, int64_t now_ns)
{
    const tw_report *report = &entry->report;
    tw_trace_context parent;
    if (tw_traceparent_parse(report->traceparent, strlen(report->traceparent), &parent) != TW_OK) {
        tw_trace_count_invalid();
        return;
    }
    tw_span span;
    if (!tw_trace_begin(&span, "report.apply", TW_SPAN_CONSUMER, &parent))
        return;
    span.start_ns = entry->parse_started_ns ? entry->parse_started_ns : now_ns;
    span.end_ns = now_ns;
    char id[STREAM_ID_TEXT_BYTES];
    stream_id_format(entry->id, id, sizeof id);
    tw_span_attr_str(&span, "messaging.system", "redis");
    tw_span_attr_str(&span, "messaging.destination.name", loop->names->stream_key);
    tw_span_attr_str(&span, "messaging.message.id", id);
    tw_span_attr_str(&span, "antenna_id", report->antenna_id);
    if (entry->claimed)
        tw_span_attr_int(&span, "claimed", 1);
    if (entry->malformed != TW_MALFORMED_NONE)
        tw_span_set_error(&span, tw_malformed_reason_name(entry->malformed));
    tw_trace_submit(&span);
}

/* Traces the entries of a batch that carry a traceparent, once they are applied. */
static void trace_batch(const apply_loop *loop, const analytics_entry *batch, size_t n)
{
    int64_t now_ns = tw_trace_now_ns();
    for (size_t i = 0; i < n; i++) {
        if (batch[i].report.traceparent[0] && !batch[i].deleted)
            trace_entry(loop, &batch[i], now_ns);
    }
}

/* Drops the entries of a batch read in an epoch before the last reload (they are still
 * pending in Redis and come back with the replay); returns how many are left. */
static size_t drop_stale(apply_loop *loop, analytics_entry *batch, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (batch[i].epoch == loop->epoch)
            batch[kept++] = batch[i];
        else
            entry_release(&batch[i]);
    }
    tw_counter_add(loop->discarded, n - kept);
    return kept;
}

static size_t apply_batch(apply_loop *loop, analytics_entry *batch)
{
    size_t popped = spsc_ring_pop(loop->ring, batch, APPLY_BATCH);
    size_t n = drop_stale(loop, batch, popped);
    if (n == 0)
        return popped;
    int64_t now_us = tw_wall_us();
    bool traced = false;
    for (size_t i = 0; i < n; i++)
        traced |= observe(loop, &batch[i], now_us);
    pthread_mutex_lock(&loop->agg->lock);
    for (size_t i = 0; i < n; i++)
        owed_apply(loop->owed, loop->agg, &batch[i], now_us);
    loop->agg->ignored_optional = atomic_load(&loop->reader->ignored_optional);
    pthread_mutex_unlock(&loop->agg->lock);
    if (traced)
        trace_batch(loop, batch, n);
    tw_counter_add(loop->applied, n);
    return n;
}

/* Another replica adopted this one's state (its lease had expired): whatever is in
 * memory is counted there now, so this process must neither save nor serve it. It exits
 * at once; restarted, it finds the adopter's marker, starts empty and removes it. */
static void exit_if_fenced(const apply_loop *loop)
{
    if (!loop->names->lease || !loop->names->lease->fenced)
        return;
    tw_log_error("this replica was adopted by another after its lease expired; exiting",
                 TW_STR("key", loop->names->key));
    _exit(1);
}

/* Opens the loop's own connection when due: TW_OK when there is one, TW_AGAIN while the
 * backoff waits, TW_ERR when connecting failed. A new connection may reach a Redis that
 * restarted: the next save verifies the generation first. */
static int connect_when_due(apply_loop *loop, redisContext **ctx, tw_backoff *backoff)
{
    if (*ctx)
        return TW_OK;
    if (!tw_backoff_ready(backoff, tw_mono_us()))
        return TW_AGAIN;
    char err[256] = "";
    *ctx = tw_redis_connect(&loop->url, CHECKPOINT_TIMEOUT_MS, err, sizeof err);
    if (!*ctx) {
        tw_backoff_failed(backoff, tw_mono_us());
        tw_counter_add(loop->checkpoint_failures, 1);
        tw_log_warn("checkpoint connection failed", TW_STR("error", err));
        return TW_ERR;
    }
    tw_backoff_succeeded(backoff);
    if (loop->names->lease)
        loop->names->lease->renewed_us = 0; /* verify (and renew) at the next save */
    return TW_OK;
}

static void drop_connection(redisContext **ctx, tw_backoff *backoff)
{
    redisFree(*ctx);
    *ctx = NULL;
    tw_backoff_failed(backoff, tw_mono_us());
}

/* Redis holds another generation of this consumer's checkpoint than the one saved last,
 * or no longer holds the delivery of an entry applied since: it lost writes (or took a
 * save whose reply was lost). Memory and Redis must start from the
 * same point again, so the state Redis holds replaces the one in memory, nothing owed
 * is kept (those acknowledgements and dead letters are pending again in Redis, or gone
 * with the entries themselves), entries read so far are dropped as they come out of the
 * ring (their epoch is past), and the reader replays this consumer's pending entries,
 * which are applied only after the reload. Retries until it succeeds or a stop is
 * requested. */
static void reload(apply_loop *loop, redisContext **ctx, tw_backoff *backoff)
{
    tw_counter_add(loop->rollbacks, 1);
    loop->epoch = stream_reader_restart(loop->reader);
    while (!tw_signal_stop_requested()) {
        if (connect_when_due(loop, ctx, backoff) != TW_OK) {
            tw_sleep_us(BACKOFF_INITIAL_US);
            continue;
        }
        aggregator fresh;
        char err[256] = "";
        aggregator_init(&fresh, 0);
        int status = checkpoint_restore(&fresh, *ctx, loop->names, err, sizeof err);
        if (status == TW_OK) {
            pthread_mutex_lock(&loop->agg->lock);
            aggregator_swap_state(loop->agg, &fresh);
            owed_clear(loop->owed);
            /* the reader's running count, as apply_batch keeps it */
            loop->agg->ignored_optional = atomic_load(&loop->reader->ignored_optional);
            pthread_mutex_unlock(&loop->agg->lock);
        }
        aggregator_free(&fresh); /* the old state, after a swap */
        if (status == TW_OK) {
            tw_log_info("state reloaded from redis; replaying pending entries",
                        TW_INT("generation", loop->names->lease->generation),
                        TW_INT("epoch", loop->epoch));
            return;
        }
        tw_log_warn("state reload failed; retrying", TW_STR("error", err));
        drop_connection(ctx, backoff);
    }
}

/* Saves a checkpoint on the loop's own connection, (re)connecting as needed. */
static int save(apply_loop *loop, redisContext **ctx, tw_backoff *backoff)
{
    char err[256] = "";
    if (*ctx && tw_redis_master_moved(&loop->url, *ctx, &loop->next_master_check_us)) {
        tw_log_warn("the sentinels name another master; the checkpoint connection follows");
        drop_connection(ctx, backoff);
    }
    int connected = connect_when_due(loop, ctx, backoff);
    if (connected != TW_OK)
        return connected;
    int64_t started = tw_mono_us();
    int status = checkpoint_save(loop->agg, loop->owed, *ctx, loop->names, err, sizeof err);
    if (status == TW_OK) {
        tw_counter_add(loop->checkpoints, 1);
        tw_histogram_observe(loop->checkpoint_seconds, (double)(tw_mono_us() - started) / 1e6);
    } else if (status == TW_ERR) {
        tw_counter_add(loop->checkpoint_failures, 1);
        exit_if_fenced(loop);
        if (loop->names->lease && loop->names->lease->rolled_back) {
            tw_log_warn("redis went back in time; reloading the state it holds",
                        TW_STR("error", err));
            reload(loop, ctx, backoff);
            return TW_ERR;
        }
        tw_log_warn("checkpoint failed; retrying", TW_STR("error", err));
        drop_connection(ctx, backoff);
    }
    return status;
}

/* Saves whatever is owed; true when nothing is owed afterwards (every applied entry's
 * acknowledgement is in Redis). */
static bool save_all(apply_loop *loop, redisContext **ctx, tw_backoff *backoff)
{
    save(loop, ctx, backoff);
    return owed_none(loop->owed);
}

/* Saves (so nothing is owed and the saved state equals the state in memory), then lets
 * adoption look for a gone replica. Returns when the next look is due. */
static int64_t adopt(apply_loop *loop, redisContext **ctx, tw_backoff *backoff, int64_t now)
{
    int64_t next = now + loop->adoption->check_every_us;
    if (save(loop, ctx, backoff) == TW_ERR || !*ctx)
        return next;
    int status = adoption_run(loop->adoption, *ctx);
    exit_if_fenced(loop);
    if (status == TW_ERR && loop->names->lease->rolled_back) {
        reload(loop, ctx, backoff);
    } else if (status == TW_ERR) {
        tw_log_warn("adoption check failed; retrying", TW_STR("error", (*ctx)->errstr));
        drop_connection(ctx, backoff);
    }
    return status == TW_OK ? now : next; /* after one adoption, look again after a save */
}

/* After a stop: saves what is left, for at most FINAL_CHECKPOINT_MAX_US (the process
 * must exit within 5 s); what cannot be saved stays pending and is replayed at start. */
static void final_checkpoint(apply_loop *loop, redisContext **ctx, tw_backoff *backoff)
{
    int64_t deadline = tw_mono_us() + FINAL_CHECKPOINT_MAX_US;
    while (tw_mono_us() < deadline) {
        int status = save(loop, ctx, backoff);
        if (status == TW_OK || (status == TW_AGAIN && *ctx))
            return; /* saved, or nothing was left to save */
        tw_sleep_us(BACKOFF_INITIAL_US);
    }
    tw_log_error("final checkpoint failed: unacknowledged entries will be replayed at next start");
}

static void *apply_main(void *arg)
{
    apply_loop *loop = arg;
    analytics_entry *batch = tw_xcalloc(APPLY_BATCH, sizeof *batch);
    redisContext *ctx = NULL;
    tw_backoff backoff;
    tw_backoff_init(&backoff, BACKOFF_INITIAL_US, BACKOFF_MAX_US);
    int64_t next_checkpoint_us = tw_mono_us() + loop->checkpoint_every_ms * TW_US_PER_MS;
    int64_t next_adopt_us = tw_mono_us();
    uint64_t since_checkpoint = 0;
    int idle = 0;
    for (;;) {
        size_t n = apply_batch(loop, batch);
        since_checkpoint += n;
        int64_t now = tw_mono_us();
        if (since_checkpoint >= (uint64_t)loop->checkpoint_records || now >= next_checkpoint_us) {
            if (save(loop, &ctx, &backoff) != TW_ERR)
                since_checkpoint = 0;
            next_checkpoint_us = now + loop->checkpoint_every_ms * TW_US_PER_MS;
        }
        uint64_t drain = stream_reader_drain_wanted(loop->reader);
        if (drain && spsc_ring_size(loop->ring) == 0 && save_all(loop, &ctx, &backoff))
            stream_reader_drained(loop->reader, drain);
        /* not before the start-up replay: it would take the pending entries adoption
         * claims here for our own and apply them a second time */
        if (loop->adoption && now >= next_adopt_us && stream_reader_replayed(loop->reader))
            next_adopt_us = adopt(loop, &ctx, &backoff, now);
        if (n > 0) {
            idle = 0;
            continue;
        }
        if (atomic_load_explicit(&loop->reader->done, memory_order_acquire) &&
            spsc_ring_size(loop->ring) == 0)
            break;
        if (++idle > IDLE_SPINS)
            tw_sleep_us(IDLE_SLEEP_US);
    }
    final_checkpoint(loop, &ctx, &backoff);
    if (ctx)
        redisFree(ctx);
    free(batch);
    return NULL;
}

int apply_loop_start(apply_loop *loop)
{
    return pthread_create(&loop->thread, NULL, apply_main, loop) == 0 ? TW_OK : TW_ERR;
}

void apply_loop_join(apply_loop *loop)
{
    pthread_join(loop->thread, NULL);
}
