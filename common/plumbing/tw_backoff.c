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

/* Half of delay_us fixed, the other half scaled by random01 in [0, 1). */
static int64_t equal_jitter(int64_t delay_us, double random01)
{
    int64_t half = delay_us / 2;
    return half + (int64_t)(random01 * (double)half);
}

/* A uniform draw in [0, 1) from random(). */
static double random_unit(void)
{
    return (double)random() / ((double)RAND_MAX + 1.0);
}

void tw_backoff_failed(tw_backoff *backoff, int64_t now_us)
{
    backoff->next_try_us = now_us + equal_jitter(backoff->current_us, random_unit());
    backoff->current_us *= 2;
    if (backoff->current_us > backoff->max_us)
        backoff->current_us = backoff->max_us;
}

void tw_backoff_succeeded(tw_backoff *backoff)
{
    backoff->current_us = backoff->initial_us;
    backoff->next_try_us = 0;
}

int64_t tw_backoff_delay_us(int attempt, int64_t base_us, int64_t max_us, double random01)
{
    int64_t delay = base_us;
    for (int i = 1; i < attempt && delay < max_us; i++)
        delay *= 2;
    if (delay > max_us)
        delay = max_us;
    return equal_jitter(delay, random01);
}
