/* UTF-8 validation: each well-formed length accepted, every RFC 3629 exclusion refused. */
#include <string.h>

#include "tw_test.h"
#include "tw_utf8.h"

static size_t len_of(const char *text)
{
    return tw_utf8_char_len((const unsigned char *)text, strlen(text));
}

static void well_formed_characters_have_their_length(void)
{
    TW_CHECK_INT(len_of("a"), 1);
    TW_CHECK_INT(len_of("\xc3\xa9"), 2);         /* U+00E9 */
    TW_CHECK_INT(len_of("\xe2\x82\xac"), 3);     /* U+20AC */
    TW_CHECK_INT(len_of("\xef\xbf\xbd"), 3);     /* U+FFFD */
    TW_CHECK_INT(len_of("\xf0\x9f\x93\xa1"), 4); /* U+1F4E1 */
    TW_CHECK_INT(len_of("\xf4\x8f\xbf\xbf"), 4); /* U+10FFFF */
    TW_CHECK_INT(len_of("\xc3\xa9xyz"), 2);      /* only the first character counts */
}

static void malformed_sequences_are_refused(void)
{
    const char *refused[] = {
        "\x80",             /* continuation without a lead */
        "\xff",             /* never in UTF-8 */
        "\xc0\xaf",         /* overlong '/' */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\xaf",     /* overlong '/' in 3 bytes */
        "\xed\xa0\x80",     /* surrogate U+D800 */
        "\xf0\x80\x80\xaf", /* overlong in 4 bytes */
        "\xf4\x90\x80\x80", /* U+110000 */
        "\xf5\x80\x80\x80", /* lead above 0xf4 */
        "\xe2\x82",         /* truncated */
        "\xc3(",            /* lead followed by a non-continuation */
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        TW_CHECK_INT(len_of(refused[i]), 0);
    TW_CHECK_INT(tw_utf8_char_len((const unsigned char *)"a", 0), 0);
}

TW_TEST_MAIN("utf8", TW_TEST(well_formed_characters_have_their_length),
             TW_TEST(malformed_sequences_are_refused))
