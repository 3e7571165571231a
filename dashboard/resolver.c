/* The re-resolving thread; see resolver.h. It sleeps in short steps, looking at its stop
 * flag between them, until the next round. */
#include "resolver.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "tw_alloc.h"
#include "tw_time.h"

/* How soon a stop is seen while the thread sleeps between rounds. */
#define STOP_CHECK_US (50 * TW_US_PER_MS)

struct dash_resolver {
    dash_upstreams *upstreams; /* what to resolve (borrowed) */
    int64_t interval_us;       /* between the starts of two rounds */
    int timeout_ms;            /* the most one round waits for the DNS */
    atomic_bool stopping;      /* set by dash_resolver_stop */
    pthread_t thread;          /* the thread */
};

/* Sleeps until deadline_us or a stop; true when stopping. */
static bool sleep_until(dash_resolver *resolver, int64_t deadline_us)
{
    while (!atomic_load(&resolver->stopping)) {
        int64_t left_us = deadline_us - tw_mono_us();
        if (left_us <= 0)
            return false;
        tw_sleep_us(left_us < STOP_CHECK_US ? left_us : STOP_CHECK_US);
    }
    return true;
}

static void *run_resolver(void *arg)
{
    dash_resolver *resolver = arg;
    int64_t next_us = tw_mono_us() + resolver->interval_us;
    while (!sleep_until(resolver, next_us)) {
        next_us += resolver->interval_us;
        dash_upstreams_resolve(resolver->upstreams, resolver->timeout_ms);
        int64_t now_us = tw_mono_us();
        if (next_us < now_us)
            next_us = now_us;
    }
    return NULL;
}

dash_resolver *dash_resolver_start(dash_upstreams *upstreams, int64_t interval_s, int timeout_ms)
{
    dash_resolver *resolver = tw_xcalloc(1, sizeof *resolver);
    resolver->upstreams = upstreams;
    resolver->interval_us = interval_s * TW_US_PER_S;
    resolver->timeout_ms = timeout_ms;
    atomic_init(&resolver->stopping, false);
    if (pthread_create(&resolver->thread, NULL, run_resolver, resolver) != 0) {
        free(resolver);
        return NULL;
    }
    return resolver;
}

void dash_resolver_stop(dash_resolver *resolver)
{
    if (!resolver)
        return;
    atomic_store(&resolver->stopping, true);
    pthread_join(resolver->thread, NULL);
    free(resolver);
}
