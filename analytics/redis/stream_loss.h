/* Entries the stream lost before the consumer group read them. A producer's XADD with
 * MAXLEN 0 or a far MINID (the simulator's credential allows XADD, and an ACL cannot
 * restrict its arguments), or the stream's own MAXLEN cap overtaking a group that fell
 * behind, deletes entries nobody read. Redis keeps counting them in the group's lag
 * (entries added minus entries read) for good, while no read ever returns them, so the
 * lag is inflated by exactly the number removed. That number is measured from one
 * transaction: the group's lag and position, the stream's length and first entry, and the
 * entries after a position the group had a moment before; the entries in the stream after
 * the group's position are what the lag should be, the rest of the lag was removed. The
 * same view also tells when the stream's last id is the largest there is (every later
 * XADD * fails). */
#ifndef ANALYTICS_STREAM_LOSS_H
#define ANALYTICS_STREAM_LOSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"

/* What one MULTI of XRANGE (<earlier position> + COUNT n, XINFO GROUPS (our group's part)
 * and XINFO STREAM says. */
typedef struct {
    stream_id last_delivered; /* the group's last-delivered-id */
    int64_t lag;              /* the group's lag, -1 when Redis cannot tell */
    stream_id first_entry;    /* the stream's recorded-first-entry-id (0-0 when empty) */
    stream_id last_generated; /* the stream's last-generated-id */
    int64_t length;           /* the stream's length, -1 unknown */
    const stream_id *after;   /* ids XRANGE returned after the earlier position, in order */
    size_t after_count;       /* how many */
    bool after_complete;      /* XRANGE returned fewer than it was allowed: all of them */
} stream_loss_view;

/* Entries the group's lag counts that the stream no longer holds, or -1 when the view
 * cannot tell (too many unread entries to list and the group's position still inside
 * the stream, or the lag unknown). */
int64_t stream_loss_removed_unread(const stream_loss_view *view);

/* True when the stream's last id is the largest there is. */
bool stream_loss_ids_exhausted(const stream_loss_view *view);

#endif
