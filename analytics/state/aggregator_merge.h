/* Whole-state operations the Kafka path needs on top of aggregator.c: merging one
 * aggregate state into another (a replica's view is the merge of its partitions' states),
 * and a complete snapshot in binary form (a partition's checkpoint). */
#ifndef ANALYTICS_AGGREGATOR_MERGE_H
#define ANALYTICS_AGGREGATOR_MERGE_H

#include <stddef.h>

#include "aggregator.h"
#include "tw_buf.h"

/* Adds src's state into dst (state_merge_own: totals, sketches and counts add up, second
 * buckets combine, antennas both know merge) and copies the antennas only src knows (a
 * Kafka key, the antenna id, lives in one partition, so partitions' antenna sets are
 * disjoint and every antenna is copied). */
void aggregator_merge(aggregator *dst, const aggregator *src);
/* Appends the whole state (meta, used second buckets, every antenna) to out. */
void aggregator_snapshot_write(const aggregator *agg, tw_buf *out);
/* Restores a snapshot into an empty aggregator; TW_OK or TW_INVALID. */
int aggregator_snapshot_read(aggregator *agg, const void *data, size_t len);

#endif
