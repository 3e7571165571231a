/* Byte buffer implementation: amortised doubling growth, or truncation for fixed storage. */
#include "tw_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_utf8.h"

#define BUF_INITIAL_BYTES 256

void tw_buf_init(tw_buf *buf)
{
    memset(buf, 0, sizeof *buf);
}

void tw_buf_init_fixed(tw_buf *buf, char *storage, size_t size)
{
    buf->data = storage;
    buf->len = 0;
    buf->cap = size;
    buf->fixed = true;
    buf->truncated = false;
    storage[0] = '\0';
}

void tw_buf_free(tw_buf *buf)
{
    if (!buf->fixed)
        free(buf->data);
    tw_buf_init(buf);
}

void tw_buf_reset(tw_buf *buf)
{
    buf->len = 0;
    if (buf->data)
        buf->data[0] = '\0';
}

/* Makes room for extra more bytes plus the NUL; returns how many of them fit. */
static size_t reserve(tw_buf *buf, size_t extra)
{
    if (buf->len + extra + 1 <= buf->cap)
        return extra;
    if (buf->fixed) {
        buf->truncated = true;
        return buf->cap - buf->len - 1;
    }
    size_t cap = buf->cap ? buf->cap : BUF_INITIAL_BYTES;
    while (cap < buf->len + extra + 1)
        cap *= 2;
    buf->data = tw_xrealloc(buf->data, cap);
    buf->cap = cap;
    return extra;
}

void tw_buf_append(tw_buf *buf, const void *bytes, size_t len)
{
    size_t fits = reserve(buf, len);
    memcpy(buf->data + buf->len, bytes, fits);
    buf->len += fits;
    buf->data[buf->len] = '\0';
}

char *tw_buf_extend(tw_buf *buf, size_t len)
{
    if (reserve(buf, len) < len)
        return NULL;
    char *at = buf->data + buf->len;
    buf->len += len;
    buf->data[buf->len] = '\0';
    return at;
}

void tw_buf_puts(tw_buf *buf, const char *text)
{
    tw_buf_append(buf, text, strlen(text));
}

void tw_buf_printf(tw_buf *buf, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char small[256];
    int needed = vsnprintf(small, sizeof small, fmt, args);
    va_end(args);
    if (needed < 0)
        return;
    if ((size_t)needed < sizeof small) {
        tw_buf_append(buf, small, (size_t)needed);
        return;
    }
    char *large = tw_xmalloc((size_t)needed + 1);
    va_start(args, fmt);
    vsnprintf(large, (size_t)needed + 1, fmt, args);
    va_end(args);
    tw_buf_append(buf, large, (size_t)needed);
    free(large);
}

void tw_buf_hex(tw_buf *buf, const unsigned char *bytes, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char pair[2] = {digits[bytes[i] >> 4], digits[bytes[i] & 0x0f]};
        tw_buf_append(buf, pair, sizeof pair);
    }
}

void tw_buf_json_string(tw_buf *buf, const char *text)
{
    static const char replacement[] = "\\ufffd";
    const unsigned char *p = (const unsigned char *)text;
    size_t left = strlen(text);
    tw_buf_append(buf, "\"", 1);
    while (left > 0) {
        size_t len = tw_utf8_char_len(p, left);
        if (len == 0) {
            tw_buf_append(buf, replacement, sizeof replacement - 1); /* keeps the JSON valid */
            len = 1;
        } else if (*p == '"' || *p == '\\') {
            char escaped[2] = {'\\', (char)*p};
            tw_buf_append(buf, escaped, 2);
        } else if (*p < 0x20 || *p == 0x7f) {
            tw_buf_printf(buf, "\\u%04x", *p);
        } else {
            tw_buf_append(buf, p, len);
        }
        p += len;
        left -= len;
    }
    tw_buf_append(buf, "\"", 1);
}

char *tw_buf_steal(tw_buf *buf)
{
    if (!buf->data)
        tw_buf_append(buf, "", 0);
    char *data = buf->data;
    tw_buf_init(buf);
    return data;
}
