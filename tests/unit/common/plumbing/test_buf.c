/* Growable buffers: JSON string escaping, valid UTF-8 kept, invalid bytes replaced. */
#include "tw_buf.h"
#include "tw_test.h"

static void test_json_string_escaping(void)
{
    tw_buf out;
    tw_buf_init(&out);
    tw_buf_json_string(&out, "a\"b\\c\n\x01");
    TW_CHECK_STR(out.data, "\"a\\\"b\\\\c\\u000a\\u0001\"");
    tw_buf_free(&out);
    char small[8];
    tw_buf fixed;
    tw_buf_init_fixed(&fixed, small, sizeof small);
    tw_buf_puts(&fixed, "0123456789");
    TW_CHECK_STR(fixed.data, "0123456");
    TW_CHECK(fixed.truncated);
}

static void test_json_string_keeps_utf8_and_replaces_invalid_bytes(void)
{
    tw_buf out;
    tw_buf_init(&out);
    tw_buf_json_string(&out, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa1");
    TW_CHECK_STR(out.data, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa1\"");
    tw_buf_reset(&out);
    /* a lone 0xff, a truncated sequence at the end, an overlong '/', a surrogate */
    tw_buf_json_string(&out, "/\xff/\xc0\xaf/\xed\xa0\x80/\xe2\x82");
    TW_CHECK_STR(out.data, "\"/\\ufffd/\\ufffd\\ufffd/\\ufffd\\ufffd\\ufffd/\\ufffd\\ufffd\"");
    tw_buf_free(&out);
}

TW_TEST_MAIN("buf", TW_TEST(test_json_string_escaping),
             TW_TEST(test_json_string_keeps_utf8_and_replaces_invalid_bytes))
