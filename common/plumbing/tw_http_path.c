/* Strict request path decoding; see tw_http_path.h. */
#include "tw_http_path.h"

#include <stdbool.h>
#include <string.h>

#include "tw_status.h"
#include "tw_utf8.h"

#define ASCII_CONTROL_END 0x20
#define ASCII_DEL 0x7f

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes raw into out; TW_OK, TW_FULL or TW_INVALID (bad escape). */
static int percent_decode(const char *raw, char *out, size_t out_size, size_t *out_len,
                          const char **reason)
{
    size_t n = 0;
    for (const char *p = raw; *p; p++) {
        char c = *p;
        if (c == '%') {
            int high = hex_value(p[1]);
            int low = high < 0 ? -1 : hex_value(p[2]);
            if (low < 0) {
                *reason = "a '%' not followed by two hex digits";
                return TW_INVALID;
            }
            c = (char)(high * 16 + low);
            p += 2;
        }
        if (n + 1 >= out_size)
            return TW_FULL;
        out[n++] = c;
    }
    out[n] = '\0';
    *out_len = n;
    return TW_OK;
}

/* Checks the decoded bytes: no NUL or control byte, valid UTF-8. */
static int check_bytes(const char *path, size_t len, const char **reason)
{
    const unsigned char *p = (const unsigned char *)path;
    for (size_t i = 0; i < len;) {
        if (p[i] < ASCII_CONTROL_END || p[i] == ASCII_DEL) {
            *reason = "a NUL or control byte";
            return TW_INVALID;
        }
        size_t char_len = tw_utf8_char_len(p + i, len - i);
        if (char_len == 0) {
            *reason = "bytes that are not UTF-8";
            return TW_INVALID;
        }
        i += char_len;
    }
    return TW_OK;
}

/* True when a segment of path is "." or "..". */
static bool has_dot_segment(const char *path)
{
    for (const char *seg = path; seg; seg = strchr(seg, '/')) {
        seg++; /* past the '/' (path starts with one, checked by the caller) */
        size_t len = strcspn(seg, "/");
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return true;
    }
    return false;
}

int tw_http_path_decode(const char *raw, char *out, size_t out_size, const char **reason)
{
    *reason = "";
    if (raw[0] != '/') {
        *reason = "a path that does not start with '/'";
        return TW_INVALID;
    }
    size_t len = 0;
    int rc = percent_decode(raw, out, out_size, &len, reason);
    if (rc != TW_OK)
        return rc;
    if (check_bytes(out, len, reason) != TW_OK)
        return TW_INVALID;
    if (has_dot_segment(out)) {
        *reason = "a '.' or '..' segment";
        return TW_INVALID;
    }
    return TW_OK;
}
