/* Embedded page assets: each file under dashboard/static is pulled in by the assembler's
 * .incbin (the build runs from the repository root; dashboard/module.mk makes this object
 * depend on the files). Lookup is by exact path, so no request can name anything else. */
#include "assets.h"

#include <string.h>

/* Emits <sym>_start/<sym>_end around the bytes of file. */
#define EMBED(sym, file)                                                                           \
    __asm__(".section .rodata\n"                                                                   \
            ".balign 16\n"                                                                         \
            ".global " #sym "_start\n" #sym "_start:\n"                                            \
            ".incbin \"" file "\"\n"                                                               \
            ".global " #sym "_end\n" #sym "_end:\n"                                                \
            ".byte 0\n"                                                                            \
            ".previous\n");                                                                        \
    extern const char sym##_start[], sym##_end[]

EMBED(dash_index_html, "dashboard/static/index.html");
EMBED(dash_app_css, "dashboard/static/app.css");
EMBED(dash_app_js, "dashboard/static/app.js");
EMBED(dash_uplot_js, "dashboard/static/vendor/uPlot.iife.min.js");
EMBED(dash_uplot_css, "dashboard/static/vendor/uPlot.min.css");
EMBED(dash_uplot_license, "dashboard/static/vendor/uPlot.LICENSE");

#define ASSET(url, type, sym) {url, type, sym##_start, 0}

static const dash_asset assets[] = {
    ASSET("/", "text/html; charset=utf-8", dash_index_html),
    ASSET("/index.html", "text/html; charset=utf-8", dash_index_html),
    ASSET("/static/app.css", "text/css; charset=utf-8", dash_app_css),
    ASSET("/static/app.js", "text/javascript; charset=utf-8", dash_app_js),
    ASSET("/static/vendor/uPlot.iife.min.js", "text/javascript; charset=utf-8", dash_uplot_js),
    ASSET("/static/vendor/uPlot.min.css", "text/css; charset=utf-8", dash_uplot_css),
    ASSET("/static/vendor/uPlot.LICENSE", "text/plain; charset=utf-8", dash_uplot_license),
};

static const char *const ends[] = {
    dash_index_html_end, dash_index_html_end, dash_app_css_end, dash_app_js_end,
    dash_uplot_js_end,   dash_uplot_css_end,  dash_uplot_license_end,
};

int dash_asset_find(const char *path, dash_asset *out)
{
    for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++) {
        if (!strcmp(assets[i].path, path)) {
            *out = assets[i];
            out->len = (size_t)(ends[i] - assets[i].data);
            return 1;
        }
    }
    return 0;
}
