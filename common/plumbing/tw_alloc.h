/* The one allocation policy: checked allocation that logs and aborts when memory runs out,
 * as Redis' zmalloc and h2o's h2o_mem_alloc do. Callers never test for NULL; a service
 * without memory has nothing sensible left to do, and a half-built structure is worse.
 * cJSON keeps the C library's allocator on purpose: cJSON_InitHooks with any other pair of
 * functions turns off its realloc path, so every growth of a print buffer would become
 * malloc, copy and free; its functions accept the NULL a failed allocation leaves, and
 * tw_http_reply_json answers 500 when printing fails. */
#ifndef TW_ALLOC_H
#define TW_ALLOC_H

#include <stddef.h>

/* malloc(bytes) that never returns NULL (a zero size allocates one byte). */
void *tw_xmalloc(size_t bytes);
/* calloc(count, bytes) that never returns NULL, overflow of count * bytes included. */
void *tw_xcalloc(size_t count, size_t bytes);
/* realloc(ptr, bytes) that never returns NULL; ptr stays owned by the caller until then. */
void *tw_xrealloc(void *ptr, size_t bytes);
/* strdup(text) that never returns NULL. */
char *tw_xstrdup(const char *text);

#endif
