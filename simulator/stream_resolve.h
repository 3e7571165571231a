/* After a reconnection to Redis, before anything new is written: finds out exactly what
 * Redis still holds of the reports it confirmed (the re-send window) and of the batch that
 * was in flight without replies, with reads only (XRANGE, XREVRANGE). Confirmed reports
 * Redis lost go back to the front of the queue in their original order; in-flight reports
 * Redis applied are settled (moved into the window) so they are not written twice. */
#ifndef SIMULATOR_STREAM_RESOLVE_H
#define SIMULATOR_STREAM_RESOLVE_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "report_queue.h"
#include "resend_window.h"

/* What one resolution found and did. */
typedef struct {
    bool checked;       /* Redis was asked for the last confirmed report */
    bool rollback;      /* Redis no longer holds the last confirmed report */
    bool has_survivor;  /* survivor is set */
    stream_id survivor; /* after a rollback: newest entry held at or below the last confirmed */
    size_t resent;      /* confirmed reports Redis lost, put back at the front of the queue */
    size_t resolved;    /* in-flight reports found applied, removed from the queue */
    bool scan_cut;      /* the in-flight scan stopped at its page or time bound */
} stream_resolve_result;

/* Resolves against the stream key on ctx. in_flight_max bounds how many reports at the front
 * of the queue may have been applied without a reply (0: none were in flight); keep is
 * scratch for that many flags. Returns TW_OK; TW_ERR when the connection failed (reconnect
 * and resolve again); TW_INVALID when Redis refused a command or the command failed otherwise
 * (err says why; ctx->err is set when the context is no longer usable; what was found
 * before is applied, the rest is re-sent as queued). */
int stream_resolve(redisContext *ctx, const char *key, resend_window *window, report_queue *queue,
                   size_t in_flight_max, bool *keep, stream_resolve_result *out, char *err,
                   size_t err_size);

#endif
