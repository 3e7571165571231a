/* Decimal numbers without printf or strto*: formatting for the RESP writers and strict
 * parsing for the record reader. Both run once per field of every record, where the
 * C library's locale-aware, format-parsing routines dominated the profiles. */
#ifndef TW_DECIMAL_H
#define TW_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest decimal text of a 64-bit integer, sign included. */
#define TW_DECIMAL_MAX_BYTES 20

/* Writes value in decimal into out (at least TW_DECIMAL_MAX_BYTES); returns its length. */
size_t tw_format_u64(uint64_t value, char *out);
/* Writes value in decimal, with a '-' when negative; returns its length. */
size_t tw_format_i64(int64_t value, char *out);
/* Writes value rounded to 3 decimals ("%.3f" for finite values with |value| < 9.2e15);
 * out holds at least TW_DECIMAL_MAX_BYTES + 5 bytes; returns its length. */
size_t tw_format_fixed3(double value, char *out);

/* Outcome of tw_parse_u64. */
typedef enum {
    TW_DECIMAL_OK,          /* *out holds the value */
    TW_DECIMAL_NOT_DIGITS,  /* empty, or a byte that is not 0-9 */
    TW_DECIMAL_OVERFLOW     /* more than 64 bits */
} tw_decimal_status;

/* Parses len bytes that must all be digits 0-9 (no sign, no space). */
tw_decimal_status tw_parse_u64(const char *text, size_t len, uint64_t *out);
/* Parses the canonical decimal text of an int64: an optional '-', then digits without a
 * leading zero ("0" itself, but not "-0", "007", "+1" or " 1"). */
tw_decimal_status tw_parse_i64(const char *text, size_t len, int64_t *out);
/* Parses "digits[.digits]" (no sign, no exponent) when the result is exactly what strtod
 * gives: at most 19 significant digits forming a value below 2^53, at most 22 decimals.
 * Returns false for anything else, which the caller hands to strtod. */
bool tw_parse_simple_decimal(const char *text, size_t len, double *out);

#endif
