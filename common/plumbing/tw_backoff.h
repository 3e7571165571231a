/* Exponential backoff with jitter between a floor and a ceiling: the one pacing rule for
 * reconnects (the stateful tw_backoff) and for retries counted by attempt (the tracer's
 * exports, tw_backoff_delay_us). */
#ifndef TW_BACKOFF_H
#define TW_BACKOFF_H

#include <stdint.h>

typedef struct {
    int64_t initial_us;  /* first delay after a failure */
    int64_t max_us;      /* delays never exceed this */
    int64_t current_us;  /* delay that the next failure will schedule */
    int64_t next_try_us; /* monotonic time before which no attempt should be made */
} tw_backoff;

/* Starts a backoff ready to try immediately. */
void tw_backoff_init(tw_backoff *backoff, int64_t initial_us, int64_t max_us);
/* True when an attempt is allowed at monotonic time now_us. */
int tw_backoff_ready(const tw_backoff *backoff, int64_t now_us);
/* Records a failure at now_us: schedules the next attempt and doubles the delay. */
void tw_backoff_failed(tw_backoff *backoff, int64_t now_us);
/* Records a success: the next failure starts again from the initial delay. */
void tw_backoff_succeeded(tw_backoff *backoff);
/* Delay before retry number attempt (1, 2, ...): base * 2^(attempt-1) capped at max, half
 * of it fixed and half scaled by random01 in [0, 1) ("equal jitter"). */
int64_t tw_backoff_delay_us(int attempt, int64_t base_us, int64_t max_us, double random01);

#endif
