/* UTF-8 validation, for text that came from outside and is about to be echoed in JSON or
 * routed on: overlong forms, surrogates and code points above U+10FFFF are invalid. */
#ifndef TW_UTF8_H
#define TW_UTF8_H

#include <stddef.h>

/* Length (1..4) of the valid UTF-8 character that starts the len bytes at text; 0 when
 * those bytes do not start with one (len == 0 included). */
size_t tw_utf8_char_len(const unsigned char *text, size_t len);

#endif
