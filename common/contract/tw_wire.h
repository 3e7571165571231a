/* Compact binary encoding for checkpoints and messages: little-endian fixed widths,
 * LEB128 varints, length-prefixed strings; the reader checks every bound so a corrupt
 * or truncated blob is rejected, never over-read. */
#ifndef TW_WIRE_H
#define TW_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"

typedef struct {
    tw_buf *buf; /* destination (not owned) */
} tw_wire_writer;

typedef struct {
    const unsigned char *data; /* source bytes (not owned) */
    size_t len;                /* bytes available */
    size_t pos;                /* next byte to read */
    bool failed;               /* set once any read ran past the end or was invalid */
} tw_wire_reader;

/* Appends an unsigned varint. */
void tw_wire_put_varint(tw_wire_writer *out, uint64_t value);
/* Appends a signed varint (zigzag). */
void tw_wire_put_svarint(tw_wire_writer *out, int64_t value);
/* Appends a double as 8 little-endian bytes. */
void tw_wire_put_double(tw_wire_writer *out, double value);
/* Appends a length-prefixed string. */
void tw_wire_put_string(tw_wire_writer *out, const char *text);
/* Appends length-prefixed bytes (may contain NUL). */
void tw_wire_put_bytes(tw_wire_writer *out, const void *data, size_t len);
/* Starts reading len bytes at data. */
void tw_wire_reader_init(tw_wire_reader *in, const void *data, size_t len);
/* Reads an unsigned varint (0 and failed set on error). */
uint64_t tw_wire_get_varint(tw_wire_reader *in);
/* Reads a signed varint. */
int64_t tw_wire_get_svarint(tw_wire_reader *in);
/* Reads a double. */
double tw_wire_get_double(tw_wire_reader *in);
/* Reads a string into out (NUL-terminated); fails when longer than out_size - 1. */
void tw_wire_get_string(tw_wire_reader *in, char *out, size_t out_size);

/* Reads length-prefixed bytes in place: *data points into the reader's buffer. */
size_t tw_wire_get_bytes(tw_wire_reader *in, const unsigned char **data);

#endif
