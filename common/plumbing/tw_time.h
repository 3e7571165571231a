/* Clock helpers: wall time for timestamps, monotonic time for intervals and deadlines. */
#ifndef TW_TIME_H
#define TW_TIME_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* Unit conversions for the clocks below, one definition for every module. */
#define TW_NS_PER_US 1000   /* nanoseconds in a microsecond */
#define TW_US_PER_MS 1000   /* microseconds in a millisecond */
#define TW_MS_PER_S 1000    /* milliseconds in a second */
#define TW_US_PER_S 1000000 /* microseconds in a second */

/* Unix time now, microseconds. */
int64_t tw_wall_us(void);
/* Monotonic time now, microseconds (only differences mean anything). */
int64_t tw_mono_us(void);
/* A tw_mono_us() instant as a CLOCK_MONOTONIC timespec: the absolute deadline of a
 * pthread_cond_timedwait on a condition variable set to that clock. */
struct timespec tw_mono_timespec(int64_t mono_us);
/* Initialises a condition variable whose timed waits take tw_mono_timespec deadlines. */
void tw_mono_cond_init(pthread_cond_t *cond);
/* Sleeps for the given microseconds (returns early on a signal). */
void tw_sleep_us(int64_t us);
/* Formats Unix microseconds as RFC 3339 UTC with milliseconds into out (>= 32 bytes). */
void tw_format_rfc3339(int64_t wall_us, char *out, unsigned out_size);

#endif
