/* analytics' HTTP API: the contract's summary and antenna endpoints, the merge endpoint
 * the dashboard combines replicas with, and the malformed breakdown. Handlers read the
 * aggregate state under its lock and encode with common/tw_api. */
#ifndef API_H
#define API_H

#include "aggregator.h"
#include "stream_reader.h"
#include "tw_http.h"

typedef struct {
    aggregator *agg;        /* state to read */
    stream_reader *reader;  /* lag, pending, dead-letter length */
    int64_t started_at_s;   /* this process's start (Unix s) */
} api_context;

/* Registers every API route on the server. */
void api_register(tw_http *http, api_context *ctx);

#endif
