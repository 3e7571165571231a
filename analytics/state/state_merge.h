/* Folding one replica's aggregate state into another's, for adoption: the adopted state
 * is combined with this replica's own in a scratch aggregator (own stays untouched, so an
 * adoption that loses a race costs nothing), and once the combination is saved, the
 * combined parts are moved into own. */
#ifndef ANALYTICS_STATE_MERGE_H
#define ANALYTICS_STATE_MERGE_H

#include "aggregator.h"

/* Adds own into adopted wherever either matters: totals and malformed counts add up, the
 * second buckets of both are combined, and every antenna adopted knows is merged with
 * own's view of it. Afterwards every part of adopted is dirty: what own must save. The
 * caller holds own->lock (or is own's only writer). */
void state_merge_own(aggregator *adopted, const aggregator *own);
/* Moves the combined parts of adopted (totals, used second buckets, antennas) into own,
 * clean (already saved), leaving own's replaced parts in adopted to be freed with it.
 * The caller holds own->lock. */
void state_take(aggregator *own, aggregator *adopted);

#endif
