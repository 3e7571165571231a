/* Ring of per-second points under a mutex; see history.h. */
#include "history.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "tw_alloc.h"

typedef struct {
    int64_t t;             /* Unix second */
    double throughput_rps; /* records/s */
    double success_rate;   /* fraction, NAN without packets */
    double p50, p95, p99;  /* latency ms, NAN without records */
} point;

struct dash_history {
    pthread_mutex_t lock;              /* guards the ring */
    point points[DASH_HISTORY_POINTS]; /* ring storage */
    int start;                         /* index of the oldest point */
    int count;                         /* points stored */
};

dash_history *dash_history_new(void)
{
    dash_history *history = tw_xcalloc(1, sizeof *history);
    pthread_mutex_init(&history->lock, NULL);
    return history;
}

void dash_history_free(dash_history *history)
{
    if (!history)
        return;
    pthread_mutex_destroy(&history->lock);
    free(history);
}

void dash_history_add(dash_history *history, int64_t t, const dash_snapshot *snapshot)
{
    const dash_totals *totals = &snapshot->totals;
    point p = {
        .t = t,
        .throughput_rps = totals->throughput_rps,
        .success_rate = totals->packets
                            ? (double)(totals->packets - totals->loss) / (double)totals->packets
                            : NAN,
        .p50 = snapshot->latency.p50,
        .p95 = snapshot->latency.p95,
        .p99 = snapshot->latency.p99,
    };
    pthread_mutex_lock(&history->lock);
    int last = (history->start + history->count - 1) % DASH_HISTORY_POINTS;
    if (history->count > 0 && history->points[last].t == t) {
        history->points[last] = p;
    } else if (history->count < DASH_HISTORY_POINTS) {
        history->points[(history->start + history->count++) % DASH_HISTORY_POINTS] = p;
    } else {
        history->points[history->start] = p;
        history->start = (history->start + 1) % DASH_HISTORY_POINTS;
    }
    pthread_mutex_unlock(&history->lock);
}

static void add_value(cJSON *array, double value)
{
    cJSON_AddItemToArray(array, isfinite(value) ? cJSON_CreateNumber(value) : cJSON_CreateNull());
}

cJSON *dash_history_json(dash_history *history)
{
    cJSON *json = cJSON_CreateObject();
    cJSON *t = cJSON_AddArrayToObject(json, "t");
    cJSON *rps = cJSON_AddArrayToObject(json, "throughput_rps");
    cJSON *rate = cJSON_AddArrayToObject(json, "success_rate");
    cJSON *p50 = cJSON_AddArrayToObject(json, "p50");
    cJSON *p95 = cJSON_AddArrayToObject(json, "p95");
    cJSON *p99 = cJSON_AddArrayToObject(json, "p99");
    pthread_mutex_lock(&history->lock);
    for (int i = 0; i < history->count; i++) {
        const point *p = &history->points[(history->start + i) % DASH_HISTORY_POINTS];
        add_value(t, (double)p->t);
        add_value(rps, p->throughput_rps);
        add_value(rate, p->success_rate);
        add_value(p50, p->p50);
        add_value(p95, p->p95);
        add_value(p99, p->p99);
    }
    pthread_mutex_unlock(&history->lock);
    return json;
}
