/* Binary encoding primitives; see tw_wire.h. */
#include "tw_wire.h"

#include <string.h>

#define VARINT_MAX_BYTES 10

void tw_wire_put_varint(tw_wire_writer *out, uint64_t value)
{
    unsigned char bytes[VARINT_MAX_BYTES];
    size_t n = 0;
    do {
        unsigned char byte = value & 0x7f;
        value >>= 7;
        bytes[n++] = byte | (value ? 0x80 : 0);
    } while (value);
    tw_buf_append(out->buf, bytes, n);
}

void tw_wire_put_svarint(tw_wire_writer *out, int64_t value)
{
    uint64_t bits = (uint64_t)value;
    uint64_t sign_mask = 0 - (bits >> 63); /* all ones for a negative value */
    tw_wire_put_varint(out, (bits << 1) ^ sign_mask);
}

void tw_wire_put_double(tw_wire_writer *out, double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    unsigned char bytes[8];
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)(bits >> (8 * i));
    tw_buf_append(out->buf, bytes, sizeof bytes);
}

void tw_wire_put_bytes(tw_wire_writer *out, const void *data, size_t len)
{
    tw_wire_put_varint(out, len);
    tw_buf_append(out->buf, data, len);
}

void tw_wire_put_string(tw_wire_writer *out, const char *text)
{
    tw_wire_put_bytes(out, text, strlen(text));
}

void tw_wire_reader_init(tw_wire_reader *in, const void *data, size_t len)
{
    in->data = data;
    in->len = len;
    in->pos = 0;
    in->failed = false;
}

uint64_t tw_wire_get_varint(tw_wire_reader *in)
{
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (in->failed || in->pos >= in->len)
            break;
        unsigned char byte = in->data[in->pos++];
        value |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return value;
    }
    in->failed = true;
    return 0;
}

int64_t tw_wire_get_svarint(tw_wire_reader *in)
{
    uint64_t raw = tw_wire_get_varint(in);
    return (int64_t)(raw >> 1) ^ -(int64_t)(raw & 1);
}

double tw_wire_get_double(tw_wire_reader *in)
{
    if (in->failed || in->len - in->pos < 8) {
        in->failed = true;
        return 0;
    }
    uint64_t bits = 0;
    for (int i = 0; i < 8; i++)
        bits |= (uint64_t)in->data[in->pos + i] << (8 * i);
    in->pos += 8;
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

void tw_wire_get_string(tw_wire_reader *in, char *out, size_t out_size)
{
    uint64_t len = tw_wire_get_varint(in);
    if (in->failed || len >= out_size || len > in->len - in->pos) {
        in->failed = true;
        out[0] = '\0';
        return;
    }
    memcpy(out, in->data + in->pos, len);
    out[len] = '\0';
    in->pos += len;
}

size_t tw_wire_get_bytes(tw_wire_reader *in, const unsigned char **data)
{
    uint64_t len = tw_wire_get_varint(in);
    if (in->failed || len > in->len - in->pos) {
        in->failed = true;
        *data = NULL;
        return 0;
    }
    *data = in->data + in->pos;
    in->pos += len;
    return len;
}
