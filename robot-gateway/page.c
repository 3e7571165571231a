/* Embeds robot-gateway/static/ into the binary with the assembler's .incbin, so the page
 * ships inside robot-gateway with no install step and no CDN; /theme.css is the dashboard's
 * own stylesheet (dashboard/static/app.css), so both pages share one visual language from
 * one source file. module.mk makes page.o depend on the files. */
#include "page.h"

#include <stdint.h>
#include <string.h>

/* Emits the file's bytes as sym and its length as sym_len (a 64-bit word), so C never
 * subtracts pointers to different objects. */
#define EMBED(sym, file)                                                                           \
    __asm__(".section .rodata\n"                                                                   \
            ".balign 16\n" #sym ":\n"                                                              \
            ".incbin \"" file "\"\n"                                                               \
            "1:\n"                                                                                 \
            ".balign 8\n" #sym "_len:\n"                                                           \
            ".quad 1b - " #sym "\n"                                                                \
            ".previous\n");                                                                        \
    extern const char sym[];                                                                       \
    extern const uint64_t sym##_len

EMBED(rg_index_html, "robot-gateway/static/index.html");
EMBED(rg_app_js, "robot-gateway/static/app.js");
EMBED(rg_style_css, "robot-gateway/static/style.css");
EMBED(rg_theme_css, "dashboard/static/app.css");

int rg_page_find(const char *path, rg_page_file *out)
{
    const rg_page_file files[] = {
        {"/", "text/html; charset=utf-8", rg_index_html, (size_t)rg_index_html_len},
        {"/app.js", "text/javascript; charset=utf-8", rg_app_js, (size_t)rg_app_js_len},
        {"/style.css", "text/css; charset=utf-8", rg_style_css, (size_t)rg_style_css_len},
        {"/theme.css", "text/css; charset=utf-8", rg_theme_css, (size_t)rg_theme_css_len},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (!strcmp(files[i].path, path)) {
            *out = files[i];
            return 1;
        }
    }
    return 0;
}
