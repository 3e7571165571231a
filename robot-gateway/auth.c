/* Constant-time bearer token comparison and token generation from the kernel's CSPRNG. */
#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "tw_status.h"

static const char bearer_prefix[] = "Bearer ";

bool rg_auth_check(const char *header, const char *token)
{
    if (!header || !token || strncmp(header, bearer_prefix, sizeof bearer_prefix - 1) != 0)
        return false;
    const char *given = header + sizeof bearer_prefix - 1;
    size_t given_len = strlen(given), token_len = strlen(token);
    /* Walk the whole expected token whatever the given one holds. */
    volatile unsigned char diff = (unsigned char)(given_len != token_len);
    for (size_t i = 0; i < token_len; i++) {
        unsigned char g = i < given_len ? (unsigned char)given[i] : 0;
        diff |= (unsigned char)(g ^ (unsigned char)token[i]);
    }
    return token_len > 0 && diff == 0;
}

int rg_auth_generate(char *out, size_t out_size)
{
    unsigned char bytes[RG_TOKEN_BYTES];
    if (out_size < 2 * RG_TOKEN_BYTES + 1 || getrandom(bytes, sizeof bytes, 0) != sizeof bytes)
        return TW_ERR;
    for (size_t i = 0; i < sizeof bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", bytes[i]);
    return TW_OK;
}
