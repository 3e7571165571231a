/* A byte buffer that is either growable (heap) or fixed (caller's storage, silently
 * truncated), with the appenders the services need: text, printf, JSON strings. */
#ifndef TW_BUF_H
#define TW_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *data;     /* bytes, always NUL-terminated after len */
    size_t len;     /* bytes used, without the NUL */
    size_t cap;     /* bytes allocated, including room for the NUL */
    bool fixed;     /* true: data is the caller's storage and never reallocated */
    bool truncated; /* true once a fixed buffer had to drop bytes */
} tw_buf;

/* Starts an empty growable buffer; release it with tw_buf_free. */
void tw_buf_init(tw_buf *buf);
/* Starts an empty buffer over caller storage of size bytes (size >= 1). */
void tw_buf_init_fixed(tw_buf *buf, char *storage, size_t size);
/* Frees a growable buffer's memory (no-op for fixed ones) and empties it. */
void tw_buf_free(tw_buf *buf);
/* Empties the buffer, keeping its memory. */
void tw_buf_reset(tw_buf *buf);
/* Appends len bytes. */
void tw_buf_append(tw_buf *buf, const void *bytes, size_t len);
/* Appends len uninitialised bytes and returns where they start, for the caller to fill;
 * NULL (and truncated set) when a fixed buffer has no room for all of them. */
char *tw_buf_extend(tw_buf *buf, size_t len);
/* Appends a NUL-terminated string. */
void tw_buf_puts(tw_buf *buf, const char *text);
/* Appends printf-formatted text. */
void tw_buf_printf(tw_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends text as a quoted JSON string, escaping quotes, backslashes and control bytes;
 * a byte that is not part of valid UTF-8 becomes \ufffd, so the JSON stays valid. */
void tw_buf_json_string(tw_buf *buf, const char *text);
/* Appends n bytes as 2 * n lowercase hex digits. */
void tw_buf_hex(tw_buf *buf, const unsigned char *bytes, size_t n);
/* Takes the heap memory out of a growable buffer: the caller frees the result. */
char *tw_buf_steal(tw_buf *buf);

#endif
