/* ?window= for the analytics JSON API, read strictly (no "+60", "060" or " 60"); see
 * tw_api_query.h. */
#include "tw_api_query.h"

#include <string.h>

#include "tw_api.h"
#include "tw_decimal.h"
#include "tw_http.h"
#include "tw_status.h"

#define WINDOW_TEXT_BYTES 64

int tw_api_window_parse(const char *text, size_t len, int64_t *window_s)
{
    int64_t value;
    if (tw_parse_i64(text, len, &value) != TW_DECIMAL_OK || !tw_window_valid(value))
        return TW_INVALID;
    *window_s = value;
    return TW_OK;
}

int tw_api_query_window(struct mg_connection *conn, int64_t *window_s)
{
    /* mg_get_var's length, not strlen: "60%00" decodes to three bytes and is no window */
    const char *query = mg_get_request_info(conn)->query_string;
    char text[WINDOW_TEXT_BYTES];
    int len = query ? mg_get_var(query, strlen(query), "window", text, sizeof text) : -1;
    if (len == -1) {
        *window_s = TW_DEFAULT_WINDOW_S;
        return TW_OK;
    }
    if (len < 0 || tw_api_window_parse(text, (size_t)len, window_s) != TW_OK) {
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
