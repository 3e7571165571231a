/* The HTTP client's URLs: http:// only, host, port and base path. */
#include "tw_http_client.h"
#include "tw_status.h"
#include "tw_test.h"

static void endpoint_urls_parse(void)
{
    tw_http_url url;
    char err[128];
    TW_CHECK_INT(tw_http_url_parse("http://jaeger:4318", &url, err, sizeof err), TW_OK);
    TW_CHECK_STR(url.host, "jaeger");
    TW_CHECK_INT(url.port, 4318);
    TW_CHECK_STR(url.path, "");
    TW_CHECK_INT(tw_http_url_parse("http://127.0.0.1/otel/", &url, err, sizeof err), TW_OK);
    TW_CHECK_INT(url.port, 80);
    TW_CHECK_STR(url.path, "/otel");
    TW_CHECK_INT(tw_http_url_parse("https://jaeger:4318", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_http_url_parse("http://:4318", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_http_url_parse("http://h:0", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_http_url_parse("http://h:12x/", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_http_url_parse("http://h: 80/", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_http_url_parse("http://h:+80", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_http_url_parse("http://h:080", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_http_url_parse("http://h:/", &url, err, sizeof err), TW_INVALID);
}

TW_TEST_MAIN("http_client", TW_TEST(endpoint_urls_parse))
