/* Reader thread; see stream_reader.h. On a lost connection it reconnects with backoff
 * and replays its own pending entries, as at process start and after the aggregator
 * reloaded its state (anything pending then was never applied to the state in memory,
 * because acknowledgements travel with the checkpoint and the replay waits for them). */
#include "stream_reader.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stream_entry.h"
#include "tw_alloc.h"
#include "tw_backoff.h"
#include "tw_log.h"
#include "tw_signal.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_trace.h"

#define READER_TIMEOUT_MS 5000
#define BACKOFF_INITIAL_US 100000
#define BACKOFF_MAX_US 5000000
#define STATS_EVERY_US 1000000
#define RING_FULL_WAIT_US 50
#define DRAIN_WAIT_US 1000
#define LOSS_SCAN_MAX 1024 /* entries listed after the group's position to measure a loss */

void stream_reader_init(stream_reader *reader, const tw_redis_url *url,
                        const checkpoint_names *names, spsc_ring *ring, tw_metrics *metrics)
{
    reader->url = *url;
    reader->names = names;
    reader->ring = ring;
    reader->next_master_check_us = 0;
    reply_arena_init(&reader->arena);
    atomic_init(&reader->connected, false);
    atomic_init(&reader->done, false);
    atomic_init(&reader->epoch, 1);
    atomic_init(&reader->replayed_epoch, 0);
    atomic_init(&reader->drain_requested, 0);
    atomic_init(&reader->drained, 0);
    atomic_init(&reader->lag, -1);
    atomic_init(&reader->pending, -1);
    atomic_init(&reader->dlq_length, -1);
    atomic_init(&reader->ignored_optional, 0);
    reader->entries_read = tw_metrics_counter(metrics, "analytics_entries_read_total",
                                              "Stream entries delivered to this consumer.", NULL);
    reader->entries_claimed =
        tw_metrics_counter(metrics, "analytics_entries_claimed_total",
                           "Entries taken over from idle consumers with XAUTOCLAIM.", NULL);
    reader->reconnects = tw_metrics_counter(metrics, "analytics_redis_reconnects_total",
                                            "Reader connections to Redis re-established.", NULL);
    reader->unreadable =
        tw_metrics_counter(metrics, "analytics_unreadable_items_total",
                           "Stream items not shaped like entries (skipped).", NULL);
    reader->removed_unread_logged = 0;
    reader->ids_exhausted_logged = false;
    reader->removed_unread = tw_metrics_gauge(
        metrics, "analytics_stream_removed_unread",
        "Entries the group's lag counts that the stream no longer holds: deleted before the "
        "group read them (an XADD with MAXLEN or MINID, or the stream's length cap). NaN "
        "until measured.",
        NULL);
    tw_gauge_set(reader->removed_unread, NAN);
    reader->ids_exhausted = tw_metrics_gauge(
        metrics, "analytics_stream_ids_exhausted",
        "1 when the stream's last id is the largest there is, so every XADD * fails.", NULL);
}

/* Pushes entries into the ring, waiting while it is full. On stop, entries not pushed are
 * released: they stay pending in Redis and are replayed at the next start. */
static void hand_over(stream_reader *reader, analytics_entry *entries, size_t n)
{
    size_t pushed = 0;
    while (pushed < n) {
        pushed += spsc_ring_push(reader->ring, entries + pushed, n - pushed);
        if (pushed < n) {
            if (tw_signal_stop_requested())
                break;
            tw_sleep_us(RING_FULL_WAIT_US);
        }
    }
    for (size_t i = pushed; i < n; i++)
        entry_release(&entries[i]);
}

/* Parses the items of one entry array and hands them over; returns the last id seen. */
static size_t consume_items(stream_reader *reader, const redisReply *items, bool claimed,
                            analytics_entry *scratch, stream_id *last)
{
    size_t n = 0;
    int ignored = 0;
    uint32_t epoch = reader->reading_epoch;
    int64_t started_ns = tw_trace_enabled() ? tw_trace_now_ns() : 0;
    for (size_t i = 0; i < items->elements; i++) {
        if (entry_from_reply(items->element[i], &scratch[n], &ignored) != TW_OK) {
            tw_counter_add(reader->unreadable, 1);
            continue;
        }
        scratch[n].claimed = claimed;
        scratch[n].epoch = epoch;
        if (scratch[n].report.traceparent[0])
            scratch[n].parse_started_ns = started_ns;
        *last = scratch[n].id;
        n++;
    }
    atomic_fetch_add(&reader->ignored_optional, (uint64_t)ignored);
    tw_counter_add(claimed ? reader->entries_claimed : reader->entries_read, n);
    hand_over(reader, scratch, n);
    return n;
}

static int ensure_group(stream_reader *reader, redisContext *ctx, char *err, size_t err_size)
{
    const checkpoint_names *names = reader->names;
    redisReply *reply =
        redisCommand(ctx, "XGROUP CREATE %s %s 0 MKSTREAM", names->stream_key, names->group);
    int status = TW_OK;
    if (!reply) {
        snprintf(err, err_size, "XGROUP CREATE: %s", ctx->errstr);
        status = TW_ERR;
    } else if (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "BUSYGROUP", 9) != 0) {
        snprintf(err, err_size, "XGROUP CREATE: %s", reply->str);
        status = TW_ERR;
    }
    reply_arena_reset(&reader->arena);
    return status;
}

/* One XREADGROUP of this consumer's own pending entries after `from` (no BLOCK: the
 * history is there or it is not). Returns entries handed over, or TW_ERR. */
static int read_pending(stream_reader *reader, redisContext *ctx, const char *from,
                        analytics_entry *scratch, stream_id *last)
{
    const checkpoint_names *names = reader->names;
    redisReply *reply =
        redisCommand(ctx, "XREADGROUP GROUP %s %s COUNT %lld STREAMS %s %s", names->group,
                     names->consumer, (long long)reader->read_count, names->stream_key, from);
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        tw_log_warn("XREADGROUP failed", TW_STR("error", reply ? reply->str : ctx->errstr));
        reply_arena_reset(&reader->arena);
        return TW_ERR;
    }
    int handed = 0;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) {
        const redisReply *stream = reply->element[0];
        if (stream->type == REDIS_REPLY_ARRAY && stream->elements == 2)
            handed = (int)consume_items(reader, stream->element[1], false, scratch, last);
    }
    reply_arena_reset(&reader->arena);
    return handed;
}

/* Before a replay: waits until the aggregator has applied and acknowledged every entry
 * handed over so far (nothing is pushed meanwhile), so that the pending entries are exactly
 * the ones never applied. False when a stop or a reload came first. */
static bool wait_for_drain(stream_reader *reader)
{
    uint64_t ticket = atomic_fetch_add(&reader->drain_requested, 1) + 1;
    while (atomic_load(&reader->drained) < ticket) {
        if (tw_signal_stop_requested() || atomic_load(&reader->epoch) != reader->reading_epoch)
            return false;
        tw_sleep_us(DRAIN_WAIT_US);
    }
    return atomic_load(&reader->epoch) == reader->reading_epoch; /* no reload meanwhile */
}

/* Replays this consumer's pending entries (delivered before a crash or a lost connection,
 * never applied). */
static int replay_own_pending(stream_reader *reader, redisContext *ctx, analytics_entry *scratch)
{
    atomic_store(&reader->replayed_epoch, 0);
    if (!wait_for_drain(reader))
        return TW_ERR;
    stream_id cursor = {0, 0};
    uint64_t replayed = 0;
    for (;;) {
        char from[48];
        stream_id_format(cursor, from, sizeof from);
        stream_id last = cursor;
        int n = read_pending(reader, ctx, from, scratch, &last);
        if (n < 0)
            return TW_ERR;
        if (n == 0 && stream_id_compare(last, cursor) == 0)
            break;
        replayed += (uint64_t)n;
        cursor = last;
    }
    if (replayed)
        tw_log_info("replayed own pending entries", TW_INT("entries", replayed));
    return TW_OK;
}

/* XAUTOCLAIM entries idle longer than claim_idle_ms, from any consumer. */
static int claim_idle(stream_reader *reader, redisContext *ctx, analytics_entry *scratch)
{
    const checkpoint_names *names = reader->names;
    char cursor[48] = "0-0";
    for (int rounds = 0; rounds < 1000; rounds++) {
        redisReply *reply =
            redisCommand(ctx, "XAUTOCLAIM %s %s %s %lld %s COUNT %lld", names->stream_key,
                         names->group, names->consumer, (long long)reader->claim_idle_ms, cursor,
                         (long long)reader->read_count);
        if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2) {
            tw_log_warn("XAUTOCLAIM failed",
                        TW_STR("error", reply && reply->str ? reply->str : ctx->errstr));
            reply_arena_reset(&reader->arena);
            return TW_ERR;
        }
        stream_id last;
        size_t n = consume_items(reader, reply->element[1], true, scratch, &last);
        if (n)
            tw_log_info("claimed idle entries", TW_INT("entries", n));
        snprintf(cursor, sizeof cursor, "%s", reply->element[0]->str);
        reply_arena_reset(&reader->arena);
        if (!strcmp(cursor, "0-0"))
            break;
    }
    return TW_OK;
}

/* The value of `name` in an XINFO reply's field/value pairs, or NULL. */
static const redisReply *field(const redisReply *pairs, const char *name)
{
    for (size_t i = 0; pairs->type == REDIS_REPLY_ARRAY && i + 1 < pairs->elements; i += 2) {
        const redisReply *key = pairs->element[i];
        if (key->type == REDIS_REPLY_STRING && !strcmp(key->str, name))
            return pairs->element[i + 1];
    }
    return NULL;
}

static int64_t field_int(const redisReply *pairs, const char *name)
{
    const redisReply *value = field(pairs, name);
    return value && value->type == REDIS_REPLY_INTEGER ? value->integer : -1;
}

static stream_id field_id(const redisReply *pairs, const char *name)
{
    const redisReply *value = field(pairs, name);
    stream_id id = {0, 0};
    if (!value || value->type != REDIS_REPLY_STRING || stream_id_parse(value->str, &id) != TW_OK)
        return (stream_id){0, 0};
    return id;
}

/* Our group's part of an XINFO GROUPS reply, or NULL. */
static const redisReply *our_group(const stream_reader *reader, const redisReply *groups)
{
    for (size_t i = 0; groups && groups->type == REDIS_REPLY_ARRAY && i < groups->elements; i++) {
        const redisReply *name = field(groups->element[i], "name");
        if (name && name->type == REDIS_REPLY_STRING && !strcmp(name->str, reader->names->group))
            return groups->element[i];
    }
    return NULL;
}

/* The ids of an XRANGE reply, at most `room`. */
static size_t range_ids(const redisReply *range, stream_id *ids, size_t room)
{
    size_t n = 0;
    for (size_t i = 0; range->type == REDIS_REPLY_ARRAY && i < range->elements && n < room; i++) {
        const redisReply *item = range->element[i];
        if (item->type == REDIS_REPLY_ARRAY && item->elements >= 1 &&
            item->element[0]->type == REDIS_REPLY_STRING &&
            stream_id_parse(item->element[0]->str, &ids[n]) == TW_OK)
            n++;
    }
    return n;
}

/* Logs what the loss view shows for the first time: entries deleted unread beyond those
 * already reported, a stream whose ids are exhausted. */
static void note_loss(stream_reader *reader, const stream_loss_view *view)
{
    int64_t removed = stream_loss_removed_unread(view);
    if (removed >= 0)
        tw_gauge_set(reader->removed_unread, (double)removed);
    if (removed > reader->removed_unread_logged) {
        tw_log_error("stream entries were deleted before the consumer group read them",
                     TW_INT("removed_unread", removed), TW_STR("stream", reader->names->stream_key),
                     TW_STR("cause", "an XADD with MAXLEN or MINID that trimmed unread entries, "
                                     "or the stream's length cap overtaking the group"),
                     TW_STR("lag", "the group's lag counts them until repaired: see "
                                   "broker-config/README.md"));
        reader->removed_unread_logged = removed;
    }
    bool exhausted = stream_loss_ids_exhausted(view);
    if (exhausted && !reader->ids_exhausted_logged)
        tw_log_error("the stream's last id is the largest there is: no producer can add to it",
                     TW_STR("stream", reader->names->stream_key),
                     TW_STR("repair", "broker-config/README.md"));
    reader->ids_exhausted_logged = exhausted;
    tw_gauge_set(reader->ids_exhausted, exhausted);
}

/* Reads the loss view in one transaction: the entries after `earlier` (a position the
 * group held a moment ago), our group's lag and position, and the stream's. */
static void poll_loss(stream_reader *reader, redisContext *ctx, stream_id earlier)
{
    const char *key = reader->names->stream_key;
    char from[64];
    stream_id_format(earlier, from, sizeof from);
    redisAppendCommand(ctx, "MULTI");
    redisAppendCommand(ctx, "XRANGE %s (%s + COUNT %d", key, from, LOSS_SCAN_MAX);
    redisAppendCommand(ctx, "XINFO GROUPS %s", key);
    redisAppendCommand(ctx, "XINFO STREAM %s", key);
    redisAppendCommand(ctx, "EXEC");
    redisReply *reply = NULL;
    for (int i = 0; i < 5; i++)
        if (redisGetReply(ctx, (void **)&reply) != REDIS_OK || !reply)
            return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3)
        return;
    const redisReply *group = our_group(reader, reply->element[1]);
    const redisReply *stream = reply->element[2];
    if (!group || stream->type != REDIS_REPLY_ARRAY)
        return;
    stream_id ids[LOSS_SCAN_MAX];
    size_t n = range_ids(reply->element[0], ids, LOSS_SCAN_MAX);
    stream_loss_view view = {
        .last_delivered = field_id(group, "last-delivered-id"),
        .lag = field_int(group, "lag"),
        .first_entry = field_id(stream, "recorded-first-entry-id"),
        .last_generated = field_id(stream, "last-generated-id"),
        .length = field_int(stream, "length"),
        .after = ids,
        .after_count = n,
        .after_complete = reply->element[0]->type == REDIS_REPLY_ARRAY &&
                          reply->element[0]->elements < LOSS_SCAN_MAX,
    };
    note_loss(reader, &view);
}

/* Group lag and pending from XINFO GROUPS, dead-letter length from XLEN, then the loss
 * view from the group's position (stream_loss.h). */
static void poll_stats(stream_reader *reader, redisContext *ctx)
{
    const checkpoint_names *names = reader->names;
    redisReply *reply = redisCommand(ctx, "XINFO GROUPS %s", names->stream_key);
    const redisReply *group = our_group(reader, reply);
    stream_id position = {0, 0};
    if (group) {
        atomic_store(&reader->lag, field_int(group, "lag"));
        atomic_store(&reader->pending, field_int(group, "pending"));
        position = field_id(group, "last-delivered-id");
    }
    reply = redisCommand(ctx, "XLEN %s", names->dlq_key);
    if (reply && reply->type == REDIS_REPLY_INTEGER)
        atomic_store(&reader->dlq_length, reply->integer);
    if (group)
        poll_loss(reader, ctx, position);
    reply_arena_reset(&reader->arena);
}

static redisContext *connect_and_join(stream_reader *reader, tw_backoff *backoff, bool first)
{
    char err[256];
    redisContext *ctx = tw_redis_connect(&reader->url, READER_TIMEOUT_MS, err, sizeof err);
    if (ctx)
        reply_arena_attach(&reader->arena, ctx);
    if (ctx && ensure_group(reader, ctx, err, sizeof err) != TW_OK) {
        redisFree(ctx);
        ctx = NULL;
    }
    if (!ctx) {
        tw_log_warn("reader cannot reach redis", TW_STR("error", err));
        tw_backoff_failed(backoff, tw_mono_us());
        return NULL;
    }
    tw_backoff_succeeded(backoff);
    if (!first)
        tw_counter_add(reader->reconnects, 1);
    tw_log_info("reader joined consumer group", TW_STR("stream", reader->names->stream_key),
                TW_STR("group", reader->names->group), TW_STR("consumer", reader->names->consumer),
                TW_STR("host", ctx->tcp.host), TW_INT("port", ctx->tcp.port));
    return ctx;
}

/* Sends XREADGROUP ... > without waiting for its reply (read-ahead). */
static int send_read(stream_reader *reader, redisContext *ctx)
{
    const checkpoint_names *names = reader->names;
    redisAppendCommand(ctx, "XREADGROUP GROUP %s %s COUNT %lld BLOCK %lld STREAMS %s >",
                       names->group, names->consumer, (long long)reader->read_count,
                       (long long)reader->block_ms, names->stream_key);
    int done = 0;
    while (!done) {
        if (redisBufferWrite(ctx, &done) != REDIS_OK)
            return TW_ERR;
    }
    return TW_OK;
}

/* Receives the reply of the read in flight; when it carried entries and read_ahead is
 * set, sends the next read before parsing, so Redis works while we parse. */
static int receive_read(stream_reader *reader, redisContext *ctx, analytics_entry *scratch,
                        bool read_ahead, bool *in_flight)
{
    redisReply *reply = NULL;
    *in_flight = false;
    if (redisGetReply(ctx, (void **)&reply) != REDIS_OK || !reply ||
        reply->type == REDIS_REPLY_ERROR) {
        tw_log_warn("XREADGROUP failed", TW_STR("error", reply ? reply->str : ctx->errstr));
        reply_arena_reset(&reader->arena);
        return TW_ERR;
    }
    bool has_entries = reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
                       reply->element[0]->type == REDIS_REPLY_ARRAY &&
                       reply->element[0]->elements == 2;
    if (has_entries && read_ahead) {
        if (send_read(reader, ctx) != TW_OK) {
            reply_arena_reset(&reader->arena);
            return TW_ERR;
        }
        *in_flight = true;
    }
    stream_id last;
    if (has_entries)
        consume_items(reader, reply->element[0]->element[1], false, scratch, &last);
    reply_arena_reset(&reader->arena);
    return TW_OK;
}

/* One pass of the steady loop: claims and stats when due (only between reads), then
 * one read, pipelined with the next while entries keep coming. */
static int read_once(stream_reader *reader, redisContext *ctx, analytics_entry *scratch,
                     int64_t *next_claim_us, int64_t *next_stats_us, bool *in_flight)
{
    int64_t now = tw_mono_us();
    if (!*in_flight) {
        if (now >= *next_claim_us) {
            *next_claim_us = now + reader->claim_every_ms * TW_US_PER_MS;
            if (claim_idle(reader, ctx, scratch) != TW_OK)
                return TW_ERR;
        }
        if (now >= *next_stats_us) {
            *next_stats_us = now + STATS_EVERY_US;
            poll_stats(reader, ctx);
            if (tw_redis_master_moved(&reader->url, ctx, &reader->next_master_check_us)) {
                tw_log_warn("the sentinels name another master; reconnecting");
                return TW_ERR;
            }
        }
        if (send_read(reader, ctx) != TW_OK)
            return TW_ERR;
    }
    bool read_ahead = now < *next_claim_us && now < *next_stats_us;
    return receive_read(reader, ctx, scratch, read_ahead, in_flight);
}

static void *reader_main(void *arg)
{
    stream_reader *reader = arg;
    analytics_entry *scratch = tw_xcalloc((size_t)reader->read_count, sizeof *scratch);
    tw_backoff backoff;
    tw_backoff_init(&backoff, BACKOFF_INITIAL_US, BACKOFF_MAX_US);
    redisContext *ctx = NULL;
    bool joined_before = false;
    int64_t next_claim_us = 0, next_stats_us = 0;
    bool in_flight = false;
    reader->reading_epoch = atomic_load(&reader->epoch);
    while (!tw_signal_stop_requested()) {
        uint32_t epoch = atomic_load(&reader->epoch);
        if (epoch != reader->reading_epoch) {
            /* the state was reloaded: what this connection has in flight belongs to the
             * old epoch, and this consumer's pending entries must be replayed again */
            reader->reading_epoch = epoch;
            if (ctx)
                redisFree(ctx);
            ctx = NULL;
            tw_log_info("reader starts over after the state was reloaded", TW_INT("epoch", epoch));
        }
        if (!ctx) {
            if (!tw_backoff_ready(&backoff, tw_mono_us())) {
                tw_sleep_us(BACKOFF_INITIAL_US / 2);
                continue;
            }
            ctx = connect_and_join(reader, &backoff, !joined_before);
            joined_before |= ctx != NULL;
            in_flight = false;
            /* every new connection starts with a replay: the one before it (or the process
             * before this one) may have left entries delivered here but never applied */
            if (ctx && replay_own_pending(reader, ctx, scratch) == TW_OK) {
                atomic_store(&reader->replayed_epoch, reader->reading_epoch);
            } else if (ctx) {
                redisFree(ctx);
                ctx = NULL;
            }
            atomic_store(&reader->connected, ctx != NULL);
            continue;
        }
        if (read_once(reader, ctx, scratch, &next_claim_us, &next_stats_us, &in_flight) != TW_OK) {
            redisFree(ctx);
            ctx = NULL; /* a read whose reply was lost left entries pending here */
            atomic_store(&reader->connected, false);
            tw_backoff_failed(&backoff, tw_mono_us());
        }
    }
    if (ctx)
        redisFree(ctx);
    reply_arena_free(&reader->arena);
    free(scratch);
    atomic_store(&reader->connected, false);
    atomic_store_explicit(&reader->done, true, memory_order_release);
    return NULL;
}

int stream_reader_start(stream_reader *reader)
{
    return pthread_create(&reader->thread, NULL, reader_main, reader) == 0 ? TW_OK : TW_ERR;
}

void stream_reader_join(stream_reader *reader)
{
    pthread_join(reader->thread, NULL);
}

uint32_t stream_reader_restart(stream_reader *reader)
{
    return atomic_fetch_add(&reader->epoch, 1) + 1;
}

bool stream_reader_replayed(stream_reader *reader)
{
    return atomic_load(&reader->replayed_epoch) == atomic_load(&reader->epoch);
}

uint64_t stream_reader_drain_wanted(stream_reader *reader)
{
    uint64_t wanted = atomic_load(&reader->drain_requested);
    return wanted > atomic_load(&reader->drained) ? wanted : 0;
}

void stream_reader_drained(stream_reader *reader, uint64_t ticket)
{
    atomic_store(&reader->drained, ticket);
}
