/* Chunked replies over civetweb; see tw_http_stream.h. */
#include "tw_http_stream.h"

#include <string.h>

#include "tw_status.h"

bool tw_http_stream_begin(struct mg_connection *conn, const char *content_type,
                          const char *extra_name, const char *extra_value)
{
    mg_response_header_start(conn, 200);
    mg_response_header_add(conn, "Content-Type", content_type, -1);
    mg_response_header_add(conn, "Cache-Control", "no-store", -1);
    if (extra_name)
        mg_response_header_add(conn, extra_name, extra_value, -1);
    mg_response_header_add(conn, "Transfer-Encoding", "chunked", -1);
    mg_response_header_send(conn);
    return strcmp(tw_http_method(conn), "HEAD") != 0;
}

int tw_http_stream_send(struct mg_connection *conn, tw_buf *buf)
{
    int rc =
        buf->len == 0 || mg_send_chunk(conn, buf->data, (unsigned)buf->len) > 0 ? TW_OK : TW_ERR;
    tw_buf_reset(buf);
    return rc;
}

void tw_http_stream_end(struct mg_connection *conn)
{
    mg_send_chunk(conn, "", 0);
}
