/* Checked allocation: one out-of-memory handler (a JSON line on stderr, then abort(), so a
 * core dump shows where) behind the C library's allocator. It sits below every other module
 * (tw_log and tw_buf allocate through it), so it writes its line itself, with no allocation. */
#include "tw_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OOM_LINE_BYTES 160

/* Writes one log line for the failed request and aborts; never returns. */
static _Noreturn void out_of_memory(const char *call, size_t bytes)
{
    char line[OOM_LINE_BYTES];
    int len =
        snprintf(line, sizeof line,
                 "{\"level\":\"error\",\"msg\":\"out of memory\",\"call\":\"%s\",\"bytes\":%zu}\n",
                 call, bytes);
    if (len > 0) {
        ssize_t ignored =
            write(STDERR_FILENO, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
        (void)ignored;
    }
    abort();
}

void *tw_xmalloc(size_t bytes)
{
    void *ptr = malloc(bytes ? bytes : 1);
    if (!ptr)
        out_of_memory("malloc", bytes);
    return ptr;
}

void *tw_xcalloc(size_t count, size_t bytes)
{
    void *ptr = calloc(count ? count : 1, bytes ? bytes : 1);
    if (!ptr)
        out_of_memory("calloc", count * bytes);
    return ptr;
}

void *tw_xrealloc(void *ptr, size_t bytes)
{
    void *grown = realloc(ptr, bytes ? bytes : 1);
    if (!grown)
        out_of_memory("realloc", bytes);
    return grown;
}

char *tw_xstrdup(const char *text)
{
    size_t len = strlen(text) + 1;
    char *copy = tw_xmalloc(len);
    memcpy(copy, text, len);
    return copy;
}
