/* Files embedded in a binary at build time with the assembler's .incbin, so a service's
 * page ships inside it: nothing to install beside the binary, no CDN. The build runs from
 * the repository root, so file paths start there; a module.mk makes the embedding object
 * depend on the files.
 *
 *   TW_EMBED(page_index_html, "dashboard/static/index.html");
 *   static const tw_embedded files[] = {
 *       TW_EMBEDDED("/", TW_EMBED_HTML, page_index_html),
 *   };
 */
#ifndef TW_EMBED_H
#define TW_EMBED_H

#include <stddef.h>
#include <stdint.h>

/* Emits file's bytes as sym and their count as sym_len (a 64-bit word computed by the
 * assembler), so C never subtracts pointers to different objects. Use at file scope. */
#define TW_EMBED(sym, file)                                                                        \
    __asm__(".section .rodata\n"                                                                   \
            ".balign 16\n" #sym ":\n"                                                              \
            ".incbin \"" file "\"\n"                                                               \
            "1:\n"                                                                                 \
            ".balign 8\n" #sym "_len:\n"                                                           \
            ".quad 1b - " #sym "\n"                                                                \
            ".previous\n");                                                                        \
    extern const char sym[];                                                                       \
    extern const uint64_t sym##_len

/* Content types of the files a page is made of. */
#define TW_EMBED_HTML "text/html; charset=utf-8"
#define TW_EMBED_CSS "text/css; charset=utf-8"
#define TW_EMBED_JS "text/javascript; charset=utf-8"

/* The table entry serving TW_EMBED's sym at path with content_type. */
#define TW_EMBEDDED(path, content_type, sym)                                                       \
    {                                                                                              \
        (path), (content_type), sym, &sym##_len                                                    \
    }

/* One embedded file in a service's table. */
typedef struct {
    const char *path;         /* URL path served, e.g. "/static/app.js" */
    const char *content_type; /* MIME type */
    const char *data;         /* the bytes (TW_EMBED's sym) */
    const uint64_t *len;      /* their count (TW_EMBED's sym_len) */
} tw_embedded;

/* A file found in a table, ready to send. */
typedef struct {
    const char *content_type; /* MIME type */
    const char *data;         /* the bytes */
    size_t len;               /* byte count */
} tw_embedded_file;

/* Fills out with the file served at path among table's count entries (exact match only, so
 * no request can name anything else); 1 if found, else 0. */
int tw_embed_find(const tw_embedded *table, size_t count, const char *path, tw_embedded_file *out);

#endif
