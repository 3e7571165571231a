/* The binary codec: exact bytes for varints, zigzag, doubles and length-prefixed strings,
 * and a reader that rejects truncated or oversized input instead of reading past it. */
#include <string.h>

#include "tw_buf.h"
#include "tw_wire.h"
#include "tw_test.h"

#define STRING_OUT_BYTES 16

/* What the test at hand encoded (reset by each writer()). */
static tw_buf encoded;

/* A writer into the emptied shared buffer. */
static tw_wire_writer writer(void)
{
    tw_buf_reset(&encoded);
    return (tw_wire_writer){&encoded};
}

/* A reader over what the writer wrote. */
static tw_wire_reader reader(void)
{
    tw_wire_reader in;
    tw_wire_reader_init(&in, encoded.data, encoded.len);
    return in;
}

/* True when exactly the n bytes of expected were encoded. */
static int encoded_as(const unsigned char *expected, size_t n)
{
    return encoded.len == n && memcmp(encoded.data, expected, n) == 0;
}

static void varint_300_is_two_bytes(void)
{
    tw_wire_writer out = writer();
    tw_wire_put_varint(&out, 300);
    const unsigned char expected[] = {0xac, 0x02};
    TW_CHECK(encoded_as(expected, sizeof expected));
}

static void varint_zero_is_one_byte(void)
{
    tw_wire_writer out = writer();
    tw_wire_put_varint(&out, 0);
    const unsigned char expected[] = {0x00};
    TW_CHECK(encoded_as(expected, sizeof expected));
}

static void largest_varint_round_trips_in_ten_bytes(void)
{
    tw_wire_writer out = writer();
    tw_wire_put_varint(&out, UINT64_MAX);
    TW_CHECK_INT(encoded.len, 10);
    tw_wire_reader in = reader();
    TW_CHECK(tw_wire_get_varint(&in) == UINT64_MAX);
    TW_CHECK(!in.failed);
}

static void zigzag_maps_minus_one_to_one(void)
{
    tw_wire_writer out = writer();
    tw_wire_put_svarint(&out, -1);
    tw_wire_put_svarint(&out, 1);
    const unsigned char expected[] = {0x01, 0x02};
    TW_CHECK(encoded_as(expected, sizeof expected));
}

static void smallest_svarint_round_trips(void)
{
    tw_wire_writer out = writer();
    tw_wire_put_svarint(&out, INT64_MIN);
    tw_wire_reader in = reader();
    TW_CHECK(tw_wire_get_svarint(&in) == INT64_MIN);
    TW_CHECK(!in.failed);
}

static void double_is_eight_little_endian_bytes(void)
{
    tw_wire_writer out = writer();
    tw_wire_put_double(&out, 1.0);
    const unsigned char expected[] = {0, 0, 0, 0, 0, 0, 0xf0, 0x3f};
    TW_CHECK(encoded_as(expected, sizeof expected));
}

static void string_is_length_prefixed(void)
{
    tw_wire_writer out = writer();
    tw_wire_put_string(&out, "abc");
    const unsigned char expected[] = {0x03, 'a', 'b', 'c'};
    TW_CHECK(encoded_as(expected, sizeof expected));
    tw_wire_reader in = reader();
    char text[STRING_OUT_BYTES];
    tw_wire_get_string(&in, text, sizeof text);
    TW_CHECK_STR(text, "abc");
    TW_CHECK(!in.failed);
}

static void bytes_are_read_in_place(void)
{
    tw_wire_writer out = writer();
    tw_wire_put_bytes(&out, "a\0b", 3);
    tw_wire_reader in = reader();
    const unsigned char *data = NULL;
    TW_CHECK_INT(tw_wire_get_bytes(&in, &data), 3);
    TW_CHECK(data == (const unsigned char *)encoded.data + 1);
    TW_CHECK(!in.failed);
}

static void a_string_too_long_for_its_buffer_fails(void)
{
    tw_wire_writer out = writer();
    tw_wire_put_string(&out, "abcd");
    tw_wire_reader in = reader();
    char text[4];
    tw_wire_get_string(&in, text, sizeof text);
    TW_CHECK(in.failed);
}

static void a_truncated_varint_fails_with_zero(void)
{
    const unsigned char truncated[] = {0x80};
    tw_wire_reader in;
    tw_wire_reader_init(&in, truncated, sizeof truncated);
    TW_CHECK_INT(tw_wire_get_varint(&in), 0);
    TW_CHECK(in.failed);
}

static void a_truncated_double_fails(void)
{
    const unsigned char truncated[] = {0, 0, 0, 0};
    tw_wire_reader in;
    tw_wire_reader_init(&in, truncated, sizeof truncated);
    tw_wire_get_double(&in);
    TW_CHECK(in.failed);
}

static void a_length_past_the_end_fails(void)
{
    const unsigned char short_string[] = {0x05, 'a', 'b'};
    tw_wire_reader in;
    tw_wire_reader_init(&in, short_string, sizeof short_string);
    char text[STRING_OUT_BYTES];
    tw_wire_get_string(&in, text, sizeof text);
    TW_CHECK(in.failed);
}

TW_TEST_MAIN("wire", TW_TEST(varint_300_is_two_bytes), TW_TEST(varint_zero_is_one_byte),
             TW_TEST(largest_varint_round_trips_in_ten_bytes),
             TW_TEST(zigzag_maps_minus_one_to_one), TW_TEST(smallest_svarint_round_trips),
             TW_TEST(double_is_eight_little_endian_bytes), TW_TEST(string_is_length_prefixed),
             TW_TEST(bytes_are_read_in_place), TW_TEST(a_string_too_long_for_its_buffer_fails),
             TW_TEST(a_truncated_varint_fails_with_zero), TW_TEST(a_truncated_double_fails),
             TW_TEST(a_length_past_the_end_fails))
