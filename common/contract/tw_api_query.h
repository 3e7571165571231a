/* The contract's query parameters, read the same way by every service that serves the
 * analytics JSON API (analytics itself and the dashboard): same default, same error text. */
#ifndef TW_API_QUERY_H
#define TW_API_QUERY_H

#include <civetweb.h>
#include <stdint.h>

/* The window used when a request names none: since start. */
#define TW_DEFAULT_WINDOW_S 0

/* Reads ?window= (0, 60, 300 or 900; absent: TW_DEFAULT_WINDOW_S) into *window_s; TW_OK, or
 * TW_INVALID after replying 400 with the reason. */
int tw_api_query_window(struct mg_connection *conn, int64_t *window_s);

#endif
