/* Adoption of replicas gone for good. A consumer of the group is gone when the group has
 * not heard from it for the adoption threshold (XINFO CONSUMERS idle) and its lease key
 * has expired. A surviving replica then takes over, in one WATCHed MULTI/EXEC: the gone
 * consumer's checkpointed state is merged into this replica's checkpoint, its hash is
 * replaced by a marker naming this replica (so the gone one, if it comes back, knows it
 * was adopted and not rolled back), its pending entries (delivered but never applied:
 * acknowledgements travel with the state) are XCLAIMed here and applied once, and it leaves the
 * group (XGROUP DELCONSUMER). Two survivors racing for the same consumer: the WATCH on its hash and
 * lease lets exactly one EXEC through. Runs on the aggregator thread, right after a checkpoint, so
 * this replica's saved state equals its state in memory. */
#ifndef ANALYTICS_ADOPTION_H
#define ANALYTICS_ADOPTION_H

#include <hiredis/hiredis.h>
#include <stdint.h>

#include "aggregator.h"
#include "checkpoint.h"
#include "owed.h"
#include "tw_metrics.h"

typedef struct {
    aggregator *agg;               /* this replica's state */
    owed_work *owed;               /* what this replica owes its next checkpoint */
    const checkpoint_names *names; /* this replica's keys (with its lease) */
    int64_t adopt_after_ms;        /* silence after which a consumer is gone */
    int64_t check_every_us;        /* time between looks for gone consumers */
    tw_counter *adoptions;         /* consumers adopted */
    tw_counter *entries;           /* their pending entries claimed and applied */
    tw_counter *abandoned;         /* adoptions abandoned: another replica won, or it came back */
} adoption;

/* Prepares adoption with the given threshold and registers its metrics. */
void adoption_init(adoption *adopt, aggregator *agg, owed_work *owed, const checkpoint_names *names,
                   int64_t adopt_after_ms, tw_metrics *metrics);
/* Looks for one gone consumer and adopts it. Call only with nothing owed to the
 * checkpoint and after the reader's start-up replay of its own pending entries (the
 * entries claimed here join them, already applied). TW_OK when one was adopted (call again after
 * the next checkpoint), TW_AGAIN when there was none to adopt, TW_ERR when the connection failed or
 * this replica's own state turned out adopted (names->lease->fenced). */
int adoption_run(adoption *adopt, redisContext *ctx);

#endif
