/* Clock helpers over clock_gettime: wall clock for record times, monotonic for timing. */
#include "tw_time.h"

#include <stdio.h>
#include <time.h>

static int64_t clock_us(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * TW_US_PER_S + ts.tv_nsec / TW_NS_PER_US;
}

int64_t tw_wall_us(void)
{
    return clock_us(CLOCK_REALTIME);
}

int64_t tw_mono_us(void)
{
    return clock_us(CLOCK_MONOTONIC);
}

struct timespec tw_mono_timespec(int64_t mono_us)
{
    if (mono_us < 0)
        mono_us = 0;
    return (struct timespec){.tv_sec = (time_t)(mono_us / TW_US_PER_S),
                             .tv_nsec = (long)(mono_us % TW_US_PER_S) * TW_NS_PER_US};
}

void tw_mono_cond_init(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
}

void tw_sleep_us(int64_t us)
{
    if (us <= 0)
        return;
    struct timespec ts = {.tv_sec = us / TW_US_PER_S, .tv_nsec = (us % TW_US_PER_S) * TW_NS_PER_US};
    nanosleep(&ts, NULL);
}

void tw_format_rfc3339(int64_t wall_us, char *out, unsigned out_size)
{
    time_t secs = (time_t)(wall_us / TW_US_PER_S);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, out_size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)((wall_us / TW_US_PER_MS) % TW_MS_PER_S));
}
