/* GET /api/v1/exchange: the replica exchange (common/contract/tw_exchange.h) a dashboard
 * keeps its merged view with, answered as a stream: the lock is taken per chunk of
 * antennas, never while the socket is written, and a reply holds at most one chunk in
 * memory, so its cost follows the rows sent, and ingest goes on meanwhile. Also
 * GET /api/v1/merge, the same figures as one JSON document for tools, streamed the same
 * way. A bounded number of either is served at once; beyond it a 503 says to retry. */
#ifndef ANALYTICS_EXCHANGE_H
#define ANALYTICS_EXCHANGE_H

#include "api.h"

/* Registers /api/v1/exchange and /api/v1/merge. */
void exchange_register(tw_http *http, api_context *ctx);

#endif
