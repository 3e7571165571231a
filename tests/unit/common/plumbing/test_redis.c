/* Redis endpoints: REDIS_URL parsing and its fallbacks. */
#include <string.h>

#include "tw_redis.h"
#include "tw_status.h"
#include "tw_test.h"

static void test_redis_urls(void)
{
    tw_redis_url url;
    char err[128];
    TW_CHECK_INT(tw_redis_url_parse("redis://u:p@a@host:1234/0", &url, err, sizeof err), TW_OK);
    TW_CHECK_STR(url.user, "u");
    TW_CHECK_STR(url.password, "p@a");
    TW_CHECK_STR(url.host, "host");
    TW_CHECK_INT(url.port, 1234);
    TW_CHECK_INT(tw_redis_url_parse("redis://redis", &url, err, sizeof err), TW_OK);
    TW_CHECK_INT(url.port, 6379);
    TW_CHECK_STR(url.user, "");
    TW_CHECK_INT(tw_redis_url_parse("http://x", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_redis_url_parse("redis://h:0", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_redis_url_parse("redis://h:99999", &url, err, sizeof err), TW_INVALID);
    TW_CHECK_INT(tw_redis_url_parse("redis://:5", &url, err, sizeof err), TW_INVALID);
}

TW_TEST_MAIN("redis", TW_TEST(test_redis_urls))
