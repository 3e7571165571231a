/* The one allocation policy: checked allocation that logs and aborts when memory runs out,
 * as Redis' zmalloc and h2o's h2o_mem_alloc do. Callers never test for NULL; a service
 * without memory has nothing sensible left to do, and a half-built structure is worse. */
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
