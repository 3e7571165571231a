/* The thread that re-resolves ANALYTICS_ADDR on schedule, so neither requests nor the chart
 * sampler ever wait on DNS; each round waits for the DNS at most its timeout, which also
 * bounds how long stopping the thread takes. */
#ifndef DASH_RESOLVER_H
#define DASH_RESOLVER_H

#include <stdint.h>

#include "upstream.h"

typedef struct dash_resolver dash_resolver;

/* Starts re-resolving upstreams (borrowed) every interval_s, each round bounded by
 * timeout_ms; NULL when the thread cannot start. */
dash_resolver *dash_resolver_start(dash_upstreams *upstreams, int64_t interval_s, int timeout_ms);
/* Stops the thread (within timeout_ms) and frees the resolver. */
void dash_resolver_stop(dash_resolver *resolver);

#endif
