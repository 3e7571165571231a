/* Merged analytics data, kept by a background refresher: for every window someone asked
 * for recently, it asks each replica what changed since the version it holds (the
 * replica exchange: one request in flight per replica), applies the answers to its
 * mirrors, merges again only the rows that changed, and publishes an immutable snapshot.
 * Requests never wait for replicas, except the first one for a window. A replica that
 * stops answering is still counted from its last answer for keep_stale_ms (listed as
 * stale, with its age), so totals do not dip while it restarts; a window nobody asked for
 * in a while is forgotten, with its memory. After each exchange answer the replica's
 * /readyz is asked too: a replica that serves its state while its broker is unreachable
 * says so only there, and the snapshot lists it as not ready. */
#ifndef DASH_SOURCE_H
#define DASH_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"
#include "tw_metrics.h"
#include "upstream.h"

typedef struct dash_source dash_source;

typedef struct {
    dash_upstreams *upstreams; /* replicas to ask (borrowed) */
    int timeout_ms;            /* deadline of a delta request to one replica */
    int resync_timeout_ms;     /* deadline of a full document (every antenna) */
    int cache_ms;              /* how old a snapshot may get before it is refreshed */
    int keep_stale_ms;         /* how long a silent replica's last answer still counts */
    size_t max_reply_bytes;    /* largest replica document accepted */
    tw_metrics *metrics;       /* registry for the source's metrics */
} dash_source_config;

/* Creates the source and starts its refresher; free with dash_source_free. */
dash_source *dash_source_new(const dash_source_config *config);
/* Stops the refresher and frees everything. */
void dash_source_free(dash_source *source);
/* The newest snapshot for window_s (must be valid), waiting only for a window's first;
 * the caller releases it with dash_snapshot_release. */
dash_snapshot *dash_source_get(dash_source *source, int64_t window_s);

#endif
