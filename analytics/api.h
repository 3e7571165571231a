/* analytics' HTTP API: the contract's summary and antenna endpoints, the merge endpoint
 * the dashboard combines replicas with, and the malformed breakdown. Handlers read the
 * aggregate state under its lock and encode with common/tw_api. */
#ifndef ANALYTICS_API_H
#define ANALYTICS_API_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "aggregator.h"
#include "tw_http.h"

typedef struct {
    aggregator *agg;             /* state to read */
    _Atomic int64_t *lag;        /* consumer lag, -1 unknown (owned by the reader) */
    _Atomic int64_t *pending;    /* delivered, not acknowledged; -1 unknown */
    _Atomic int64_t *dlq_length; /* dead-letter entries; -1 unknown */
    int64_t started_at_s;        /* this process's start (Unix s) */
    atomic_int streams_in_flight; /* streamed replies being sent (exchange.c) */
    const atomic_bool *restored;  /* the state is restored from its checkpoint; NULL:
                                     always (the Kafka path loads partitions as they come) */
} api_context;

/* Until the state is restored every API path answers 503 (an empty state would read as a
 * replica that counted nothing): returns that status once sent, else 0. */
int api_refuse_until_restored(struct mg_connection *conn, const api_context *ctx);
/* Adds value under name, or null when it is negative (unknown). */
void api_add_optional_int(cJSON *json, const char *name, int64_t value);
/* Malformed records by reason, as {"reason": count, ...} (caller owns it); the caller
 * holds agg->lock. */
cJSON *api_malformed_json(const aggregator *agg);
/* Registers every API route on the server. */
void api_register(tw_http *http, api_context *ctx);

#endif
