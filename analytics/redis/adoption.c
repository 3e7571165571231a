/* Adoption; see adoption.h. */
#include "adoption.h"

#include <stdlib.h>
#include <string.h>

#include "stream_entry.h"
#include "state_merge.h"
#include "tw_alloc.h"
#include "tw_log.h"
#include "tw_redis.h"
#include "tw_resp.h"
#include "tw_status.h"
#include "tw_time.h"

#define CHECKS_PER_THRESHOLD 4 /* looks for gone consumers per threshold */
#define CHECK_MIN_US 250000    /* ... but not more often than this */
#define CHECK_MAX_US 15000000  /* ... nor less often than this */
#define PENDING_PAGE 10000     /* XPENDING entries per page */
#define CLAIM_CHUNK 1000       /* ids per XCLAIM */
#define LEFTOVER_MAX 100000    /* pending entries listed just before DELCONSUMER */
#define KEY_BYTES 320
#define ID_BYTES 48
#define NAME_BYTES (TW_ANTENNA_ID_MAX_LEN + 1) /* consumer names follow the antenna id rule */
#define CANDIDATES_MAX 16                      /* silent consumers looked at per run */

void adoption_init(adoption *adopt, aggregator *agg, owed_work *owed, const checkpoint_names *names,
                   int64_t adopt_after_ms, tw_metrics *metrics)
{
    adopt->agg = agg;
    adopt->owed = owed;
    adopt->names = names;
    adopt->adopt_after_ms = adopt_after_ms;
    int64_t every_us = adopt_after_ms * TW_US_PER_MS / CHECKS_PER_THRESHOLD;
    adopt->check_every_us = every_us < CHECK_MIN_US   ? CHECK_MIN_US
                            : every_us > CHECK_MAX_US ? CHECK_MAX_US
                                                      : every_us;
    adopt->adoptions = tw_metrics_counter(metrics, "analytics_adoptions_total",
                                          "Gone replicas whose state and pending entries were "
                                          "adopted here.",
                                          NULL);
    adopt->entries = tw_metrics_counter(metrics, "analytics_adopted_entries_total",
                                        "Pending entries of adopted replicas applied here.", NULL);
    adopt->abandoned = tw_metrics_counter(
        metrics, "analytics_adoptions_abandoned_total",
        "Adoptions given up because another replica adopted first or the owner came back.", NULL);
}

/* One consumer being adopted: its keys, its pending ids, its state merged with ours. */
typedef struct {
    const char *name;      /* its consumer name */
    char key[KEY_BYTES];   /* its checkpoint hash */
    char lease[KEY_BYTES]; /* its lease key */
    stream_id *ids;        /* its pending entries, oldest first */
    size_t id_count, id_cap;
    aggregator state; /* its checkpoint, then combined with ours */
    uint64_t records; /* records in its checkpoint */
    bool found;       /* it had a checkpoint */
} adoptee;

static void add_id(adoptee *gone, stream_id id)
{
    if (gone->id_count == gone->id_cap) {
        gone->id_cap = gone->id_cap ? gone->id_cap * 2 : CLAIM_CHUNK;
        gone->ids = tw_xrealloc(gone->ids, gone->id_cap * sizeof *gone->ids);
    }
    gone->ids[gone->id_count++] = id;
}

static bool field_is(const redisReply *reply, const char *name)
{
    return reply->type == REDIS_REPLY_STRING && !strcmp(reply->str, name);
}

/* Consumers, other than us, that the group has not heard from for the threshold: up to
 * max names copied into names. Returns how many, or TW_ERR. */
static int find_silent(const adoption *adopt, redisContext *ctx, char (*silent)[NAME_BYTES],
                       int max)
{
    const checkpoint_names *names = adopt->names;
    redisReply *reply = redisCommand(ctx, "XINFO CONSUMERS %s %s", names->stream_key, names->group);
    if (!reply)
        return TW_ERR;
    int found = 0; /* also on NOGROUP: the reader has not created the group yet */
    for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements && found < max;
         i++) {
        const redisReply *consumer = reply->element[i];
        const char *name = NULL;
        long long idle = -1;
        for (size_t j = 0; j + 1 < consumer->elements; j += 2) {
            const redisReply *value = consumer->element[j + 1];
            if (field_is(consumer->element[j], "name") && value->type == REDIS_REPLY_STRING)
                name = value->str;
            else if (field_is(consumer->element[j], "idle") && value->type == REDIS_REPLY_INTEGER)
                idle = value->integer;
        }
        if (name && strcmp(name, names->consumer) != 0 && idle >= adopt->adopt_after_ms &&
            strlen(name) < NAME_BYTES)
            snprintf(silent[found++], NAME_BYTES, "%s", name);
    }
    freeReplyObject(reply);
    return found;
}

static long long integer_reply(redisContext *ctx, const char *command, const char *key)
{
    redisReply *reply = redisCommand(ctx, "%s %s", command, key);
    long long value = reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
    freeReplyObject(reply);
    return value;
}

/* Lists the gone consumer's pending ids (under the WATCH, before MULTI). */
static int list_pending(const adoption *adopt, redisContext *ctx, adoptee *gone)
{
    const checkpoint_names *names = adopt->names;
    char from[ID_BYTES + 1] = "-";
    for (;;) {
        redisReply *reply = redisCommand(ctx, "XPENDING %s %s %s + %d %s", names->stream_key,
                                         names->group, from, PENDING_PAGE, gone->name);
        if (!reply || reply->type != REDIS_REPLY_ARRAY) {
            tw_log_warn("XPENDING failed", TW_STR("error", reply ? reply->str : ctx->errstr));
            freeReplyObject(reply);
            return TW_ERR;
        }
        size_t n = reply->elements;
        for (size_t i = 0; i < n; i++) {
            const redisReply *row = reply->element[i];
            stream_id id;
            if (row->type == REDIS_REPLY_ARRAY && row->elements >= 1 &&
                row->element[0]->type == REDIS_REPLY_STRING &&
                stream_id_parse(row->element[0]->str, &id) == TW_OK)
                add_id(gone, id);
        }
        freeReplyObject(reply);
        if (n < PENDING_PAGE || gone->id_count == 0)
            return TW_OK;
        char last[ID_BYTES];
        stream_id_format(gone->ids[gone->id_count - 1], last, sizeof last);
        snprintf(from, sizeof from, "(%s", last); /* exclusive: after the last one listed */
    }
}

/* Sends WATCH with the given keys; TW_OK or TW_ERR. */
static int watch(redisContext *ctx, const char *key, const char *other)
{
    const char *argv[] = {"WATCH", key, other};
    redisReply *reply = redisCommandArgv(ctx, other ? 3 : 2, argv, NULL);
    char err[256];
    bool refused = !reply || tw_redis_reply_is_error(reply, err, sizeof err);
    if (refused)
        tw_log_warn("WATCH failed", TW_STR("error", reply ? err : ctx->errstr));
    freeReplyObject(reply);
    return refused ? TW_ERR : TW_OK;
}

/* Under WATCH: is the consumer still gone (no lease), are we still ourselves (our hash
 * exists once it existed), and what did it save? TW_OK to go on, TW_AGAIN to skip it,
 * TW_ERR on a broken connection or when we are fenced. */
static int inspect(adoption *adopt, redisContext *ctx, adoptee *gone)
{
    const checkpoint_names *names = adopt->names;
    /* two WATCHes: the ACL grants lease and checkpoint keys in separate selectors */
    if (watch(ctx, gone->lease, NULL) != TW_OK || watch(ctx, gone->key, names->key) != TW_OK)
        return TW_ERR;
    char err[256];
    /* adoption runs right after a save: nothing applied here is unsaved */
    if (checkpoint_verify(ctx, names, NULL, err, sizeof err) != TW_OK) {
        tw_log_warn("adoption stopped: this replica's own checkpoint changed",
                    TW_STR("error", ctx->err ? ctx->errstr : err));
        return TW_ERR;
    }
    long long leased = integer_reply(ctx, "EXISTS", gone->lease);
    if (leased < 0)
        return TW_ERR;
    if (leased > 0)
        return TW_AGAIN; /* it is alive after all (slow, or back) */
    checkpoint_info info;
    int read = checkpoint_read(&gone->state, ctx, gone->key, &info, err, sizeof err);
    gone->found = info.found && !info.adopted; /* a marker: another replica adopted it */
    if (read != TW_OK) {
        if (ctx->err)
            return TW_ERR;
        tw_log_error("cannot adopt a corrupt checkpoint", TW_STR("consumer", gone->name),
                     TW_STR("error", err));
        return TW_AGAIN;
    }
    gone->records = gone->state.records;
    return list_pending(adopt, ctx, gone);
}

static void append_claims(const adoption *adopt, redisContext *ctx, const adoptee *gone,
                          size_t first, size_t count)
{
    const checkpoint_names *names = adopt->names;
    tw_buf claim;
    tw_buf_init(&claim);
    tw_resp_array(&claim, 5 + count);
    tw_resp_bulk_str(&claim, "XCLAIM");
    tw_resp_bulk_str(&claim, names->stream_key);
    tw_resp_bulk_str(&claim, names->group);
    tw_resp_bulk_str(&claim, names->consumer);
    /* min-idle: an entry another replica claimed meanwhile (XAUTOCLAIM) stays with it */
    tw_resp_bulk_i64(&claim, adopt->adopt_after_ms);
    for (size_t i = first; i < first + count; i++)
        tw_resp_bulk_stream_id(&claim, gone->ids[i].ms, gone->ids[i].seq);
    redisAppendFormattedCommand(ctx, claim.data, claim.len);
    tw_buf_free(&claim);
}

/* EXEC's replies: our HSET, the adopted marker's commands, then one per XCLAIM chunk. */
#define FIRST_CLAIM_REPLY (1 + CHECKPOINT_ADOPTED_MARKER_COMMANDS)

/* Queues MULTI, the adoption and EXEC; returns how many replies precede EXEC's (MULTI's
 * included). */
static size_t append_transaction(const adoption *adopt, redisContext *ctx, const adoptee *gone,
                                 const checkpoint_fields *hset)
{
    const checkpoint_names *names = adopt->names;
    redisAppendCommand(ctx, "MULTI");
    checkpoint_append_hset(ctx, names->key, hset);
    size_t queued = 1 + checkpoint_append_adopted_marker(ctx, names, gone->key);
    for (size_t first = 0; first < gone->id_count; first += CLAIM_CHUNK, queued++) {
        size_t count = gone->id_count - first < CLAIM_CHUNK ? gone->id_count - first : CLAIM_CHUNK;
        append_claims(adopt, ctx, gone, first, count);
    }
    /* whatever is still pending for it right before it leaves the group (only entries it
     * read after we listed them, if it came back), so that none is lost */
    redisAppendCommand(ctx, "XPENDING %s %s - + %d %s", names->stream_key, names->group,
                       LEFTOVER_MAX, gone->name);
    redisAppendCommand(ctx, "XGROUP DELCONSUMER %s %s %s", names->stream_key, names->group,
                       gone->name);
    checkpoint_append_lease(ctx, names);
    redisAppendCommand(ctx, "EXEC");
    return 1 + queued + 3;
}

/* Applies claimed entries (an XCLAIM reply) to our state; the caller holds the lock. */
static uint64_t apply_claimed(adoption *adopt, const redisReply *entries, int64_t now_us)
{
    uint64_t applied = 0;
    for (size_t i = 0; entries->type == REDIS_REPLY_ARRAY && i < entries->elements; i++) {
        analytics_entry entry;
        int ignored = 0;
        if (entry_from_reply(entries->element[i], &entry, &ignored) != TW_OK)
            continue;
        entry.claimed = true;
        owed_apply(adopt->owed, adopt->agg, &entry, now_us);
        applied++;
    }
    return applied;
}

/* Entries still pending for the consumer when it left the group are in no one's list any
 * more: FORCE them into ours and apply them. Returns how many. */
static uint64_t claim_leftovers(adoption *adopt, redisContext *ctx, const redisReply *pending)
{
    if (pending->type != REDIS_REPLY_ARRAY || pending->elements == 0)
        return 0;
    const checkpoint_names *names = adopt->names;
    tw_buf ids;
    tw_buf_init(&ids);
    size_t count = 0;
    for (size_t i = 0; i < pending->elements; i++) {
        const redisReply *row = pending->element[i];
        if (row->type == REDIS_REPLY_ARRAY && row->elements >= 1 &&
            row->element[0]->type == REDIS_REPLY_STRING) {
            tw_resp_bulk(&ids, row->element[0]->str, row->element[0]->len);
            count++;
        }
    }
    tw_buf claim;
    tw_buf_init(&claim);
    tw_resp_array(&claim, 6 + count);
    const char *head[] = {"XCLAIM", names->stream_key, names->group, names->consumer, "0"};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        tw_resp_bulk_str(&claim, head[i]);
    tw_buf_append(&claim, ids.data, ids.len);
    tw_resp_bulk_str(&claim, "FORCE");
    redisAppendFormattedCommand(ctx, claim.data, claim.len);
    tw_buf_free(&claim);
    tw_buf_free(&ids);
    redisReply *reply = NULL;
    if (redisGetReply(ctx, (void **)&reply) != REDIS_OK || reply->type != REDIS_REPLY_ARRAY) {
        tw_log_error("could not claim entries left by an adopted consumer",
                     TW_INT("entries", pending->elements));
        freeReplyObject(reply);
        return 0;
    }
    pthread_mutex_lock(&adopt->agg->lock);
    uint64_t applied = apply_claimed(adopt, reply, tw_wall_us());
    pthread_mutex_unlock(&adopt->agg->lock);
    freeReplyObject(reply);
    return applied;
}

/* EXEC went through: our saved state now includes the adoptee's; make memory match, then
 * apply its pending entries. Returns the entries applied. */
static uint64_t take_over(adoption *adopt, adoptee *gone, const redisReply *exec)
{
    uint64_t applied = 0;
    size_t claims = (gone->id_count + CLAIM_CHUNK - 1) / CLAIM_CHUNK;
    pthread_mutex_lock(&adopt->agg->lock);
    state_take(adopt->agg, &gone->state);
    aggregator_new_instance(adopt->agg); /* antennas changed without new versions */
    int64_t now_us = tw_wall_us();
    for (size_t i = 0; i < claims && FIRST_CLAIM_REPLY + i < exec->elements; i++)
        applied += apply_claimed(adopt, exec->element[FIRST_CLAIM_REPLY + i], now_us);
    pthread_mutex_unlock(&adopt->agg->lock);
    adopt->names->lease->generation++;
    adopt->names->lease->renewed_us = tw_mono_us();
    for (size_t i = 0; i < exec->elements; i++) {
        char err[256];
        if (tw_redis_reply_is_error(exec->element[i], err, sizeof err))
            tw_log_error("adoption step failed", TW_STR("consumer", gone->name), TW_INT("step", i),
                         TW_STR("error", err));
    }
    return applied;
}

/* Adopts one gone consumer; see adoption_run for the result. */
static int adopt_one(adoption *adopt, redisContext *ctx, adoptee *gone)
{
    int status = inspect(adopt, ctx, gone);
    if (status != TW_OK) {
        if (!ctx->err)
            freeReplyObject(redisCommand(ctx, "UNWATCH"));
        return status;
    }
    checkpoint_fields hset = {.fields = 0};
    tw_buf_init(&hset.body);
    pthread_mutex_lock(&adopt->agg->lock);
    state_merge_own(&gone->state, adopt->agg);
    pthread_mutex_unlock(&adopt->agg->lock);
    checkpoint_encode_dirty(&gone->state, &hset);
    checkpoint_add_generation(&hset, adopt->names->lease->generation + 1);
    size_t before_exec = append_transaction(adopt, ctx, gone, &hset);
    tw_buf_free(&hset.body);
    redisReply *exec = NULL;
    char err[256] = "";
    status = tw_redis_read_transaction(ctx, before_exec - 1, &exec, err, sizeof err);
    if (status == TW_ERR) {
        tw_log_error("adoption transaction refused", TW_STR("error", err));
        return TW_ERR;
    }
    if (status == TW_AGAIN) { /* a WATCHed key changed */
        tw_counter_add(adopt->abandoned, 1);
        tw_log_info("adoption abandoned: its state changed meanwhile",
                    TW_STR("consumer", gone->name));
        return TW_AGAIN;
    }
    uint64_t applied = take_over(adopt, gone, exec);
    size_t claims = (gone->id_count + CLAIM_CHUNK - 1) / CLAIM_CHUNK;
    uint64_t leftovers = 0;
    if (FIRST_CLAIM_REPLY + claims < exec->elements)
        leftovers = claim_leftovers(adopt, ctx, exec->element[FIRST_CLAIM_REPLY + claims]);
    freeReplyObject(exec);
    if (!gone->found && applied + leftovers == 0) {
        /* nothing saved, nothing pending: an empty consumer removed (or one another
         * replica had just removed), not an adoption */
        tw_log_debug("removed an empty gone consumer", TW_STR("consumer", gone->name));
        return TW_OK;
    }
    tw_counter_add(adopt->adoptions, 1);
    tw_counter_add(adopt->entries, applied + leftovers);
    tw_log_info("adopted a gone replica", TW_STR("consumer", gone->name),
                TW_INT("records", gone->records), TW_INT("pending_listed", gone->id_count),
                TW_INT("pending_applied", applied), TW_INT("leftovers_applied", leftovers));
    return TW_OK;
}

/* Adopts the consumer `name` if it is still gone; see adoption_run for the result. */
static int adopt_named(adoption *adopt, redisContext *ctx, const char *name)
{
    adoptee gone = {.name = name};
    checkpoint_key_of(adopt->names->stream_key, name, gone.key, sizeof gone.key);
    checkpoint_lease_key_of(adopt->names->stream_key, name, gone.lease, sizeof gone.lease);
    aggregator_init(&gone.state, 0);
    int status = adopt_one(adopt, ctx, &gone);
    aggregator_free(&gone.state);
    free(gone.ids);
    return status;
}

int adoption_run(adoption *adopt, redisContext *ctx)
{
    char silent[CANDIDATES_MAX][NAME_BYTES];
    int found = find_silent(adopt, ctx, silent, CANDIDATES_MAX);
    if (found < 0)
        return TW_ERR;
    for (int i = 0; i < found; i++) {
        int status = adopt_named(adopt, ctx, silent[i]);
        if (status != TW_AGAIN)
            return status;
    }
    return TW_AGAIN;
}
