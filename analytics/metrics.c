/* analytics' Prometheus series. Totals and gauges are computed at scrape time from the
 * aggregator (under its lock) and the reader's XINFO figures. Per-antenna series are off
 * by default (unbounded label values); with --antenna-metrics N they cover the first N
 * antennas this replica saw, in the order it saw them, so the set of series is stable. */
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_api.h"
#include "tw_time.h"

#define ANTENNA_LABEL_BYTES (sizeof "antenna_id=\"\"" + TW_ANTENNA_ID_MAX_LEN)

/* One of the aggregator's counters, read under its lock at scrape time. */
typedef struct {
    aggregator *agg;
    const uint64_t *field; /* inside agg */
} locked_field;

/* register_totals watches the five totals and each malformed reason. */
#define LOCKED_FIELDS (5 + TW_MALFORMED_REASON_COUNT)

static locked_field locked_fields[LOCKED_FIELDS];
static size_t locked_field_count;

/* The argument of locked_field_value for field of agg: a slot that lives as long as the
 * process (register_totals starts over from the first). */
static locked_field *watch(aggregator *agg, const uint64_t *field)
{
    locked_fields[locked_field_count] = (locked_field){agg, field};
    return &locked_fields[locked_field_count++];
}

static double locked_field_value(void *arg)
{
    const locked_field *watched = arg;
    pthread_mutex_lock(&watched->agg->lock);
    double value = (double)*watched->field;
    pthread_mutex_unlock(&watched->agg->lock);
    return value;
}

/* A sum over antennas, taken under the aggregator's lock. */
static double locked_antenna_sum(aggregator *agg, uint64_t (*sum)(const aggregator *))
{
    pthread_mutex_lock(&agg->lock);
    double value = (double)sum(agg);
    pthread_mutex_unlock(&agg->lock);
    return value;
}

static double sequence_gaps_total(void *arg)
{
    return locked_antenna_sum(arg, aggregator_seq_gaps);
}

static double sequence_untracked_total(void *arg)
{
    return locked_antenna_sum(arg, aggregator_seq_untracked);
}

static double antennas_known(void *arg)
{
    aggregator *agg = arg;
    pthread_mutex_lock(&agg->lock);
    double value = (double)agg->antennas.count;
    pthread_mutex_unlock(&agg->lock);
    return value;
}

/* The contract's offline rule for one antenna at Unix time now_s. */
static int antenna_offline(const antenna_state *a, int64_t now_s)
{
    return !strcmp(tw_antenna_status(now_s, a->last_seen, a->interval_s, 0, 0), "offline");
}

/* Offline antennas; the caller holds agg->lock. */
static size_t count_offline(const aggregator *agg, int64_t now_s)
{
    size_t offline = 0;
    for (size_t i = 0; i < agg->antennas.count; i++)
        offline += (size_t)antenna_offline(agg->antennas.items[i], now_s);
    return offline;
}

static double antennas_offline(void *arg)
{
    aggregator *agg = arg;
    pthread_mutex_lock(&agg->lock);
    double value = (double)count_offline(agg, tw_wall_us() / TW_US_PER_S);
    pthread_mutex_unlock(&agg->lock);
    return value;
}

static double antennas_active(void *arg)
{
    aggregator *agg = arg;
    pthread_mutex_lock(&agg->lock);
    double value = (double)(agg->antennas.count - count_offline(agg, tw_wall_us() / TW_US_PER_S));
    pthread_mutex_unlock(&agg->lock);
    return value;
}

static double ring_occupancy(void *arg)
{
    return (double)spsc_ring_size(arg);
}

static double atomic_or_nan(_Atomic int64_t *value)
{
    int64_t v = atomic_load(value);
    return v >= 0 ? (double)v : NAN;
}

static double atomic_metric(void *arg)
{
    return atomic_or_nan(arg);
}

/* One antenna's figures, copied under the lock and rendered after it is released. */
typedef struct {
    char label[ANTENNA_LABEL_BYTES];
    double records, packets, loss, last_seen_s, offline;
} antenna_sample;

typedef struct {
    const char *name;
    const char *help;
    const char *type;
    size_t offset; /* of the double in antenna_sample */
} antenna_family;

static const antenna_family antenna_families[] = {
    {"analytics_antenna_records_total", "Valid records applied, per antenna (--antenna-metrics).",
     "counter", offsetof(antenna_sample, records)},
    {"analytics_antenna_packets_total", "Packets reported, per antenna (--antenna-metrics).",
     "counter", offsetof(antenna_sample, packets)},
    {"analytics_antenna_loss_packets_total",
     "Lost packets reported, per antenna (--antenna-metrics).", "counter",
     offsetof(antenna_sample, loss)},
    {"analytics_antenna_last_seen_timestamp_seconds",
     "Unix time of the antenna's newest record (--antenna-metrics).", "gauge",
     offsetof(antenna_sample, last_seen_s)},
    {"analytics_antenna_offline",
     "1 when the antenna has no record for 3 report intervals, else 0 (--antenna-metrics).",
     "gauge", offsetof(antenna_sample, offline)},
};

/* Copies up to cap antennas' figures into a new array (caller frees); *count set. */
static antenna_sample *snapshot_antennas(aggregator *agg, size_t cap, size_t *count)
{
    int64_t now_s = tw_wall_us() / TW_US_PER_S;
    pthread_mutex_lock(&agg->lock);
    size_t n = agg->antennas.count < cap ? agg->antennas.count : cap;
    antenna_sample *samples = tw_xcalloc(n, sizeof *samples);
    for (size_t i = 0; i < n; i++) {
        const antenna_state *a = agg->antennas.items[i];
        snprintf(samples[i].label, sizeof samples[i].label, "antenna_id=\"%s\"", a->id);
        samples[i].records = (double)a->records;
        samples[i].packets = (double)a->packets;
        samples[i].loss = (double)a->loss;
        samples[i].last_seen_s = (double)a->last_seen;
        samples[i].offline = antenna_offline(a, now_s);
    }
    pthread_mutex_unlock(&agg->lock);
    *count = samples ? n : 0;
    return samples;
}

static void collect_antennas(void *arg, tw_buf *out)
{
    analytics_metrics *m = arg;
    size_t count;
    antenna_sample *samples = snapshot_antennas(m->agg, m->antenna_cap, &count);
    for (size_t f = 0; f < sizeof antenna_families / sizeof antenna_families[0]; f++) {
        const antenna_family *fam = &antenna_families[f];
        tw_metrics_put_header(out, fam->name, fam->help, fam->type);
        for (size_t i = 0; i < count; i++) {
            double value;
            memcpy(&value, (const char *)&samples[i] + fam->offset, sizeof value);
            tw_metrics_put_sample(out, fam->name, samples[i].label, value);
        }
    }
    free(samples);
}

static void register_totals(aggregator *agg, tw_metrics *metrics)
{
    locked_field_count = 0;
    tw_metrics_counter_fn(metrics, "analytics_records_total", "Valid records applied.", NULL,
                          locked_field_value, watch(agg, &agg->records));
    tw_metrics_counter_fn(metrics, "analytics_packets_total", "Packets reported by valid records.",
                          NULL, locked_field_value, watch(agg, &agg->packets));
    tw_metrics_counter_fn(metrics, "analytics_loss_packets_total",
                          "Lost packets reported by valid records.", NULL, locked_field_value,
                          watch(agg, &agg->loss));
    tw_metrics_counter_fn(metrics, "analytics_duplicates_total",
                          "Repeated (antenna, run, seq) records skipped.", NULL, locked_field_value,
                          watch(agg, &agg->duplicates));
    tw_metrics_counter_fn(metrics, "analytics_sequence_gaps_total",
                          "Sequence numbers never received (reports lost before analytics).", NULL,
                          sequence_gaps_total, agg);
    tw_metrics_counter_fn(metrics, "analytics_sequence_untracked_total",
                          "Records counted without a duplicate check: too far below the newest "
                          "once more gaps were outstanding than are remembered.",
                          NULL, sequence_untracked_total, agg);
    tw_metrics_counter_fn(metrics, "analytics_antennas_untracked_records_total",
                          "Valid records of antennas beyond --max-antennas: in the totals, in "
                          "no antenna's row.",
                          NULL, locked_field_value, watch(agg, &agg->untracked));
    for (int i = 1; i < TW_MALFORMED_REASON_COUNT; i++) {
        char labels[64];
        snprintf(labels, sizeof labels, "reason=\"%s\"", tw_malformed_reason_name(i));
        tw_metrics_counter_fn(metrics, "analytics_malformed_total",
                              "Malformed records, by reason (copied to the dead-letter stream).",
                              labels, locked_field_value, watch(agg, &agg->malformed[i]));
    }
}

void analytics_metrics_register(analytics_metrics *m, tw_metrics *metrics)
{
    register_totals(m->agg, metrics);
    tw_metrics_gauge_fn(metrics, "analytics_antennas", "Antennas known to this replica.", NULL,
                        antennas_known, m->agg);
    tw_metrics_gauge_fn(metrics, "analytics_antennas_active",
                        "Antennas with a record within 3 report intervals.", NULL, antennas_active,
                        m->agg);
    tw_metrics_gauge_fn(metrics, "analytics_antennas_offline",
                        "Antennas without a record for 3 report intervals.", NULL, antennas_offline,
                        m->agg);
    tw_metrics_gauge_fn(metrics, "analytics_consumer_lag",
                        m->ring ? "Entries in the stream not yet delivered to the group "
                                  "(XINFO GROUPS)."
                                : "Messages behind the end of this replica's Kafka partitions.",
                        NULL, atomic_metric, m->lag);
    if (m->ring)
        tw_metrics_gauge_fn(metrics, "analytics_ring_occupancy",
                            "Entries waiting in the reader->aggregator ring.", NULL,
                            ring_occupancy, m->ring);
    if (m->pending)
        tw_metrics_gauge_fn(metrics, "analytics_consumer_pending",
                            "Entries delivered to the group but not acknowledged.", NULL,
                            atomic_metric, m->pending);
    if (m->dlq_length)
        tw_metrics_gauge_fn(metrics, "analytics_dlq_length", "Entries in the dead-letter stream.",
                            NULL, atomic_metric, m->dlq_length);
    if (m->antenna_cap > 0)
        tw_metrics_collector(metrics, collect_antennas, m);
}
