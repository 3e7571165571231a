/* The control page's files (robot-gateway/static), pulled in by TW_EMBED; /theme.css is the
 * dashboard's own stylesheet (dashboard/static/app.css), so both pages share one visual
 * language from one source file. module.mk makes page.o depend on the files. */
#include "page.h"

TW_EMBED(rg_index_html, "robot-gateway/static/index.html");
TW_EMBED(rg_app_js, "robot-gateway/static/app.js");
TW_EMBED(rg_style_css, "robot-gateway/static/style.css");
TW_EMBED(rg_theme_css, "dashboard/static/app.css");

static const tw_embedded files[] = {
    TW_EMBEDDED("/", TW_EMBED_HTML, rg_index_html),
    TW_EMBEDDED("/app.js", TW_EMBED_JS, rg_app_js),
    TW_EMBEDDED("/style.css", TW_EMBED_CSS, rg_style_css),
    TW_EMBEDDED("/theme.css", TW_EMBED_CSS, rg_theme_css),
};

int rg_page_find(const char *path, tw_embedded_file *out)
{
    return tw_embed_find(files, sizeof files / sizeof files[0], path, out);
}
