/* ANALYTICS_ADDR as targets: literal addresses resolve to themselves, each address once,
 * in list order; a malformed list is refused with a reason; a lookup hands back its
 * addresses and may be let go of before its thread has ended. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "lookup.h"
#include "tw_test.h"
#include "tw_time.h"
#include "upstream.h"

#define RESOLVE_TIMEOUT_MS 2000

static void test_literal_addresses_in_list_order_each_once(void)
{
    char err[128] = "";
    tw_metrics *metrics = tw_metrics_new();
    dash_upstreams *upstreams =
        dash_upstreams_new("127.0.0.2:8001, [::1]:8002,127.0.0.2:8001", metrics, err, sizeof err);
    TW_CHECK(upstreams != NULL);
    dash_upstreams_resolve(upstreams, RESOLVE_TIMEOUT_MS);
    dash_target *targets = NULL;
    size_t count = dash_upstreams_targets(upstreams, &targets);
    TW_CHECK_INT(count, 2);
    TW_CHECK_STR(targets[0].name, "127.0.0.2:8001");
    TW_CHECK_STR(targets[1].name, "[::1]:8002");
    TW_CHECK(targets[0].addr_len > 0 && targets[1].addr_len > 0);
    free(targets);
    /* resolved again: the same targets */
    dash_upstreams_resolve(upstreams, RESOLVE_TIMEOUT_MS);
    count = dash_upstreams_targets(upstreams, &targets);
    TW_CHECK_INT(count, 2);
    TW_CHECK_STR(targets[1].name, "[::1]:8002");
    free(targets);
    /* six lookups (three entries, twice), each giving its address */
    TW_CHECK_INT(tw_counter_value(tw_metrics_counter(metrics, "dashboard_resolutions_total", "",
                                                     "result=\"addresses\"")),
                 6);
    dash_upstreams_free(upstreams);
    tw_metrics_free(metrics);
}

static void test_malformed_lists_are_refused(void)
{
    const char *bad[] = {"", "host", "host:", "host:0", "host:70000", ":8001", " , "};
    tw_metrics *metrics = tw_metrics_new();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[128] = "";
        TW_CHECK(dash_upstreams_new(bad[i], metrics, err, sizeof err) == NULL);
        TW_CHECK(err[0] != '\0');
    }
    tw_metrics_free(metrics);
}

static void test_lookup_hands_back_its_addresses(void)
{
    dash_lookup *lookup = dash_lookup_start("127.0.0.3", "9");
    TW_CHECK(lookup != NULL);
    TW_CHECK(dash_lookup_wait(lookup, tw_mono_us() + RESOLVE_TIMEOUT_MS * TW_US_PER_MS));
    const struct addrinfo *found = NULL;
    TW_CHECK_INT(dash_lookup_result(lookup, &found), 0);
    TW_CHECK(found != NULL && found->ai_family == AF_INET);
    const struct sockaddr_in *in = (const struct sockaddr_in *)found->ai_addr;
    TW_CHECK_INT(ntohs(in->sin_port), 9);
    TW_CHECK_INT(ntohl(in->sin_addr.s_addr), 0x7F000003);
    dash_lookup_release(lookup);
    /* let go of at once: its thread ends alone and frees it */
    dash_lookup_release(dash_lookup_start("127.0.0.4", "9"));
}

TW_TEST_MAIN("upstream", TW_TEST(test_literal_addresses_in_list_order_each_once),
             TW_TEST(test_malformed_lists_are_refused),
             TW_TEST(test_lookup_hands_back_its_addresses))
