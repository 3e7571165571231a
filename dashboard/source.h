/* Merged analytics data on demand: asks every replica concurrently, merges, and caches the
 * result per window for a short time so a burst of requests costs one round of backend
 * calls. Snapshots are immutable and reference-counted: readers keep them as long as they
 * need while newer ones replace them. */
#ifndef DASH_SOURCE_H
#define DASH_SOURCE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "merge.h"
#include "tw_metrics.h"
#include "upstream.h"

typedef struct {
    atomic_int refs;     /* holders; freed when it drops to 0 */
    dash_view view;      /* merged data */
    char *summary_json;  /* the summary document, encoded once; owned */
    size_t summary_len;  /* its length */
    int64_t fetched_us;  /* monotonic time the replicas were asked */
} dash_snapshot;

typedef struct dash_source dash_source;

typedef struct {
    dash_upstreams *upstreams; /* replicas to ask (borrowed) */
    int timeout_ms;            /* per-replica request deadline */
    int cache_ms;              /* how long a merged result is reused */
    size_t max_reply_bytes;    /* largest replica document accepted */
    tw_metrics *metrics;       /* registry for the source's metrics */
} dash_source_config;

/* Creates the source; free with dash_source_free. */
dash_source *dash_source_new(const dash_source_config *config);
/* Frees the source and its cached snapshots. */
void dash_source_free(dash_source *source);
/* The merged snapshot for window_s (must be valid), fresh within cache_ms; the caller
 * releases it with dash_snapshot_release. */
dash_snapshot *dash_source_get(dash_source *source, int64_t window_s);
/* Drops one reference. */
void dash_snapshot_release(dash_snapshot *snapshot);

#endif
