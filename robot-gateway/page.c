/* The control page's files (robot-gateway/static), pulled in by TW_EMBED; /theme.css is the
 * dashboard's own stylesheet (dashboard/static/app.css), so both pages share one visual
 * language from one source file. module.mk makes page.o depend on the files. */
#include "page.h"

#define HTML "text/html; charset=utf-8"
#define CSS "text/css; charset=utf-8"
#define JS "text/javascript; charset=utf-8"

TW_EMBED(rg_index_html, "robot-gateway/static/index.html");
TW_EMBED(rg_app_js, "robot-gateway/static/app.js");
TW_EMBED(rg_style_css, "robot-gateway/static/style.css");
TW_EMBED(rg_theme_css, "dashboard/static/app.css");

static const tw_embedded files[] = {
    {"/", HTML, rg_index_html, &rg_index_html_len},
    {"/app.js", JS, rg_app_js, &rg_app_js_len},
    {"/style.css", CSS, rg_style_css, &rg_style_css_len},
    {"/theme.css", CSS, rg_theme_css, &rg_theme_css_len},
};

int rg_page_find(const char *path, tw_embedded_file *out)
{
    return tw_embed_find(files, sizeof files / sizeof files[0], path, out);
}
