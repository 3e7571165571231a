/* Reconnect pacing: exponential backoff with jitter between a floor and a ceiling. */
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

#endif
