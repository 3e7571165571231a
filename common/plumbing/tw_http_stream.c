/* Chunked replies over civetweb; see tw_http_stream.h. */
#include "tw_http_stream.h"

#include <stdlib.h>
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

int tw_http_stream_put_json(tw_buf *buf, const cJSON *json)
{
    char *text = cJSON_PrintUnformatted(json);
    if (!text)
        return TW_ERR;
    tw_buf_puts(buf, text);
    free(text);
    return TW_OK;
}

int tw_http_stream_json_array(struct mg_connection *conn, size_t n, tw_http_json_item_fn item,
                              const void *arg, size_t chunk_bytes)
{
    tw_buf buf;
    tw_buf_init(&buf);
    tw_buf_puts(&buf, "[");
    int rc = TW_OK;
    for (size_t i = 0; i < n && rc == TW_OK; i++) {
        cJSON *json = item(i, arg);
        if (i)
            tw_buf_puts(&buf, ",");
        rc = tw_http_stream_put_json(&buf, json);
        cJSON_Delete(json);
        if (rc == TW_OK && buf.len >= chunk_bytes)
            rc = tw_http_stream_send(conn, &buf);
    }
    tw_buf_puts(&buf, "]");
    if (rc == TW_OK && (rc = tw_http_stream_send(conn, &buf)) == TW_OK)
        tw_http_stream_end(conn);
    tw_buf_free(&buf);
    return rc;
}
