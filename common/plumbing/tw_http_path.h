/* Request paths as the services route on them: percent-decoded once, strictly. A path
 * that could mean two things (a NUL byte that would cut it short, a control byte, bytes
 * that are not UTF-8, a "." or ".." segment) is refused rather than guessed at. */
#ifndef TW_HTTP_PATH_H
#define TW_HTTP_PATH_H

#include <stddef.h>

/* Longest decoded path the services route on, bytes. */
#define TW_HTTP_PATH_MAX_BYTES 1024

/* Decodes the raw request path (still percent-encoded, without the query) into out.
 * TW_OK; TW_FULL when it does not fit in out_size; TW_INVALID with a reason (a static
 * string that does not echo the path) for a bad escape, a NUL or control byte, invalid
 * UTF-8, or a dot segment. */
int tw_http_path_decode(const char *raw, char *out, size_t out_size, const char **reason);

#endif
