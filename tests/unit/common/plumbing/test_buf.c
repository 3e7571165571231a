/* Growable buffers: JSON string escaping. */
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

TW_TEST_MAIN("buf", TW_TEST(test_json_string_escaping))
