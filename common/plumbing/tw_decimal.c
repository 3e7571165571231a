/* Decimal formatting and parsing; see tw_decimal.h. */
#include "tw_decimal.h"

#include <math.h>

#define FIXED3_SCALE 1000
#define EXACT_MANTISSA_LIMIT (UINT64_C(1) << 53)
#define EXACT_POWER_OF_TEN_MAX 22
#define SIGNIFICANT_DIGITS_MAX 19

size_t tw_format_u64(uint64_t value, char *out)
{
    char reversed[TW_DECIMAL_MAX_BYTES];
    size_t n = 0;
    do {
        reversed[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    for (size_t i = 0; i < n; i++)
        out[i] = reversed[n - 1 - i];
    return n;
}

size_t tw_format_i64(int64_t value, char *out)
{
    if (value >= 0)
        return tw_format_u64((uint64_t)value, out);
    out[0] = '-';
    return 1 + tw_format_u64((uint64_t)0 - (uint64_t)value, out + 1);
}

size_t tw_format_fixed3(double value, char *out)
{
    size_t n = 0;
    if (signbit(value) && value != 0) {
        out[n++] = '-';
        value = -value;
    }
    /* llround(value * 1000) rounds the product, "%.3f" the exact binary value: they can
     * differ in the last digit only when the product falls within one rounding step of
     * a tie; either text is within 0.0005 of the value */
    uint64_t scaled = (uint64_t)llround(value * FIXED3_SCALE);
    n += tw_format_u64(scaled / FIXED3_SCALE, out + n);
    uint64_t fraction = scaled % FIXED3_SCALE;
    out[n++] = '.';
    out[n++] = (char)('0' + fraction / 100);
    out[n++] = (char)('0' + fraction / 10 % 10);
    out[n++] = (char)('0' + fraction % 10);
    return n;
}

tw_decimal_status tw_parse_u64(const char *text, size_t len, uint64_t *out)
{
    if (len == 0)
        return TW_DECIMAL_NOT_DIGITS;
    uint64_t value = 0;
    bool overflow = false;
    for (size_t i = 0; i < len; i++) {
        unsigned digit = (unsigned char)text[i] - '0';
        if (digit > 9)
            return TW_DECIMAL_NOT_DIGITS; /* wins over overflow: "99...9x" is no number */
        if (value > (UINT64_MAX - digit) / 10)
            overflow = true;
        value = value * 10 + digit;
    }
    if (overflow)
        return TW_DECIMAL_OVERFLOW;
    *out = value;
    return TW_DECIMAL_OK;
}

tw_decimal_status tw_parse_i64(const char *text, size_t len, int64_t *out)
{
    bool negative = len > 0 && text[0] == '-';
    const char *digits = text + negative;
    size_t count = len - negative;
    if (count == 0 || (digits[0] == '0' && (count > 1 || negative)))
        return TW_DECIMAL_NOT_DIGITS;
    uint64_t magnitude = 0;
    tw_decimal_status status = tw_parse_u64(digits, count, &magnitude);
    if (status != TW_DECIMAL_OK)
        return status;
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (magnitude > limit)
        return TW_DECIMAL_OVERFLOW;
    *out = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
    return TW_DECIMAL_OK;
}

/* 10^k for k <= EXACT_POWER_OF_TEN_MAX: every one is exact in a double. */
static double power_of_ten(unsigned k)
{
    static const double powers[EXACT_POWER_OF_TEN_MAX + 1] = {
        1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    return powers[k];
}

bool tw_parse_simple_decimal(const char *text, size_t len, double *out)
{
    uint64_t mantissa = 0;
    unsigned digits = 0, decimals = 0;
    bool seen_point = false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '.' && !seen_point && i > 0) {
            seen_point = true;
            continue;
        }
        unsigned digit = (unsigned char)text[i] - '0';
        if (digit > 9 || ++digits > SIGNIFICANT_DIGITS_MAX)
            return false;
        mantissa = mantissa * 10 + digit;
        decimals += seen_point;
    }
    if (digits == 0 || (seen_point && text[len - 1] == '.') || mantissa >= EXACT_MANTISSA_LIMIT ||
        decimals > EXACT_POWER_OF_TEN_MAX)
        return false;
    /* both operands are exact, so the one division is correctly rounded: strtod's result */
    *out = (double)mantissa / power_of_ten(decimals);
    return true;
}
