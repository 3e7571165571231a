/* RESP request encoding; see tw_resp.h. */
#include "tw_resp.h"

#include <string.h>

#define STREAM_ID_MAX_BYTES (2 * TW_DECIMAL_MAX_BYTES + 1)
#define HEADER_MAX_BYTES (TW_DECIMAL_MAX_BYTES + 3)

/* Writes <prefix><n>\r\n into out (TW_DECIMAL_MAX_BYTES + 3 bytes); returns its length. */
static size_t format_header(char prefix, uint64_t n, char *out)
{
    out[0] = prefix;
    size_t len = 1 + tw_format_u64(n, out + 1);
    out[len++] = '\r';
    out[len++] = '\n';
    return len;
}

void tw_resp_array(tw_buf *out, size_t count)
{
    char header[HEADER_MAX_BYTES];
    tw_buf_append(out, header, format_header('*', count, header));
}

void tw_resp_bulk(tw_buf *out, const void *data, size_t len)
{
    char header[HEADER_MAX_BYTES];
    size_t header_len = format_header('$', len, header);
    /* one reservation for the whole argument: this runs for every field of every record */
    char *at = tw_buf_extend(out, header_len + len + 2);
    if (!at)
        return; /* a fixed buffer without room: tw_buf marked it truncated */
    memcpy(at, header, header_len);
    memcpy(at + header_len, data, len);
    at[header_len + len] = '\r';
    at[header_len + len + 1] = '\n';
}

void tw_resp_bulk_str(tw_buf *out, const char *text)
{
    tw_resp_bulk(out, text, strlen(text));
}

void tw_resp_bulk_u64(tw_buf *out, uint64_t value)
{
    char text[TW_DECIMAL_MAX_BYTES];
    size_t len = tw_format_u64(value, text);
    tw_resp_bulk(out, text, len);
}

void tw_resp_bulk_i64(tw_buf *out, int64_t value)
{
    char text[TW_DECIMAL_MAX_BYTES];
    size_t len = tw_format_i64(value, text);
    tw_resp_bulk(out, text, len);
}

void tw_resp_bulk_stream_id(tw_buf *out, uint64_t ms, uint64_t seq)
{
    char text[STREAM_ID_MAX_BYTES];
    size_t len = tw_format_u64(ms, text);
    text[len++] = '-';
    len += tw_format_u64(seq, text + len);
    tw_resp_bulk(out, text, len);
}
