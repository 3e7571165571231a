/* Sentinel lists (REDIS_SENTINELS, REDIS_MASTER_NAME) and the error replies that send a
 * client back to the Sentinels. */
#include <string.h>

#include "tw_redis.h"
#include "tw_sentinel.h"
#include "tw_status.h"
#include "tw_test.h"

static int parse(const char *list, const char *name, tw_sentinel_config *out)
{
    char err[160];
    tw_sentinel_settings settings = {list, name};
    return tw_sentinel_parse(&settings, out, err, sizeof err);
}

static void test_sentinel_lists(void)
{
    tw_sentinel_config config;
    TW_CHECK_INT(parse("", "towerwatch", &config), TW_OK);
    TW_CHECK_INT(config.count, 0);
    TW_CHECK_INT(parse("", "", &config), TW_OK); /* no Sentinels: the name is unused */
    TW_CHECK_INT(parse("s-0.sentinel:26380,10.0.0.2,[::1]:5", "ha", &config), TW_OK);
    TW_CHECK_INT(config.count, 3);
    TW_CHECK_STR(config.sentinels[0].host, "s-0.sentinel");
    TW_CHECK_INT(config.sentinels[0].port, 26380);
    TW_CHECK_STR(config.sentinels[1].host, "10.0.0.2");
    TW_CHECK_INT(config.sentinels[1].port, TW_SENTINEL_DEFAULT_PORT);
    TW_CHECK_STR(config.sentinels[2].host, "::1");
    TW_CHECK_INT(config.sentinels[2].port, 5);
    TW_CHECK_STR(config.master_name, "ha");
    TW_CHECK_INT(parse("[::1]", "ha", &config), TW_OK);
    TW_CHECK_INT(config.sentinels[0].port, TW_SENTINEL_DEFAULT_PORT);
}

static void test_bad_sentinel_lists(void)
{
    tw_sentinel_config config;
    const char *bad[] = {",",       "a:1,", ",a:1", "a:1,,b:2", "a:",   ":1",   "a:0",
                         "a:65536", "a:1x", "[::1", "[::1]x",   "[]:1", "a:1:2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse(bad[i], "towerwatch", &config) != TW_INVALID) {
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
            TW_CHECK(0);
        }
    }
    TW_CHECK_INT(parse("a:1", "", &config), TW_INVALID);
    char long_name[TW_SENTINEL_MASTER_NAME_MAX + 1];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    TW_CHECK_INT(parse("a:1", long_name, &config), TW_INVALID);
    TW_CHECK_INT(parse("a,b,c,d,e,f,g,h", "m", &config), TW_OK);
    TW_CHECK_INT(parse("a,b,c,d,e,f,g,h,i", "m", &config), TW_INVALID);
}

static void test_errors_that_mean_reconnect(void)
{
    TW_CHECK(
        tw_redis_error_needs_reconnect("READONLY You can't write against a read only replica."));
    TW_CHECK(tw_redis_error_needs_reconnect("MASTERDOWN Link with MASTER is down"));
    TW_CHECK(tw_redis_error_needs_reconnect("LOADING Redis is loading the dataset in memory"));
    TW_CHECK(tw_redis_error_needs_reconnect("NOREPLICAS Not enough good replicas to write."));
    TW_CHECK(!tw_redis_error_needs_reconnect("NOPERM this user has no permissions"));
    TW_CHECK(!tw_redis_error_needs_reconnect("ERR wrong number of arguments"));
    TW_CHECK(!tw_redis_error_needs_reconnect(NULL));
}

TW_TEST_MAIN("sentinel", TW_TEST(test_sentinel_lists), TW_TEST(test_bad_sentinel_lists),
             TW_TEST(test_errors_that_mean_reconnect))
