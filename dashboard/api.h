/* The dashboard's HTTP surface: the contract's JSON paths merged over replicas, the
 * 15-minute history, the Server-Sent Events stream and the embedded page. */
#ifndef DASH_API_H
#define DASH_API_H

#include <stdatomic.h>

#include "history.h"
#include "source.h"
#include "tw_http.h"

typedef struct {
    dash_source *source;    /* merged data (borrowed) */
    dash_history *history;  /* chart history (borrowed) */
    atomic_int sse_clients; /* open event streams */
    int sse_max_clients;    /* above this a stream is refused with 503 (the page polls) */
    int sse_interval_ms;    /* time between pushed summaries */
} dash_app;

/* Registers every dashboard route on http. */
void dash_api_register(tw_http *http, dash_app *app);

#endif
