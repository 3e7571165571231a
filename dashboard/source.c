/* The refresher and its windows; see source.h. Each window slot's mirrors and merged
 * rows belong to the refresher thread alone; only the slot's published snapshot, the time
 * it was last wanted and a trace handed over by a request are shared, under the slot's
 * lock. A refresh made after a traced request found the snapshot old gives each replica
 * request a CLIENT span under that request's span, passed on in a traceparent header, so
 * analytics' server spans join the request's trace. */
#include "source.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merged.h"
#include "mirror.h"
#include "tw_alloc.h"
#include "tw_http_client.h"
#include "tw_log.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_trace.h"

#define WINDOW_SLOTS 4
#define FETCH_ERROR_BYTES 160
#define EXCHANGE_PATH_BYTES 160
#define QUERY_BYTES 96
#define HTTP_STATUS_OK 200
#define HTTP_STATUS_UNAVAILABLE 503
/* A replica's /readyz answer is one small JSON object. */
#define READYZ_MAX_BYTES 4096
#define TRACEPARENT_HEADER_BYTES (sizeof "traceparent: " + TW_TRACEPARENT_TEXT_LEN)
/* A window nobody asked for in this long is forgotten. */
#define IDLE_FORGET_US (120 * TW_US_PER_S)
/* The refresher looks at its windows at least this often. */
#define TICK_US (20 * TW_US_PER_MS)

static const int64_t slot_windows_s[WINDOW_SLOTS] = {0, 60, 300, 900};

/* One replica address as the refresher knows it, for one window. */
typedef struct {
    char name[DASH_ADDRESS_NAME_BYTES];       /* "ip:port" */
    dash_mirror mirror;                       /* its rows */
    int64_t answered_us;                      /* monotonic time of its last good answer, 0 never */
    bool not_ready;                           /* its /readyz said not ready at its last answer */
    char not_ready_reason[DASH_REASON_BYTES]; /* the reason it gave */
} replica_state;

typedef struct {
    int64_t window_s;         /* the window */
    pthread_mutex_t lock;     /* guards current, wanted_us, parent, traced */
    pthread_cond_t published; /* signalled with every new snapshot */
    dash_snapshot *current;   /* newest snapshot, or NULL */
    int64_t wanted_us;        /* monotonic time of the last request, 0 never */
    tw_trace_context parent;  /* a traced request's span that wants a refresh */
    bool traced;              /* parent is set */
    replica_state *replicas;  /* refresher only: one per address */
    size_t replica_count;     /* entries in replicas */
    dash_merged merged;       /* refresher only: rows merged over replicas */
} window_slot;

struct dash_source {
    dash_source_config config;       /* settings */
    window_slot slots[WINDOW_SLOTS]; /* one per window */
    pthread_t refresher;             /* the refresher thread */
    atomic_bool stopping;            /* set by dash_source_free */
    pthread_mutex_t wake_lock;       /* with wake: lets a request wake the refresher */
    pthread_cond_t wake;             /* signalled when a window has no snapshot yet */
    tw_counter *fetch_ok;            /* replica requests answered */
    tw_counter *fetch_failed;        /* replica requests failed */
    tw_counter *cache_hits;          /* requests served a published snapshot */
    tw_counter *cache_misses;        /* requests that waited for a window's first */
    tw_counter *documents_full;      /* full documents applied */
    tw_counter *documents_delta;     /* delta documents applied */
    tw_counter *exchange_bytes;      /* document bytes applied */
    tw_counter *rows_merged;         /* rows merged again */
    tw_histogram *refresh_seconds;   /* time one refresh takes, asking to publishing */
    tw_gauge *replicas_expected;     /* addresses asked in the last refresh */
    tw_gauge *replicas_answered;     /* addresses that answered in the last refresh */
    tw_gauge *replicas_not_ready;    /* counted addresses whose /readyz said 503 */
    atomic_int last_answered;        /* answered count last logged, -1 before the first */
    atomic_int last_not_ready;       /* not-ready count last logged */
};

/* One replica request of a refresh, run on its own thread. */
typedef struct {
    const dash_source *source;      /* settings */
    const dash_target *target;      /* where */
    char path[EXCHANGE_PATH_BYTES]; /* what */
    int timeout_ms;                 /* its deadline */
    tw_buf body;                    /* the reply's body, on success */
    bool ok;                        /* a 200 with a body arrived */
    char error[FETCH_ERROR_BYTES];  /* why it failed */
    pthread_t thread;               /* the thread */
    bool started;                   /* the thread was created */
    tw_trace_context parent;        /* the wanting request's span, when traced */
    bool traced;                    /* parent is set */
    bool not_ready;                 /* its /readyz answered 503 (its broker unreachable...) */
    char not_ready_reason[DASH_REASON_BYTES]; /* the reason that answer gave */
} fetch_job;

static void *run_refresher(void *arg);

static void register_metrics(dash_source *source, tw_metrics *m)
{
    const char *fetch_help = "Requests to analytics replicas, by result.";
    source->fetch_ok =
        tw_metrics_counter(m, "dashboard_upstream_requests_total", fetch_help, "result=\"ok\"");
    source->fetch_failed =
        tw_metrics_counter(m, "dashboard_upstream_requests_total", fetch_help, "result=\"error\"");
    const char *cache_help = "Requests for merged data, by whether a snapshot was ready.";
    source->cache_hits =
        tw_metrics_counter(m, "dashboard_cache_lookups_total", cache_help, "result=\"hit\"");
    source->cache_misses =
        tw_metrics_counter(m, "dashboard_cache_lookups_total", cache_help, "result=\"miss\"");
    const char *doc_help = "Replica exchange documents applied, by kind.";
    source->documents_full =
        tw_metrics_counter(m, "dashboard_exchange_documents_total", doc_help, "kind=\"full\"");
    source->documents_delta =
        tw_metrics_counter(m, "dashboard_exchange_documents_total", doc_help, "kind=\"delta\"");
    source->exchange_bytes = tw_metrics_counter(
        m, "dashboard_exchange_bytes_total", "Bytes of replica exchange documents applied.", NULL);
    source->rows_merged =
        tw_metrics_counter(m, "dashboard_rows_merged_total",
                           "Antenna rows merged again after a replica changed.", NULL);
    static const double refresh_bounds_s[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                              0.5,   1,    2.5,   5,    10};
    source->refresh_seconds = tw_metrics_histogram(
        m, "dashboard_refresh_duration_seconds",
        "Time one refresh of a window takes: asking the replicas, merging, publishing.", NULL,
        refresh_bounds_s, sizeof refresh_bounds_s / sizeof refresh_bounds_s[0]);
    source->replicas_expected = tw_metrics_gauge(
        m, "dashboard_replicas_expected", "Analytics addresses asked in the last refresh.", NULL);
    source->replicas_answered =
        tw_metrics_gauge(m, "dashboard_replicas_answered",
                         "Analytics addresses that answered in the last refresh.", NULL);
    source->replicas_not_ready = tw_metrics_gauge(
        m, "dashboard_replicas_not_ready",
        "Analytics addresses counted in the last refresh whose /readyz said not ready.", NULL);
}

dash_source *dash_source_new(const dash_source_config *config)
{
    dash_source *source = tw_xcalloc(1, sizeof *source);
    source->config = *config;
    for (int i = 0; i < WINDOW_SLOTS; i++) {
        window_slot *slot = &source->slots[i];
        slot->window_s = slot_windows_s[i];
        pthread_mutex_init(&slot->lock, NULL);
        pthread_cond_init(&slot->published, NULL);
        dash_merged_init(&slot->merged);
    }
    pthread_mutex_init(&source->wake_lock, NULL);
    pthread_cond_init(&source->wake, NULL);
    atomic_init(&source->stopping, false);
    atomic_init(&source->last_answered, -1);
    atomic_init(&source->last_not_ready, 0);
    register_metrics(source, config->metrics);
    if (pthread_create(&source->refresher, NULL, run_refresher, source) != 0)
        abort(); /* the dashboard cannot work without it */
    return source;
}

static void forget_replicas(window_slot *slot)
{
    for (size_t i = 0; i < slot->replica_count; i++)
        dash_mirror_free(&slot->replicas[i].mirror);
    free(slot->replicas);
    slot->replicas = NULL;
    slot->replica_count = 0;
}

void dash_source_free(dash_source *source)
{
    if (!source)
        return;
    pthread_mutex_lock(&source->wake_lock);
    atomic_store(&source->stopping, true);
    pthread_cond_broadcast(&source->wake);
    pthread_mutex_unlock(&source->wake_lock);
    pthread_join(source->refresher, NULL);
    for (int i = 0; i < WINDOW_SLOTS; i++) {
        window_slot *slot = &source->slots[i];
        dash_snapshot_release(slot->current);
        forget_replicas(slot);
        dash_merged_free(&slot->merged);
        pthread_mutex_destroy(&slot->lock);
        pthread_cond_destroy(&slot->published);
    }
    pthread_mutex_destroy(&source->wake_lock);
    pthread_cond_destroy(&source->wake);
    free(source);
}

/* ---- one replica request ---- */

/* Starts the CLIENT span of a traced job and writes its traceparent; false when untraced. */
static bool begin_fetch_span(const fetch_job *job, tw_span *span,
                             char traceparent[TW_TRACEPARENT_TEXT_LEN + 1])
{
    if (!job->traced || !tw_trace_begin(span, "GET /api/v1/exchange", TW_SPAN_CLIENT, &job->parent))
        return false;
    tw_span_attr_str(span, "http.method", "GET");
    tw_span_attr_str(span, "http.target", job->path);
    tw_span_attr_str(span, "net.peer.name", job->target->name);
    tw_traceparent_format(&span->ctx, traceparent);
    return true;
}

/* Asks the replica's /readyz, after it answered the exchange: a replica that serves its
 * state while its broker is away says so only there. Only a 503 counts as not ready (a
 * failed request says nothing about the broker). */
static void check_readiness(fetch_job *job)
{
    const dash_source_config *c = &job->source->config;
    tw_buf body;
    tw_buf_init(&body);
    int status = 0;
    char err[FETCH_ERROR_BYTES];
    if (tw_http_get((const struct sockaddr *)&job->target->addr, job->target->addr_len,
                    job->target->name, "/readyz", NULL, c->timeout_ms, READYZ_MAX_BYTES, &status,
                    &body, err, sizeof err) == TW_OK &&
        status == HTTP_STATUS_UNAVAILABLE) {
        job->not_ready = true;
        cJSON *doc = body.data ? cJSON_ParseWithLength(body.data, body.len) : NULL;
        const cJSON *reason = cJSON_GetObjectItemCaseSensitive(doc, "reason");
        snprintf(job->not_ready_reason, sizeof job->not_ready_reason, "%s",
                 cJSON_IsString(reason) ? reason->valuestring : "not ready");
        cJSON_Delete(doc);
    }
    tw_buf_free(&body);
}

static void *run_fetch(void *arg)
{
    fetch_job *job = arg;
    const dash_source_config *c = &job->source->config;
    tw_span span;
    char traceparent[TW_TRACEPARENT_TEXT_LEN + 1];
    char header[TRACEPARENT_HEADER_BYTES] = "";
    bool traced = begin_fetch_span(job, &span, traceparent);
    if (traced)
        snprintf(header, sizeof header, "traceparent: %s", traceparent);
    int status = 0;
    if (tw_http_get((const struct sockaddr *)&job->target->addr, job->target->addr_len,
                    job->target->name, job->path, traced ? header : NULL, job->timeout_ms,
                    c->max_reply_bytes, &status, &job->body, job->error,
                    sizeof job->error) == TW_OK) {
        job->ok = status == HTTP_STATUS_OK;
        if (!job->ok)
            snprintf(job->error, sizeof job->error, "HTTP status %d", status);
    }
    if (job->ok)
        check_readiness(job);
    if (traced) {
        if (!job->ok)
            tw_span_set_error(&span, job->error);
        tw_trace_end(&span);
    }
    return NULL;
}

/* ---- one refresh ---- */

static replica_state *find_replica(window_slot *slot, const char *name)
{
    for (size_t i = 0; i < slot->replica_count; i++) {
        if (!strcmp(slot->replicas[i].name, name))
            return &slot->replicas[i];
    }
    return NULL;
}

/* Makes the slot's replicas follow the addresses: new ones start unsynced, gone ones are
 * forgotten (their rows listed as changed). replicas[i] is targets[i] afterwards. */
static void follow_targets(window_slot *slot, const dash_target *targets, size_t count,
                           dash_id_list *changed)
{
    replica_state *next = tw_xcalloc(count + 1, sizeof *next);
    for (size_t i = 0; i < count; i++) {
        replica_state *known = find_replica(slot, targets[i].name);
        if (known) {
            next[i] = *known;
            known->name[0] = '\0'; /* moved */
        } else {
            snprintf(next[i].name, sizeof next[i].name, "%s", targets[i].name);
            dash_mirror_init(&next[i].mirror);
        }
    }
    for (size_t i = 0; i < slot->replica_count; i++) {
        if (slot->replicas[i].name[0]) {
            dash_mirror_reset(&slot->replicas[i].mirror, changed);
            dash_mirror_free(&slot->replicas[i].mirror);
        }
    }
    free(slot->replicas);
    slot->replicas = next;
    slot->replica_count = count;
}

static void start_job(dash_source *source, window_slot *slot, fetch_job *job,
                      const dash_target *target, const replica_state *replica,
                      const tw_trace_context *parent)
{
    char query[QUERY_BYTES];
    dash_mirror_query(&replica->mirror, query, sizeof query);
    *job = (fetch_job){.source = source, .target = target};
    snprintf(job->path, sizeof job->path, "/api/v1/exchange?window=%lld%s%s",
             (long long)slot->window_s, *query ? "&" : "", query);
    job->timeout_ms =
        replica->mirror.synced ? source->config.timeout_ms : source->config.resync_timeout_ms;
    tw_buf_init(&job->body);
    if (parent) {
        job->parent = *parent;
        job->traced = true;
    }
    if (target->addr_len > 0)
        job->started = !pthread_create(&job->thread, NULL, run_fetch, job);
    else
        snprintf(job->error, sizeof job->error, "address did not resolve");
}

/* Applies a finished job to its replica; true when the replica answered validly. */
static bool apply_job(dash_source *source, window_slot *slot, replica_state *replica,
                      fetch_job *job, dash_id_list *changed)
{
    bool full = false;
    if (job->ok && dash_mirror_apply(&replica->mirror, slot->window_s, job->body.data,
                                     job->body.len, changed, &full) != TW_OK) {
        job->ok = false;
        snprintf(job->error, sizeof job->error, "reply is not a complete exchange document");
        dash_mirror_reset(&replica->mirror, changed); /* start over with a full one */
    }
    if (!job->ok) {
        tw_counter_add(source->fetch_failed, 1);
        tw_log_debug("analytics replica did not answer", TW_STR("replica", replica->name),
                     TW_STR("error", job->error));
        return false;
    }
    tw_counter_add(source->fetch_ok, 1);
    tw_counter_add(full ? source->documents_full : source->documents_delta, 1);
    tw_counter_add(source->exchange_bytes, job->body.len);
    replica->answered_us = tw_mono_us();
    replica->not_ready = job->not_ready;
    memcpy(replica->not_ready_reason, job->not_ready_reason, sizeof replica->not_ready_reason);
    return true;
}

/* Counts a replica in the totals: answered now, or stale within keep_stale_ms (else its
 * rows go and it is down). Returns its mirror when its rows count, else NULL. */
static const dash_mirror *count_replica(const dash_source *source, replica_state *replica,
                                        bool answered, dash_totals *totals, dash_id_list *changed)
{
    int64_t age_us = tw_mono_us() - replica->answered_us;
    if (answered) {
        totals->answered++;
    } else if (replica->mirror.synced &&
               age_us <= (int64_t)source->config.keep_stale_ms * TW_US_PER_MS) {
        dash_totals_add_stale(totals, replica->name, age_us / TW_US_PER_S);
    } else {
        if (replica->mirror.synced)
            dash_mirror_reset(&replica->mirror, changed);
        dash_totals_add_down(totals, replica->name);
        return NULL;
    }
    dash_totals_add(totals, &replica->mirror.header);
    if (replica->not_ready)
        dash_totals_add_not_ready(totals, replica->name, replica->not_ready_reason);
    return &replica->mirror;
}

/* Logs once whenever the number of not-ready replicas changes, naming one and its reason. */
static void log_readiness_change(dash_source *source, const dash_totals *totals)
{
    int not_ready = totals->not_ready_count;
    if (atomic_exchange(&source->last_not_ready, not_ready) == not_ready)
        return;
    tw_log_write(not_ready ? TW_LOG_WARN : TW_LOG_INFO, "analytics replicas not ready",
                 TW_INT("not_ready", not_ready),
                 TW_STR("first", not_ready ? totals->not_ready[0].address : ""),
                 TW_STR("reason", not_ready ? totals->not_ready[0].reason : ""), TW_LF_END);
}

/* Logs once whenever the number of answering replicas changes, naming one down. */
static void log_change(dash_source *source, const dash_totals *totals)
{
    int answered = totals->answered;
    if (atomic_exchange(&source->last_answered, answered) == answered)
        return;
    bool missing = totals->down_count || totals->stale_count;
    const char *first = totals->down_count    ? totals->down[0]
                        : totals->stale_count ? totals->stale[0].address
                                              : "";
    tw_log_write(missing ? TW_LOG_WARN : TW_LOG_INFO, "analytics replicas answering",
                 TW_INT("answered", answered), TW_INT("expected", totals->expected),
                 TW_INT("stale", totals->stale_count), TW_STR("first_down", first), TW_LF_END);
}

/* Takes the trace a request handed over, if any. */
static bool take_parent(window_slot *slot, tw_trace_context *parent)
{
    pthread_mutex_lock(&slot->lock);
    bool traced = slot->traced;
    *parent = slot->parent;
    slot->traced = false;
    pthread_mutex_unlock(&slot->lock);
    return traced;
}

static void publish(window_slot *slot, dash_snapshot *snapshot)
{
    pthread_mutex_lock(&slot->lock);
    dash_snapshot *old = slot->current;
    slot->current = snapshot;
    pthread_cond_broadcast(&slot->published);
    pthread_mutex_unlock(&slot->lock);
    dash_snapshot_release(old);
}

/* Merges again the rows that changed, over the mirrors that count. */
static void merge_changed(dash_source *source, window_slot *slot, const dash_id_list *changed,
                          const dash_mirror *const *mirrors, size_t n)
{
    for (size_t i = 0; i < changed->count; i++)
        dash_merged_update(&slot->merged, changed->ids[i], mirrors, n);
    tw_counter_add(source->rows_merged, changed->count);
}

/* Asks every replica concurrently, applies the answers and publishes a new snapshot. */
static void refresh(dash_source *source, window_slot *slot)
{
    int64_t started_us = tw_mono_us();
    dash_target *targets = NULL;
    size_t count = dash_upstreams_targets(source->config.upstreams, &targets);
    dash_id_list changed;
    dash_id_list_init(&changed);
    follow_targets(slot, targets, count, &changed);
    tw_trace_context parent;
    bool traced = take_parent(slot, &parent);
    fetch_job *jobs = tw_xcalloc(count + 1, sizeof *jobs);
    for (size_t i = 0; i < count; i++)
        start_job(source, slot, &jobs[i], &targets[i], &slot->replicas[i], traced ? &parent : NULL);
    dash_totals totals;
    dash_totals_init(&totals, slot->window_s);
    totals.expected = (int)count;
    const dash_mirror **counted = tw_xcalloc(count + 1, sizeof *counted);
    size_t counted_n = 0;
    for (size_t i = 0; i < count; i++) {
        if (jobs[i].started)
            pthread_join(jobs[i].thread, NULL);
        bool answered = apply_job(source, slot, &slot->replicas[i], &jobs[i], &changed);
        const dash_mirror *mirror =
            count_replica(source, &slot->replicas[i], answered, &totals, &changed);
        if (mirror)
            counted[counted_n++] = mirror;
        tw_buf_free(&jobs[i].body);
    }
    merge_changed(source, slot, &changed, counted, counted_n);
    log_change(source, &totals);
    log_readiness_change(source, &totals);
    tw_gauge_set(source->replicas_expected, (double)count);
    tw_gauge_set(source->replicas_answered, totals.answered);
    tw_gauge_set(source->replicas_not_ready, totals.not_ready_count);
    publish(slot, dash_snapshot_build(&slot->merged, &totals));
    tw_histogram_observe(source->refresh_seconds, (double)(tw_mono_us() - started_us) / 1e6);
    free(counted);
    free(jobs);
    free(targets);
    dash_id_list_free(&changed);
}

/* Drops a window nobody asks for: its snapshot, mirrors and rows. */
static void forget(window_slot *slot)
{
    pthread_mutex_lock(&slot->lock);
    dash_snapshot *old = slot->current;
    slot->current = NULL;
    slot->wanted_us = 0;
    pthread_mutex_unlock(&slot->lock);
    dash_snapshot_release(old);
    forget_replicas(slot);
    dash_merged_free(&slot->merged);
    dash_merged_init(&slot->merged);
    tw_log_debug("forgot an idle window", TW_INT("window_s", slot->window_s));
}

/* What the slot needs now: 0 nothing, 1 a refresh, -1 to be forgotten. */
static int slot_need(const dash_source *source, window_slot *slot, int64_t now_us)
{
    pthread_mutex_lock(&slot->lock);
    int64_t wanted = slot->wanted_us;
    const dash_snapshot *cur = slot->current;
    int64_t age_us = cur ? now_us - cur->built_us : INT64_MAX;
    pthread_mutex_unlock(&slot->lock);
    if (!wanted)
        return 0;
    if (now_us - wanted > IDLE_FORGET_US)
        return -1;
    return age_us >= (int64_t)source->config.cache_ms * TW_US_PER_MS ? 1 : 0;
}

static void wait_tick(dash_source *source)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    int64_t ns = until.tv_nsec + TICK_US * 1000;
    until.tv_sec += ns / 1000000000;
    until.tv_nsec = ns % 1000000000;
    pthread_mutex_lock(&source->wake_lock);
    if (!atomic_load(&source->stopping))
        pthread_cond_timedwait(&source->wake, &source->wake_lock, &until);
    pthread_mutex_unlock(&source->wake_lock);
}

static void *run_refresher(void *arg)
{
    dash_source *source = arg;
    while (!atomic_load(&source->stopping)) {
        for (int i = 0; i < WINDOW_SLOTS && !atomic_load(&source->stopping); i++) {
            int need = slot_need(source, &source->slots[i], tw_mono_us());
            if (need > 0)
                refresh(source, &source->slots[i]);
            else if (need < 0)
                forget(&source->slots[i]);
        }
        wait_tick(source);
    }
    return NULL;
}

/* ---- requests ---- */

static window_slot *slot_for(dash_source *source, int64_t window_s)
{
    for (int i = 0; i < WINDOW_SLOTS; i++) {
        if (slot_windows_s[i] == window_s)
            return &source->slots[i];
    }
    abort(); /* callers validate the window first */
}

static void wake_refresher(dash_source *source)
{
    pthread_mutex_lock(&source->wake_lock);
    pthread_cond_broadcast(&source->wake);
    pthread_mutex_unlock(&source->wake_lock);
}

dash_snapshot *dash_source_get(dash_source *source, int64_t window_s)
{
    window_slot *slot = slot_for(source, window_s);
    int64_t now_us = tw_mono_us();
    const tw_span *request_span = tw_trace_current();
    pthread_mutex_lock(&slot->lock);
    slot->wanted_us = now_us;
    dash_snapshot *cur = slot->current;
    if (request_span &&
        (!cur || now_us - cur->built_us >= (int64_t)source->config.cache_ms * TW_US_PER_MS)) {
        slot->parent = request_span->ctx;
        slot->traced = true;
    }
    if (cur) {
        dash_snapshot *held = dash_snapshot_take(cur);
        pthread_mutex_unlock(&slot->lock);
        tw_counter_add(source->cache_hits, 1);
        return held;
    }
    pthread_mutex_unlock(&slot->lock);
    tw_counter_add(source->cache_misses, 1);
    wake_refresher(source);
    pthread_mutex_lock(&slot->lock);
    while (!slot->current)
        pthread_cond_wait(&slot->published, &slot->lock);
    dash_snapshot *held = dash_snapshot_take(slot->current);
    pthread_mutex_unlock(&slot->lock);
    return held;
}
