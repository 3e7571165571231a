/* Prometheus metrics: a registry of counters, gauges and histograms whose updates are
 * lock-free atomics, rendered in the text exposition format with HELP and TYPE for every
 * family, plus the standard process_* metrics read from /proc. */
#ifndef TW_METRICS_H
#define TW_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"

typedef struct tw_metrics tw_metrics;
typedef struct tw_series tw_counter;   /* monotonically increasing integer */
typedef struct tw_series tw_gauge;     /* value that goes up and down */
typedef struct tw_series tw_histogram; /* cumulative buckets, sum and count */

/* Computes a gauge's value at scrape time. */
typedef double (*tw_gauge_fn)(void *arg);
/* Appends whole families (tw_metrics_put_header, then samples) at scrape time: for
 * series whose label values are only known then. Runs under the registry's lock. */
typedef void (*tw_metrics_collect_fn)(void *arg, tw_buf *out);

/* Creates an empty registry; free with tw_metrics_free. */
tw_metrics *tw_metrics_new(void);
/* Frees the registry and every series it owns. */
void tw_metrics_free(tw_metrics *metrics);
/* Registers a counter series; labels is `a="x",b="y"` or NULL. Same name = same family;
 * same name and labels = the same series (every register call below returns/keeps it). */
tw_counter *tw_metrics_counter(tw_metrics *metrics, const char *name, const char *help,
                               const char *labels);
/* Registers a gauge series set with tw_gauge_set. */
tw_gauge *tw_metrics_gauge(tw_metrics *metrics, const char *name, const char *help,
                           const char *labels);
/* Registers a gauge series whose value fn(arg) computes at scrape time. */
void tw_metrics_gauge_fn(tw_metrics *metrics, const char *name, const char *help,
                         const char *labels, tw_gauge_fn fn, void *arg);
/* Registers a counter series whose value fn(arg) computes at scrape time. */
void tw_metrics_counter_fn(tw_metrics *metrics, const char *name, const char *help,
                           const char *labels, tw_gauge_fn fn, void *arg);
/* Registers a histogram series with ascending upper bounds (the +Inf bucket is implied). */
tw_histogram *tw_metrics_histogram(tw_metrics *metrics, const char *name, const char *help,
                                   const char *labels, const double *bounds, size_t bound_count);
/* Registers a collector, rendered after the registered families (at most 4). */
void tw_metrics_collector(tw_metrics *metrics, tw_metrics_collect_fn fn, void *arg);
/* Appends a family's HELP and TYPE lines (type: counter, gauge). */
void tw_metrics_put_header(tw_buf *out, const char *name, const char *help, const char *type);
/* Appends one sample line `name{labels} value`; labels as for registration, or NULL. */
void tw_metrics_put_sample(tw_buf *out, const char *name, const char *labels, double value);
/* Adds delta to a counter. */
void tw_counter_add(tw_counter *counter, uint64_t delta);
/* Current value of a counter. */
uint64_t tw_counter_value(const tw_counter *counter);
/* Sets a gauge. */
void tw_gauge_set(tw_gauge *gauge, double value);
/* Records one observation in a histogram. */
void tw_histogram_observe(tw_histogram *histogram, double value);
/* Appends the whole registry, then the process metrics, in Prometheus text format. */
void tw_metrics_render(tw_metrics *metrics, tw_buf *out);

#endif
