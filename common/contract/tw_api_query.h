/* The contract's query parameters, read the same way by every service that serves the
 * analytics JSON API (analytics itself and the dashboard): same default, same error text. */
#ifndef TW_API_QUERY_H
#define TW_API_QUERY_H

#include <civetweb.h>
#include <stddef.h>
#include <stdint.h>

/* The window used when a request names none: since start. */
#define TW_DEFAULT_WINDOW_S 0

/* Parses a window's len bytes of text: exactly "0", "60", "300" or "900"; TW_OK or
 * TW_INVALID. */
int tw_api_window_parse(const char *text, size_t len, int64_t *window_s);
/* Reads ?window= (0, 60, 300 or 900; absent: TW_DEFAULT_WINDOW_S) into *window_s; TW_OK, or
 * TW_INVALID after replying 400 with the reason. */
int tw_api_query_window(struct mg_connection *conn, int64_t *window_s);
/* The start of a windowed handler: refuses a method not in allowed ("GET,HEAD") and reads
 * ?window=. 0 when the handler goes on with *window_s; else the status already sent (405 or
 * 400), which the handler returns. */
int tw_api_query_begin(struct mg_connection *conn, const char *allowed, int64_t *window_s);

#endif
