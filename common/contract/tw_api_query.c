/* ?window= for the analytics JSON API; see tw_api_query.h. */
#include "tw_api_query.h"

#include "tw_api.h"
#include "tw_http.h"
#include "tw_status.h"

int tw_api_query_window(struct mg_connection *conn, int64_t *window_s)
{
    if (tw_http_query_int(conn, "window", 0, TW_WINDOW_MAX_S, TW_DEFAULT_WINDOW_S, window_s) !=
        TW_OK)
        return TW_INVALID;
    if (!tw_window_valid(*window_s)) {
        tw_http_reply_error(conn, 400, "window must be 0, 60, 300 or 900");
        return TW_INVALID;
    }
    return TW_OK;
}

int tw_api_query_begin(struct mg_connection *conn, const char *allowed, int64_t *window_s)
{
    if (!tw_http_allow_methods(conn, allowed))
        return TW_HTTP_METHOD_NOT_ALLOWED;
    return tw_api_query_window(conn, window_s) == TW_OK ? 0 : TW_HTTP_BAD_REQUEST;
}
