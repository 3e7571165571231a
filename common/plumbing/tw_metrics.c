/* Metrics registry and Prometheus text encoder. Registration takes a mutex (start-up
 * and rare); updates are relaxed atomics on the hot path; rendering walks families in
 * registration order so each family's HELP/TYPE is written once above its series, then
 * the collectors (families whose series exist only at scrape time), then process_*. */
#include "tw_metrics.h"

#include <assert.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tw_alloc.h"

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } metric_kind;

struct tw_series {
    struct tw_series *next;          /* next series of the same family */
    char *labels;                    /* `a="x"` or NULL */
    _Atomic uint64_t value;          /* counter count, or gauge double bits */
    tw_gauge_fn fn;                  /* computed value, or NULL */
    void *fn_arg;                    /* argument for fn */
    double *bounds;                  /* histogram upper bounds */
    size_t bound_count;              /* number of bounds */
    _Atomic uint64_t *bucket_counts; /* per-bound counts (not cumulative) plus +Inf */
    _Atomic uint64_t sum_bits;       /* histogram sum as double bits */
};

typedef struct family {
    struct family *next;     /* next family in registration order */
    char *name;              /* metric name */
    char *help;              /* HELP text */
    metric_kind kind;        /* TYPE */
    struct tw_series *first; /* series in registration order */
    struct tw_series *last;  /* tail for appending */
} family;

#define MAX_COLLECTORS 4

typedef struct {
    tw_metrics_collect_fn fn; /* appends whole families at scrape time */
    void *arg;                /* argument for fn */
} collector;

struct tw_metrics {
    pthread_mutex_t lock;                 /* guards the lists and the collectors */
    family *first;                        /* families in registration order */
    family *last;                         /* tail for appending */
    collector collectors[MAX_COLLECTORS]; /* scrape-time families, in registration order */
    size_t collector_count;               /* collectors in use */
};

static uint64_t double_bits(double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static double bits_double(uint64_t bits)
{
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static char *dup_or_null(const char *text)
{
    return text && *text ? tw_xstrdup(text) : NULL;
}

tw_metrics *tw_metrics_new(void)
{
    tw_metrics *metrics = tw_xcalloc(1, sizeof *metrics);
    pthread_mutex_init(&metrics->lock, NULL);
    return metrics;
}

static void free_series(struct tw_series *series)
{
    free(series->labels);
    free(series->bounds);
    free(series->bucket_counts);
    free(series);
}

void tw_metrics_free(tw_metrics *metrics)
{
    if (!metrics)
        return;
    for (family *fam = metrics->first, *next_fam; fam; fam = next_fam) {
        next_fam = fam->next;
        for (struct tw_series *series = fam->first, *next; series; series = next) {
            next = series->next;
            free_series(series);
        }
        free(fam->name);
        free(fam->help);
        free(fam);
    }
    pthread_mutex_destroy(&metrics->lock);
    free(metrics);
}

static family *find_or_add_family(tw_metrics *metrics, const char *name, const char *help,
                                  metric_kind kind)
{
    for (family *fam = metrics->first; fam; fam = fam->next) {
        if (!strcmp(fam->name, name))
            return fam;
    }
    family *fam = tw_xcalloc(1, sizeof *fam);
    fam->name = tw_xstrdup(name);
    fam->help = tw_xstrdup(help);
    fam->kind = kind;
    if (metrics->last)
        metrics->last->next = fam;
    else
        metrics->first = fam;
    metrics->last = fam;
    return fam;
}

static bool same_labels(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Links a fully built series into its family, unless the family already has a series
 * with the same labels: then the new one is freed and the existing one returned (two
 * registrations of one name and labels share one series, never two duplicate lines). */
static struct tw_series *link_series(tw_metrics *metrics, const char *name, const char *help,
                                     metric_kind kind, struct tw_series *series)
{
    pthread_mutex_lock(&metrics->lock);
    family *fam = find_or_add_family(metrics, name, help, kind);
    for (struct tw_series *old = fam->first; old; old = old->next) {
        if (same_labels(old->labels, series->labels)) {
            pthread_mutex_unlock(&metrics->lock);
            free_series(series);
            return old;
        }
    }
    if (fam->last)
        fam->last->next = series;
    else
        fam->first = series;
    fam->last = series;
    pthread_mutex_unlock(&metrics->lock);
    return series;
}

static struct tw_series *new_series(const char *labels, tw_gauge_fn fn, void *arg)
{
    struct tw_series *series = tw_xcalloc(1, sizeof *series);
    series->labels = dup_or_null(labels);
    series->fn = fn;
    series->fn_arg = arg;
    return series;
}

tw_counter *tw_metrics_counter(tw_metrics *metrics, const char *name, const char *help,
                               const char *labels)
{
    return link_series(metrics, name, help, KIND_COUNTER, new_series(labels, NULL, NULL));
}

tw_gauge *tw_metrics_gauge(tw_metrics *metrics, const char *name, const char *help,
                           const char *labels)
{
    return link_series(metrics, name, help, KIND_GAUGE, new_series(labels, NULL, NULL));
}

void tw_metrics_gauge_fn(tw_metrics *metrics, const char *name, const char *help,
                         const char *labels, tw_gauge_fn fn, void *arg)
{
    link_series(metrics, name, help, KIND_GAUGE, new_series(labels, fn, arg));
}

void tw_metrics_counter_fn(tw_metrics *metrics, const char *name, const char *help,
                           const char *labels, tw_gauge_fn fn, void *arg)
{
    link_series(metrics, name, help, KIND_COUNTER, new_series(labels, fn, arg));
}

tw_histogram *tw_metrics_histogram(tw_metrics *metrics, const char *name, const char *help,
                                   const char *labels, const double *bounds, size_t bound_count)
{
    struct tw_series *series = new_series(labels, NULL, NULL);
    series->bounds = tw_xmalloc(bound_count * sizeof *bounds);
    memcpy(series->bounds, bounds, bound_count * sizeof *bounds);
    series->bucket_counts = tw_xcalloc(bound_count + 1, sizeof *series->bucket_counts);
    series->bound_count = bound_count;
    return link_series(metrics, name, help, KIND_HISTOGRAM, series);
}

void tw_metrics_collector(tw_metrics *metrics, tw_metrics_collect_fn fn, void *arg)
{
    pthread_mutex_lock(&metrics->lock);
    assert(metrics->collector_count < MAX_COLLECTORS);
    metrics->collectors[metrics->collector_count++] = (collector){fn, arg};
    pthread_mutex_unlock(&metrics->lock);
}

void tw_counter_add(tw_counter *counter, uint64_t delta)
{
    atomic_fetch_add_explicit(&counter->value, delta, memory_order_relaxed);
}

uint64_t tw_counter_value(const tw_counter *counter)
{
    return atomic_load_explicit(&((tw_counter *)counter)->value, memory_order_relaxed);
}

void tw_gauge_set(tw_gauge *gauge, double value)
{
    atomic_store_explicit(&gauge->value, double_bits(value), memory_order_relaxed);
}

void tw_histogram_observe(tw_histogram *histogram, double value)
{
    size_t bucket = 0;
    while (bucket < histogram->bound_count && value > histogram->bounds[bucket])
        bucket++;
    atomic_fetch_add_explicit(&histogram->bucket_counts[bucket], 1, memory_order_relaxed);
    uint64_t old_bits = atomic_load_explicit(&histogram->sum_bits, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&histogram->sum_bits, &old_bits,
                                                  double_bits(bits_double(old_bits) + value),
                                                  memory_order_relaxed, memory_order_relaxed)) {
    }
}

static void put_number(tw_buf *out, double value)
{
    if (isnan(value))
        tw_buf_puts(out, "NaN");
    else if (isinf(value))
        tw_buf_puts(out, value > 0 ? "+Inf" : "-Inf");
    else if (value == floor(value) && fabs(value) < 1e15)
        tw_buf_printf(out, "%.0f", value);
    else
        tw_buf_printf(out, "%.15g",
                      value); /* enough digits for a Unix time in seconds with microseconds */
}

/* Writes `name{labels,extra} value`; extra is one more label pair or NULL. */
static void put_sample(tw_buf *out, const char *name, const char *suffix, const char *labels,
                       const char *extra, double value)
{
    tw_buf_printf(out, "%s%s", name, suffix);
    if (labels || extra)
        tw_buf_printf(out, "{%s%s%s}", labels ? labels : "", labels && extra ? "," : "",
                      extra ? extra : "");
    tw_buf_puts(out, " ");
    put_number(out, value);
    tw_buf_puts(out, "\n");
}

static void render_histogram(tw_buf *out, const char *name, const struct tw_series *series)
{
    uint64_t cumulative = 0;
    char le[64];
    for (size_t i = 0; i <= series->bound_count; i++) {
        cumulative += atomic_load_explicit(&series->bucket_counts[i], memory_order_relaxed);
        if (i < series->bound_count)
            snprintf(le, sizeof le, "le=\"%.9g\"", series->bounds[i]);
        else
            snprintf(le, sizeof le, "le=\"+Inf\"");
        put_sample(out, name, "_bucket", series->labels, le, (double)cumulative);
    }
    double sum = bits_double(atomic_load_explicit(&series->sum_bits, memory_order_relaxed));
    put_sample(out, name, "_sum", series->labels, NULL, sum);
    put_sample(out, name, "_count", series->labels, NULL, (double)cumulative);
}

static double series_value(const family *fam, const struct tw_series *series)
{
    if (series->fn)
        return series->fn(series->fn_arg);
    uint64_t raw = atomic_load_explicit(&((struct tw_series *)series)->value, memory_order_relaxed);
    return fam->kind == KIND_COUNTER ? (double)raw : bits_double(raw);
}

void tw_metrics_put_header(tw_buf *out, const char *name, const char *help, const char *type)
{
    tw_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void tw_metrics_put_sample(tw_buf *out, const char *name, const char *labels, double value)
{
    put_sample(out, name, "", labels, NULL, value);
}

static void render_family(tw_buf *out, const family *fam)
{
    static const char *type_names[] = {"counter", "gauge", "histogram"};
    tw_metrics_put_header(out, fam->name, fam->help, type_names[fam->kind]);
    for (const struct tw_series *series = fam->first; series; series = series->next) {
        if (fam->kind == KIND_HISTOGRAM)
            render_histogram(out, fam->name, series);
        else
            put_sample(out, fam->name, "", series->labels, NULL, series_value(fam, series));
    }
}

/* Fields 14, 15 (utime, stime), 22 (starttime), 23 (vsize), 24 (rss) of /proc/self/stat. */
typedef struct {
    double cpu_seconds;
    double start_time_seconds;
    double virtual_bytes;
    double resident_bytes;
} process_stat;

static double boot_time_seconds(void)
{
    FILE *file = fopen("/proc/stat", "r");
    char line[256];
    double btime = 0;
    while (file && fgets(line, sizeof line, file)) {
        if (sscanf(line, "btime %lf", &btime) == 1)
            break;
    }
    if (file)
        fclose(file);
    return btime;
}

static int read_process_stat(process_stat *stat)
{
    FILE *file = fopen("/proc/self/stat", "r");
    if (!file)
        return -1;
    char text[1024];
    size_t len = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[len] = '\0';
    const char *after_name = strrchr(text, ')');
    if (!after_name)
        return -1;
    unsigned long long utime, stime, starttime, vsize;
    long long rss;
    /* after ") " come fields 3 (state) onward */
    if (sscanf(after_name + 2,
               "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d "
               "%llu %llu %lld",
               &utime, &stime, &starttime, &vsize, &rss) != 5)
        return -1;
    double ticks = (double)sysconf(_SC_CLK_TCK);
    stat->cpu_seconds = (double)(utime + stime) / ticks;
    stat->start_time_seconds = boot_time_seconds() + (double)starttime / ticks;
    stat->virtual_bytes = (double)vsize;
    stat->resident_bytes = (double)rss * (double)sysconf(_SC_PAGESIZE);
    return 0;
}

static double count_open_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return 0;
    double count = 0;
    for (struct dirent *entry; (entry = readdir(dir));) {
        if (entry->d_name[0] != '.')
            count++;
    }
    closedir(dir);
    return count - 1; /* the directory stream's own descriptor */
}

static void render_process(tw_buf *out)
{
    process_stat stat;
    if (read_process_stat(&stat) != 0)
        return;
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    tw_buf_puts(out, "# HELP process_cpu_seconds_total Total user and system CPU time spent "
                     "in seconds.\n# TYPE process_cpu_seconds_total counter\n");
    put_sample(out, "process_cpu_seconds_total", "", NULL, NULL, stat.cpu_seconds);
    tw_buf_puts(out, "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                     "# TYPE process_resident_memory_bytes gauge\n");
    put_sample(out, "process_resident_memory_bytes", "", NULL, NULL, stat.resident_bytes);
    tw_buf_puts(out, "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                     "# TYPE process_virtual_memory_bytes gauge\n");
    put_sample(out, "process_virtual_memory_bytes", "", NULL, NULL, stat.virtual_bytes);
    tw_buf_puts(out, "# HELP process_open_fds Number of open file descriptors.\n"
                     "# TYPE process_open_fds gauge\n");
    put_sample(out, "process_open_fds", "", NULL, NULL, count_open_fds());
    tw_buf_puts(out, "# HELP process_max_fds Maximum number of open file descriptors.\n"
                     "# TYPE process_max_fds gauge\n");
    put_sample(out, "process_max_fds", "", NULL, NULL, (double)limit.rlim_cur);
    tw_buf_puts(out, "# HELP process_start_time_seconds Start time of the process since unix "
                     "epoch in seconds.\n# TYPE process_start_time_seconds gauge\n");
    put_sample(out, "process_start_time_seconds", "", NULL, NULL, stat.start_time_seconds);
}

void tw_metrics_render(tw_metrics *metrics, tw_buf *out)
{
    pthread_mutex_lock(&metrics->lock);
    for (const family *fam = metrics->first; fam; fam = fam->next)
        render_family(out, fam);
    for (size_t i = 0; i < metrics->collector_count; i++)
        metrics->collectors[i].fn(metrics->collectors[i].arg, out);
    pthread_mutex_unlock(&metrics->lock);
    render_process(out);
}
