/* Strict request path decoding: what routes, what is refused, and the reasons. */
#include <string.h>

#include "tw_http_path.h"
#include "tw_status.h"
#include "tw_test.h"

static int decode(const char *raw, char *out, size_t out_size, const char **reason)
{
    return tw_http_path_decode(raw, out, out_size, reason);
}

static void plain_and_escaped_paths_decode(void)
{
    char out[TW_HTTP_PATH_MAX_BYTES];
    const char *reason = NULL;
    TW_CHECK_INT(decode("/api/v1/antennas/tower-1", out, sizeof out, &reason), TW_OK);
    TW_CHECK_STR(out, "/api/v1/antennas/tower-1");
    TW_CHECK_INT(decode("/api/v1/antennas/tower%2D1", out, sizeof out, &reason), TW_OK);
    TW_CHECK_STR(out, "/api/v1/antennas/tower-1");
    TW_CHECK_INT(decode("/caf%C3%A9/a+b", out, sizeof out, &reason), TW_OK);
    TW_CHECK_STR(out, "/caf\xc3\xa9/a+b");
    TW_CHECK_INT(decode("/", out, sizeof out, &reason), TW_OK);
    TW_CHECK_STR(out, "/");
    TW_CHECK_INT(decode("/static/app.js", out, sizeof out, &reason), TW_OK);
    TW_CHECK_INT(decode("/a/.hidden/..x/x..", out, sizeof out, &reason), TW_OK);
}

static void ambiguous_paths_are_refused_with_a_reason(void)
{
    const struct {
        const char *raw;
        const char *reason;
    } cases[] = {
        {"/api/v1/antennas/%00", "a NUL or control byte"},
        {"/api/v1/antennas/a%00b", "a NUL or control byte"},
        {"/x%0d%0aSet-Cookie:%20a", "a NUL or control byte"},
        {"/x%7f", "a NUL or control byte"},
        {"/x%ff", "bytes that are not UTF-8"},
        {"/x%c0%af", "bytes that are not UTF-8"},
        {"/x%e2%82", "bytes that are not UTF-8"},
        {"/x%zz", "a '%' not followed by two hex digits"},
        {"/x%4", "a '%' not followed by two hex digits"},
        {"/x%", "a '%' not followed by two hex digits"},
        {"/static/%2e%2e/app.js", "a '.' or '..' segment"},
        {"/static/..%2fmain.c", "a '.' or '..' segment"}, /* %2f decodes to a separator */
        {"/%2e", "a '.' or '..' segment"},
        {"/a/./b", "a '.' or '..' segment"},
        {"/a/..", "a '.' or '..' segment"},
        {"api/v1", "a path that does not start with '/'"},
    };
    char out[TW_HTTP_PATH_MAX_BYTES];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *reason = NULL;
        TW_CHECK_INT(decode(cases[i].raw, out, sizeof out, &reason), TW_INVALID);
        TW_CHECK_STR(reason, cases[i].reason);
    }
}

static void a_path_longer_than_the_buffer_is_full(void)
{
    char out[8];
    const char *reason = NULL;
    TW_CHECK_INT(decode("/1234567", out, sizeof out, &reason), TW_FULL);
    TW_CHECK_INT(decode("/123456", out, sizeof out, &reason), TW_OK);
    TW_CHECK_INT(decode("/12345%36", out, sizeof out, &reason), TW_OK);
    TW_CHECK_STR(out, "/123456");
}

TW_TEST_MAIN("http_path", TW_TEST(plain_and_escaped_paths_decode),
             TW_TEST(ambiguous_paths_are_refused_with_a_reason),
             TW_TEST(a_path_longer_than_the_buffer_is_full))
