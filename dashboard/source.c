/* Fan-out, merge and single-flight cache; see source.h. Each window has its own slot: the
 * first request after the cache expires asks the replicas (one thread per address) while
 * concurrent requests keep getting the previous snapshot, so nobody waits twice. A refresh
 * made for a traced request gives each replica request a CLIENT span and passes it on in a
 * traceparent header, so analytics' server spans join the request's trace. */
#include "source.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_http_client.h"
#include "tw_log.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_trace.h"

#define WINDOW_SLOTS 4
#define FETCH_ERROR_BYTES 160
#define MERGE_PATH_BYTES 64
#define HTTP_STATUS_OK 200
#define TRACEPARENT_HEADER_BYTES (sizeof "traceparent: " + TW_TRACEPARENT_TEXT_LEN)

static const int64_t slot_windows_s[WINDOW_SLOTS] = {0, 60, 300, 900};

typedef struct {
    pthread_mutex_t lock;   /* guards the fields below */
    pthread_cond_t done;    /* signalled when a refresh ends */
    dash_snapshot *current; /* newest snapshot, or NULL before the first */
    int refreshing;         /* 1 while a thread asks the replicas */
} window_slot;

struct dash_source {
    dash_source_config config;       /* settings */
    window_slot slots[WINDOW_SLOTS]; /* one per window */
    tw_counter *fetch_ok;            /* replica requests answered */
    tw_counter *fetch_failed;        /* replica requests failed */
    tw_counter *cache_hits;          /* requests served from cache */
    tw_counter *cache_misses;        /* requests that refreshed */
    tw_gauge *replicas_expected;     /* addresses asked in the last refresh */
    tw_gauge *replicas_answered;     /* addresses that answered in the last refresh */
    atomic_int last_answered;        /* answered count last logged, -1 before the first */
};

/* One replica request, run on its own thread. */
typedef struct {
    const dash_source *source;     /* settings */
    const dash_target *target;     /* where */
    const char *path;              /* what */
    cJSON *doc;                    /* parsed reply, or NULL on failure; owned by the caller */
    char error[FETCH_ERROR_BYTES]; /* why it failed */
    pthread_t thread;              /* the thread */
    int started;                   /* 1 when thread was created */
    tw_trace_context parent;       /* the requesting thread's span, when traced */
    bool traced;                   /* parent is set */
} fetch_job;

dash_source *dash_source_new(const dash_source_config *config)
{
    dash_source *source = tw_xcalloc(1, sizeof *source);
    source->config = *config;
    for (int i = 0; i < WINDOW_SLOTS; i++) {
        pthread_mutex_init(&source->slots[i].lock, NULL);
        pthread_cond_init(&source->slots[i].done, NULL);
    }
    atomic_init(&source->last_answered, -1);
    tw_metrics *m = config->metrics;
    const char *fetch_help = "Requests to analytics replicas, by result.";
    source->fetch_ok =
        tw_metrics_counter(m, "dashboard_upstream_requests_total", fetch_help, "result=\"ok\"");
    source->fetch_failed =
        tw_metrics_counter(m, "dashboard_upstream_requests_total", fetch_help, "result=\"error\"");
    const char *cache_help = "Merged-data lookups, by whether the cache answered.";
    source->cache_hits =
        tw_metrics_counter(m, "dashboard_cache_lookups_total", cache_help, "result=\"hit\"");
    source->cache_misses =
        tw_metrics_counter(m, "dashboard_cache_lookups_total", cache_help, "result=\"miss\"");
    source->replicas_expected = tw_metrics_gauge(
        m, "dashboard_replicas_expected", "Analytics addresses asked in the last refresh.", NULL);
    source->replicas_answered =
        tw_metrics_gauge(m, "dashboard_replicas_answered",
                         "Analytics addresses that answered in the last refresh.", NULL);
    return source;
}

void dash_snapshot_release(dash_snapshot *snapshot)
{
    if (!snapshot || atomic_fetch_sub(&snapshot->refs, 1) != 1)
        return;
    dash_view_free(&snapshot->view);
    free(snapshot->summary_json);
    free(snapshot);
}

void dash_source_free(dash_source *source)
{
    if (!source)
        return;
    for (int i = 0; i < WINDOW_SLOTS; i++) {
        dash_snapshot_release(source->slots[i].current);
        pthread_mutex_destroy(&source->slots[i].lock);
        pthread_cond_destroy(&source->slots[i].done);
    }
    free(source);
}

/* Starts the CLIENT span of a traced job and writes its traceparent; false when untraced. */
static bool begin_fetch_span(const fetch_job *job, tw_span *span,
                             char traceparent[TW_TRACEPARENT_TEXT_LEN + 1])
{
    if (!job->traced || !tw_trace_begin(span, "GET /api/v1/merge", TW_SPAN_CLIENT, &job->parent))
        return false;
    tw_span_attr_str(span, "http.method", "GET");
    tw_span_attr_str(span, "http.target", job->path);
    tw_span_attr_str(span, "net.peer.name", job->target->name);
    tw_traceparent_format(&span->ctx, traceparent);
    return true;
}

/* GETs the job's path from its replica; TW_OK with a 200 reply's body in body, else TW_ERR
 * with why in the job's error. */
static int fetch_merge(fetch_job *job, const char *traceparent, tw_buf *body)
{
    const dash_source_config *c = &job->source->config;
    char header[TRACEPARENT_HEADER_BYTES] = "";
    if (traceparent)
        snprintf(header, sizeof header, "traceparent: %s", traceparent);
    int status = 0;
    if (tw_http_get((const struct sockaddr *)&job->target->addr, job->target->addr_len,
                    job->target->name, job->path, traceparent ? header : NULL, c->timeout_ms,
                    c->max_reply_bytes, &status, body, job->error, sizeof job->error) != TW_OK)
        return TW_ERR;
    if (status == HTTP_STATUS_OK)
        return TW_OK;
    snprintf(job->error, sizeof job->error, "HTTP status %d", status);
    return TW_ERR;
}

static void *run_fetch(void *arg)
{
    fetch_job *job = arg;
    tw_buf body;
    tw_buf_init(&body);
    tw_span span;
    char traceparent[TW_TRACEPARENT_TEXT_LEN + 1];
    bool traced = begin_fetch_span(job, &span, traceparent);
    if (fetch_merge(job, traced ? traceparent : NULL, &body) == TW_OK) {
        job->doc = cJSON_ParseWithLength(body.data ? body.data : "", body.len);
        if (!job->doc)
            snprintf(job->error, sizeof job->error, "reply is not JSON");
    }
    if (traced) {
        if (!job->doc)
            tw_span_set_error(&span, job->error);
        tw_trace_end(&span);
    }
    tw_buf_free(&body);
    return NULL;
}

/* Folds one finished job into the view, or lists its address as down. */
static void collect(dash_source *source, dash_view *view, fetch_job *job)
{
    if (job->doc && dash_view_add_replica(view, job->doc) == TW_OK) {
        tw_counter_add(source->fetch_ok, 1);
    } else {
        if (job->doc)
            snprintf(job->error, sizeof job->error, "reply has an unexpected shape");
        else if (!job->started && !job->error[0])
            snprintf(job->error, sizeof job->error, "address did not resolve");
        tw_counter_add(source->fetch_failed, 1);
        tw_log_debug("analytics replica did not answer", TW_STR("replica", job->target->name),
                     TW_STR("error", job->error));
        dash_view_add_down(view, job->target->name);
    }
    cJSON_Delete(job->doc);
}

/* Logs once whenever the number of answering replicas changes, naming those down. */
static void log_change(dash_source *source, const dash_view *view)
{
    int answered = view->replicas_answered;
    if (atomic_exchange(&source->last_answered, answered) == answered)
        return;
    tw_log_level level = view->down_count ? TW_LOG_WARN : TW_LOG_INFO;
    tw_log_write(level, "analytics replicas answering", TW_INT("answered", answered),
                 TW_INT("expected", view->replicas_expected),
                 TW_STR("first_down", view->down_count ? view->down[0] : ""), TW_LF_END);
}

/* Asks every replica concurrently and merges their answers into a new snapshot. */
static dash_snapshot *gather(dash_source *source, int64_t window_s)
{
    dash_target *targets = NULL;
    size_t count = dash_upstreams_targets(source->config.upstreams, &targets);
    fetch_job *jobs = tw_xcalloc(count, sizeof *jobs);
    char path[MERGE_PATH_BYTES];
    snprintf(path, sizeof path, "/api/v1/merge?window=%lld", (long long)window_s);
    dash_snapshot *snapshot = tw_xcalloc(1, sizeof *snapshot);
    snapshot->fetched_us = tw_mono_us();
    const tw_span *request_span = tw_trace_current();
    for (size_t i = 0; i < count; i++) {
        jobs[i] = (fetch_job){.source = source, .target = &targets[i], .path = path};
        if (request_span) {
            jobs[i].parent = request_span->ctx;
            jobs[i].traced = true;
        }
        if (targets[i].addr_len > 0)
            jobs[i].started = !pthread_create(&jobs[i].thread, NULL, run_fetch, &jobs[i]);
    }
    dash_view_init(&snapshot->view, window_s);
    snapshot->view.replicas_expected = (int)count;
    for (size_t i = 0; i < count; i++) {
        if (jobs[i].started)
            pthread_join(jobs[i].thread, NULL);
        collect(source, &snapshot->view, &jobs[i]);
    }
    dash_view_finish(&snapshot->view);
    cJSON *summary = dash_view_summary_json(&snapshot->view);
    snapshot->summary_json = cJSON_PrintUnformatted(summary);
    snapshot->summary_len = strlen(snapshot->summary_json);
    cJSON_Delete(summary);
    log_change(source, &snapshot->view);
    tw_gauge_set(source->replicas_expected, (double)count);
    tw_gauge_set(source->replicas_answered, snapshot->view.replicas_answered);
    free(jobs);
    free(targets);
    atomic_init(&snapshot->refs, 1);
    return snapshot;
}

static window_slot *slot_for(dash_source *source, int64_t window_s)
{
    for (int i = 0; i < WINDOW_SLOTS; i++) {
        if (slot_windows_s[i] == window_s)
            return &source->slots[i];
    }
    abort(); /* callers validate the window first */
}

static dash_snapshot *take(dash_snapshot *snapshot)
{
    atomic_fetch_add(&snapshot->refs, 1);
    return snapshot;
}

dash_snapshot *dash_source_get(dash_source *source, int64_t window_s)
{
    window_slot *slot = slot_for(source, window_s);
    int64_t max_age_us = (int64_t)source->config.cache_ms * TW_US_PER_MS;
    pthread_mutex_lock(&slot->lock);
    for (;;) {
        dash_snapshot *cur = slot->current;
        if (cur && (slot->refreshing || tw_mono_us() - cur->fetched_us < max_age_us)) {
            dash_snapshot *held = take(cur);
            pthread_mutex_unlock(&slot->lock);
            tw_counter_add(source->cache_hits, 1);
            return held;
        }
        if (!slot->refreshing)
            break;
        pthread_cond_wait(&slot->done, &slot->lock);
    }
    slot->refreshing = 1;
    pthread_mutex_unlock(&slot->lock);
    tw_counter_add(source->cache_misses, 1);
    dash_snapshot *fresh = gather(source, window_s);
    pthread_mutex_lock(&slot->lock);
    dash_snapshot *old = slot->current;
    slot->current = take(fresh);
    slot->refreshing = 0;
    pthread_cond_broadcast(&slot->done);
    pthread_mutex_unlock(&slot->lock);
    dash_snapshot_release(old);
    return fresh;
}
