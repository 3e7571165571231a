/* Decimal formatting and parsing, checked against printf and strtod. */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "tw_decimal.h"
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

static void test_parse_u64_is_strict(void)
{
    uint64_t value = 0;
    TW_CHECK_INT(tw_parse_u64("1795328456", 10, &value), TW_DECIMAL_OK);
    TW_CHECK(value == 1795328456);
    TW_CHECK_INT(tw_parse_u64("18446744073709551615", 20, &value), TW_DECIMAL_OK);
    TW_CHECK(value == UINT64_MAX);
    TW_CHECK_INT(tw_parse_u64("18446744073709551616", 20, &value), TW_DECIMAL_OVERFLOW);
    TW_CHECK_INT(tw_parse_u64("184467440737095516160x", 22, &value), TW_DECIMAL_NOT_DIGITS);
    TW_CHECK_INT(tw_parse_u64("", 0, &value), TW_DECIMAL_NOT_DIGITS);
    TW_CHECK_INT(tw_parse_u64("+1", 2, &value), TW_DECIMAL_NOT_DIGITS);
    TW_CHECK_INT(tw_parse_u64(" 1", 2, &value), TW_DECIMAL_NOT_DIGITS);
    TW_CHECK_INT(tw_parse_u64("1\0", 2, &value), TW_DECIMAL_NOT_DIGITS);
}

/* Every text the fast path takes gives strtod's exact double; the rest is refused. */
static void test_simple_decimal_equals_strtod(void)
{
    char text[64];
    uint64_t state = 7;
    for (int i = 0; i < 200000; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        int decimals = (int)(state >> 60) % 8;
        double value = (double)(state >> 11) / (double)(1ULL << 53) * 1e6;
        int len = snprintf(text, sizeof text, "%.*f", decimals, value);
        double fast = -1;
        TW_CHECK(tw_parse_simple_decimal(text, (size_t)len, &fast));
        if (fast != strtod(text, NULL)) {
            TW_CHECK_STR(text, "a value strtod reads differently");
            break;
        }
    }
    const char *refused[] = {"", ".", "1.", ".5", "1e5", "-1", "+1", "1.2.3", "nan", "inf",
                             "12345678901234567890", "9007199254740993", "1.00000000000000000000001"};
    double out = 0;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        TW_CHECK(!tw_parse_simple_decimal(refused[i], strlen(refused[i]), &out));
    TW_CHECK(tw_parse_simple_decimal("0.1", 3, &out) && out == 0.1);
}

static void test_parse_i64_takes_only_canonical_decimals(void)
{
    int64_t out = 7;
    TW_CHECK_INT(tw_parse_i64("60", 2, &out), TW_DECIMAL_OK);
    TW_CHECK_INT(out, 60);
    TW_CHECK_INT(tw_parse_i64("0", 1, &out), TW_DECIMAL_OK);
    TW_CHECK_INT(out, 0);
    TW_CHECK_INT(tw_parse_i64("-60", 3, &out), TW_DECIMAL_OK);
    TW_CHECK_INT(out, -60);
    TW_CHECK_INT(tw_parse_i64("9223372036854775807", 19, &out), TW_DECIMAL_OK);
    TW_CHECK(out == INT64_MAX);
    TW_CHECK_INT(tw_parse_i64("-9223372036854775808", 20, &out), TW_DECIMAL_OK);
    TW_CHECK(out == INT64_MIN);
    TW_CHECK_INT(tw_parse_i64("9223372036854775808", 19, &out), TW_DECIMAL_OVERFLOW);
    TW_CHECK_INT(tw_parse_i64("-9223372036854775809", 20, &out), TW_DECIMAL_OVERFLOW);
    const char *refused[] = {"", "-", "+60", " 60", "60 ", "060", "00", "-0", "-060", "6O",
                             "0x10", "1e3", "--1", "6\t"};
    out = 7;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        TW_CHECK_INT(tw_parse_i64(refused[i], strlen(refused[i]), &out), TW_DECIMAL_NOT_DIGITS);
    TW_CHECK_INT(out, 7);
    TW_CHECK_INT(tw_parse_i64("60\0", 3, &out), TW_DECIMAL_NOT_DIGITS);
}

TW_TEST_MAIN("decimal", TW_TEST(test_integers_match_printf), TW_TEST(test_fixed3_matches_printf),
             TW_TEST(test_parse_u64_is_strict), TW_TEST(test_simple_decimal_equals_strtod),
             TW_TEST(test_parse_i64_takes_only_canonical_decimals))
