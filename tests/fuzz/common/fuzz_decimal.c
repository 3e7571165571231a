/* Fuzzes tw_decimal: the strict integer parser against a 128-bit reference, the fast
 * decimal parser against strtod (it must agree exactly whenever it accepts), and the
 * formatters through the parsers (formatting then parsing is identity). */
#include <math.h>
#include <string.h>

#include "tw_decimal.h"
#include "tw_fuzz.h"

#define TEXT_MAX 128

static void check_parse_u64(const char *text, size_t len)
{
    uint64_t got = 0;
    tw_decimal_status status = tw_parse_u64(text, len, &got);
    bool digits = len > 0;
    unsigned __int128 value = 0;
    bool overflow = false;
    for (size_t i = 0; i < len && digits; i++) {
        digits = text[i] >= '0' && text[i] <= '9';
        value = value * 10 + (unsigned)(text[i] - '0');
        overflow |= value > UINT64_MAX;
        if (overflow)
            value = (unsigned __int128)UINT64_MAX + 1; /* keep it bounded */
    }
    if (!digits)
        TW_FUZZ_CHECK(status == TW_DECIMAL_NOT_DIGITS);
    else if (overflow)
        TW_FUZZ_CHECK(status == TW_DECIMAL_OVERFLOW);
    else
        TW_FUZZ_CHECK(status == TW_DECIMAL_OK && got == (uint64_t)value);
}

static void check_simple_decimal(const char *text, size_t len)
{
    double got;
    if (!tw_parse_simple_decimal(text, len, &got))
        return;
    char copy[TEXT_MAX + 1];
    memcpy(copy, text, len);
    copy[len] = '\0';
    char *end = NULL;
    double expected = strtod(copy, &end);
    TW_FUZZ_CHECK(end == copy + len);
    TW_FUZZ_CHECK(got == expected);
}

static void check_formatters(const uint8_t *data, size_t size)
{
    uint64_t bits = 0;
    memcpy(&bits, data, size < sizeof bits ? size : sizeof bits);
    char out[TW_DECIMAL_MAX_BYTES + 8], ref[32];
    uint64_t back = 0;
    size_t n = tw_format_u64(bits, out);
    TW_FUZZ_CHECK(n <= TW_DECIMAL_MAX_BYTES);
    TW_FUZZ_CHECK(tw_parse_u64(out, n, &back) == TW_DECIMAL_OK && back == bits);
    n = tw_format_i64((int64_t)bits, out);
    snprintf(ref, sizeof ref, "%lld", (long long)(int64_t)bits);
    TW_FUZZ_CHECK(n == strlen(ref) && memcmp(out, ref, n) == 0);
    double value;
    memcpy(&value, &bits, sizeof value);
    if (!isfinite(value) || fabs(value) >= 9.2e15)
        return;
    n = tw_format_fixed3(value, out);
    out[n] = '\0';
    double parsed = strtod(out, NULL);
    TW_FUZZ_CHECK(fabs(parsed - value) <= 0.0005 + 2 * fabs(value) * 0x1p-52);
}

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > TEXT_MAX)
        return 0;
    const char *text = (const char *)data;
    check_parse_u64(text, size);
    check_simple_decimal(text, size);
    check_formatters(data, size);
    return 0;
}
