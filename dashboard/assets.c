/* Embedded page assets: each file under dashboard/static, pulled in by TW_EMBED
 * (dashboard/module.mk makes this object depend on the files). */
#include "assets.h"

#define HTML "text/html; charset=utf-8"
#define CSS "text/css; charset=utf-8"
#define JS "text/javascript; charset=utf-8"
#define TEXT "text/plain; charset=utf-8"

TW_EMBED(dash_index_html, "dashboard/static/index.html");
TW_EMBED(dash_app_css, "dashboard/static/app.css");
TW_EMBED(dash_app_js, "dashboard/static/app.js");
TW_EMBED(dash_uplot_js, "dashboard/static/vendor/uPlot.iife.min.js");
TW_EMBED(dash_uplot_css, "dashboard/static/vendor/uPlot.min.css");
TW_EMBED(dash_uplot_license, "dashboard/static/vendor/uPlot.LICENSE");

static const tw_embedded assets[] = {
    {"/", HTML, dash_index_html, &dash_index_html_len},
    {"/index.html", HTML, dash_index_html, &dash_index_html_len},
    {"/static/app.css", CSS, dash_app_css, &dash_app_css_len},
    {"/static/app.js", JS, dash_app_js, &dash_app_js_len},
    {"/static/vendor/uPlot.iife.min.js", JS, dash_uplot_js, &dash_uplot_js_len},
    {"/static/vendor/uPlot.min.css", CSS, dash_uplot_css, &dash_uplot_css_len},
    {"/static/vendor/uPlot.LICENSE", TEXT, dash_uplot_license, &dash_uplot_license_len},
};

int dash_asset_find(const char *path, tw_embedded_file *out)
{
    return tw_embed_find(assets, sizeof assets / sizeof assets[0], path, out);
}
