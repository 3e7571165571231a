/* RESP encoding, checked against the wire format. */
#include "tw_resp.h"
#include "tw_test.h"

static void test_command_encoding(void)
{
    tw_buf out;
    tw_buf_init(&out);
    tw_resp_array(&out, 4);
    tw_resp_bulk_str(&out, "XACK");
    tw_resp_bulk(&out, "s\r\n", 3); /* binary-safe */
    tw_resp_bulk_i64(&out, -12);
    tw_resp_bulk_stream_id(&out, 1795328456123, 7);
    TW_CHECK_STR(out.data, "*4\r\n$4\r\nXACK\r\n$3\r\ns\r\n\r\n$3\r\n-12\r\n$15\r\n1795328456123-7\r\n");
    tw_buf_reset(&out);
    tw_resp_bulk_u64(&out, 0);
    TW_CHECK_STR(out.data, "$1\r\n0\r\n");
    tw_buf_free(&out);
}

static void test_fixed_buffer_without_room_is_marked_truncated(void)
{
    char storage[12];
    tw_buf out;
    tw_buf_init_fixed(&out, storage, sizeof storage);
    tw_resp_bulk_str(&out, "XACK"); /* 10 bytes: fits with the NUL */
    TW_CHECK_STR(out.data, "$4\r\nXACK\r\n");
    TW_CHECK(!out.truncated);
    tw_resp_bulk_str(&out, "x");
    TW_CHECK(out.truncated);
    TW_CHECK_INT(out.len, 10); /* never a partial argument */
}

TW_TEST_MAIN("resp", TW_TEST(test_command_encoding),
             TW_TEST(test_fixed_buffer_without_room_is_marked_truncated))
