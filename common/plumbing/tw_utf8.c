/* UTF-8 validation; see tw_utf8.h. The table is RFC 3629's well-formed byte sequences. */
#include "tw_utf8.h"

#include <stdbool.h>

#define UTF8_ASCII_END 0x80
#define UTF8_CONT_LOW 0x80
#define UTF8_CONT_HIGH 0xbf

static bool in_range(unsigned char byte, unsigned char low, unsigned char high)
{
    return byte >= low && byte <= high;
}

size_t tw_utf8_char_len(const unsigned char *text, size_t len)
{
    if (len == 0)
        return 0;
    unsigned char lead = text[0];
    if (lead < UTF8_ASCII_END)
        return 1;
    size_t need;
    unsigned char low = UTF8_CONT_LOW, high = UTF8_CONT_HIGH; /* range of the 2nd byte */
    if (in_range(lead, 0xc2, 0xdf)) {
        need = 2;
    } else if (in_range(lead, 0xe0, 0xef)) {
        need = 3;
        if (lead == 0xe0)
            low = 0xa0; /* overlong below U+0800 */
        else if (lead == 0xed)
            high = 0x9f; /* surrogates U+D800..U+DFFF */
    } else if (in_range(lead, 0xf0, 0xf4)) {
        need = 4;
        if (lead == 0xf0)
            low = 0x90; /* overlong below U+10000 */
        else if (lead == 0xf4)
            high = 0x8f; /* above U+10FFFF */
    } else {
        return 0; /* a continuation byte, an overlong 2-byte lead, or 0xf5..0xff */
    }
    if (len < need || !in_range(text[1], low, high))
        return 0;
    for (size_t i = 2; i < need; i++) {
        if (!in_range(text[i], UTF8_CONT_LOW, UTF8_CONT_HIGH))
            return 0;
    }
    return need;
}
