/* Exponential backoff with "equal jitter": half the delay fixed, half random, so many
 * clients restarting together do not reconnect in lockstep. */
#include "tw_backoff.h"

#include <stdlib.h>

void tw_backoff_init(tw_backoff *backoff, int64_t initial_us, int64_t max_us)
{
    backoff->initial_us = initial_us;
    backoff->max_us = max_us;
    backoff->current_us = initial_us;
    backoff->next_try_us = 0;
}

int tw_backoff_ready(const tw_backoff *backoff, int64_t now_us)
{
    return now_us >= backoff->next_try_us;
}

void tw_backoff_failed(tw_backoff *backoff, int64_t now_us)
{
    int64_t half = backoff->current_us / 2;
    int64_t jitter = half > 0 ? (int64_t)(random() % (half + 1)) : 0;
    backoff->next_try_us = now_us + half + jitter;
    backoff->current_us *= 2;
    if (backoff->current_us > backoff->max_us)
        backoff->current_us = backoff->max_us;
}

void tw_backoff_succeeded(tw_backoff *backoff)
{
    backoff->current_us = backoff->initial_us;
    backoff->next_try_us = 0;
}
