/* Replies sent while they are produced (HTTP/1.1 chunked transfer coding), so a large
 * body never has to exist whole in memory: begin, send chunk after chunk, end. A reply
 * that stops before its end is seen as cut by every HTTP client. */
#ifndef TW_HTTP_STREAM_H
#define TW_HTTP_STREAM_H

#include <stdbool.h>

#include <cjson/cJSON.h>
#include <stddef.h>

#include "tw_buf.h"
#include "tw_http.h"

/* Sends the status line and headers of a 200 reply of content_type, with one more header
 * when extra_name is not NULL; false for a HEAD request (no body is to follow). */
bool tw_http_stream_begin(struct mg_connection *conn, const char *content_type,
                          const char *extra_name, const char *extra_value);
/* Sends what buf holds as one chunk and empties buf; TW_OK while the client takes it. */
int tw_http_stream_send(struct mg_connection *conn, tw_buf *buf);
/* Sends the last, empty chunk: the reply is complete. */
void tw_http_stream_end(struct mg_connection *conn);

/* Appends json printed compactly to buf; TW_OK, or TW_ERR with buf unchanged when cJSON
 * could not print it (out of memory: cJSON keeps the C library's allocator). */
int tw_http_stream_put_json(tw_buf *buf, const cJSON *json);

/* Returns element i of a list as JSON (the caller of tw_http_stream_json_array frees it). */
typedef cJSON *(*tw_http_json_item_fn)(size_t i, const void *arg);

/* After tw_http_stream_begin: sends the n elements item(0..n-1, arg) as one JSON array,
 * about chunk_bytes at a time, and ends the reply; TW_OK, or TW_ERR once the client went
 * away or an element could not be printed (nothing more is encoded, the reply is left
 * incomplete). */
int tw_http_stream_json_array(struct mg_connection *conn, size_t n, tw_http_json_item_fn item,
                              const void *arg, size_t chunk_bytes);

#endif
