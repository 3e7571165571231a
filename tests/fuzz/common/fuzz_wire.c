/* Fuzzes the tw_wire reader: the first byte picks a sequence of reads (varint, svarint,
 * double, string, bytes) run over the rest; no read may go past the end, a failed reader
 * stays failed, and every value read writes back to bytes that read back to the same
 * value (decode after encode is identity). */
#include <string.h>

#include "tw_buf.h"
#include "tw_fuzz.h"
#include "tw_wire.h"

#define STRING_ROOM 64
#define MAX_READS 64

static void check_varint(uint64_t value, bool is_signed)
{
    tw_buf buf;
    tw_buf_init(&buf);
    tw_wire_writer out = {&buf};
    if (is_signed)
        tw_wire_put_svarint(&out, (int64_t)value);
    else
        tw_wire_put_varint(&out, value);
    tw_wire_reader in;
    tw_wire_reader_init(&in, buf.data, buf.len);
    uint64_t back = is_signed ? (uint64_t)tw_wire_get_svarint(&in) : tw_wire_get_varint(&in);
    TW_FUZZ_CHECK(!in.failed && in.pos == buf.len && back == value);
    tw_buf_free(&buf);
}

static void check_bytes(const unsigned char *bytes, size_t len, bool as_string)
{
    tw_buf buf;
    tw_buf_init(&buf);
    tw_wire_writer out = {&buf};
    tw_wire_put_bytes(&out, bytes, len);
    tw_wire_reader in;
    tw_wire_reader_init(&in, buf.data, buf.len);
    if (as_string) {
        char text[STRING_ROOM];
        tw_wire_get_string(&in, text, sizeof text);
        TW_FUZZ_CHECK(!in.failed && memcmp(text, bytes, len) == 0 && text[len] == '\0');
    } else {
        const unsigned char *back = NULL;
        TW_FUZZ_CHECK(tw_wire_get_bytes(&in, &back) == len && !in.failed);
        TW_FUZZ_CHECK(len == 0 || memcmp(back, bytes, len) == 0);
    }
    TW_FUZZ_CHECK(in.pos == buf.len);
    tw_buf_free(&buf);
}

static void read_one(tw_wire_reader *in, unsigned op)
{
    bool was_failed = in->failed;
    size_t before = in->pos;
    switch (op % 5) {
    case 0: {
        uint64_t v = tw_wire_get_varint(in);
        if (!in->failed)
            check_varint(v, false);
        break;
    }
    case 1: {
        int64_t v = tw_wire_get_svarint(in);
        if (!in->failed)
            check_varint((uint64_t)v, true);
        break;
    }
    case 2: {
        double v = tw_wire_get_double(in);
        if (!in->failed) {
            uint64_t bits;
            memcpy(&bits, &v, sizeof bits);
            TW_FUZZ_CHECK(memcmp(&bits, in->data + before, sizeof bits) == 0);
        }
        break;
    }
    case 3: {
        char text[STRING_ROOM];
        tw_wire_get_string(in, text, sizeof text);
        if (!in->failed)
            check_bytes((const unsigned char *)text, strlen(text), true);
        break;
    }
    default: {
        const unsigned char *bytes = NULL;
        size_t len = tw_wire_get_bytes(in, &bytes);
        if (!in->failed)
            TW_FUZZ_CHECK(bytes + len <= in->data + in->len);
        break;
    }
    }
    TW_FUZZ_CHECK(in->pos <= in->len);
    TW_FUZZ_CHECK(!was_failed || in->failed);
}

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t ops = data[0];
    tw_wire_reader in;
    tw_wire_reader_init(&in, data + 1, size - 1);
    for (int i = 0; i < MAX_READS && !in.failed && in.pos < in.len; i++)
        read_one(&in, (unsigned)(ops >> (i % 4) * 2) + (unsigned)i);
    return 0;
}
