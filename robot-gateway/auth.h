/* Bearer-token checks for the gateway's POSTs, compared in constant time, and the random
 * token generated when none is configured. */
#ifndef RG_AUTH_H
#define RG_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define RG_TOKEN_BYTES 16 /* random bytes in a generated token (hex doubles it) */

/* True when header is exactly "Bearer <token>"; the comparison time does not depend on
 * where the header's bytes differ from the token. */
bool rg_auth_check(const char *header, const char *token);
/* Writes a fresh random token as hex into out (>= 2 * RG_TOKEN_BYTES + 1 bytes). */
int rg_auth_generate(char *out, size_t out_size);

#endif
