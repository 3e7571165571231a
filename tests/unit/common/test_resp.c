/* RESP encoding and fast number formatting, checked against printf and the wire format. */
#include <inttypes.h>
#include <stdint.h>

#include "tw_resp.h"
#include "tw_test.h"

static void test_integers_match_printf(void)
{
    const int64_t samples[] = {0, 1, -1, 9, 10, 99, 100, 1795328456, -1795328456123750,
                               INT64_MAX, INT64_MIN};
    char mine[TW_DECIMAL_MAX_BYTES + 1], theirs[32];
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        mine[tw_format_i64(samples[i], mine)] = '\0';
        snprintf(theirs, sizeof theirs, "%" PRId64, samples[i]);
        TW_CHECK_STR(mine, theirs);
    }
    mine[tw_format_u64(UINT64_MAX, mine)] = '\0';
    TW_CHECK_STR(mine, "18446744073709551615");
}

static void test_fixed3_matches_printf(void)
{
    char mine[TW_DECIMAL_MAX_BYTES + 6], theirs[64];
    uint64_t state = 42;
    for (int i = 0; i < 200000; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        /* latencies as the simulator makes them: 0..100000 ms, any fraction */
        double value = (double)(state >> 11) / (double)(1ULL << 53) * 100000.0;
        if (i % 7 == 0)
            value = (double)(state % 100000) / 1000.0; /* values with exactly 3 decimals */
        mine[tw_format_fixed3(value, mine)] = '\0';
        snprintf(theirs, sizeof theirs, "%.3f", value);
        if (strcmp(mine, theirs) != 0) {
            TW_CHECK_STR(mine, theirs);
            break;
        }
    }
    mine[tw_format_fixed3(-2.5, mine)] = '\0';
    TW_CHECK_STR(mine, "-2.500");
    mine[tw_format_fixed3(0, mine)] = '\0';
    TW_CHECK_STR(mine, "0.000");
}

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

TW_TEST_MAIN("resp", TW_TEST(test_integers_match_printf), TW_TEST(test_fixed3_matches_printf),
             TW_TEST(test_command_encoding),
             TW_TEST(test_fixed_buffer_without_room_is_marked_truncated))
