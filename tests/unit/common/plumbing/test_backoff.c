/* Exponential backoff: the stateful reconnect pacing and the per-attempt retry delay. */
#include "tw_backoff.h"
#include "tw_test.h"

#define INITIAL_US 100000
#define MAX_US 2000000
#define NOW_US 5000000

static void retry_delay_doubles_with_jitter_and_cap(void)
{
    TW_CHECK_INT(tw_backoff_delay_us(1, 100000, 2000000, 0), 50000);
    TW_CHECK_INT(tw_backoff_delay_us(1, 100000, 2000000, 0.999999), 99999);
    TW_CHECK_INT(tw_backoff_delay_us(2, 100000, 2000000, 0), 100000);
    TW_CHECK_INT(tw_backoff_delay_us(3, 100000, 2000000, 0.5), 300000);
    TW_CHECK_INT(tw_backoff_delay_us(10, 100000, 2000000, 0), 1000000);
    TW_CHECK_INT(tw_backoff_delay_us(60, 100000, 2000000, 0), 1000000);
}

static void a_new_backoff_is_ready_at_once(void)
{
    tw_backoff backoff;
    tw_backoff_init(&backoff, INITIAL_US, MAX_US);
    TW_CHECK(tw_backoff_ready(&backoff, 0));
    TW_CHECK_INT(backoff.current_us, INITIAL_US);
}

static void a_failure_waits_between_half_and_all_of_the_delay(void)
{
    tw_backoff backoff;
    tw_backoff_init(&backoff, INITIAL_US, MAX_US);
    tw_backoff_failed(&backoff, NOW_US);
    TW_CHECK(!tw_backoff_ready(&backoff, NOW_US + INITIAL_US / 2 - 1));
    TW_CHECK(tw_backoff_ready(&backoff, NOW_US + INITIAL_US));
}

static void each_failure_doubles_the_delay(void)
{
    tw_backoff backoff;
    tw_backoff_init(&backoff, INITIAL_US, MAX_US);
    tw_backoff_failed(&backoff, NOW_US);
    TW_CHECK_INT(backoff.current_us, 200000);
    tw_backoff_failed(&backoff, NOW_US);
    TW_CHECK_INT(backoff.current_us, 400000);
}

static void the_delay_stops_at_the_ceiling(void)
{
    tw_backoff backoff;
    tw_backoff_init(&backoff, INITIAL_US, MAX_US);
    for (int i = 0; i < 10; i++)
        tw_backoff_failed(&backoff, NOW_US);
    TW_CHECK_INT(backoff.current_us, MAX_US);
    TW_CHECK(tw_backoff_ready(&backoff, NOW_US + MAX_US));
}

static void a_success_starts_again_from_the_floor(void)
{
    tw_backoff backoff;
    tw_backoff_init(&backoff, INITIAL_US, MAX_US);
    tw_backoff_failed(&backoff, NOW_US);
    tw_backoff_failed(&backoff, NOW_US);
    tw_backoff_succeeded(&backoff);
    TW_CHECK_INT(backoff.current_us, INITIAL_US);
    TW_CHECK(tw_backoff_ready(&backoff, 0));
}

TW_TEST_MAIN("backoff", TW_TEST(retry_delay_doubles_with_jitter_and_cap),
             TW_TEST(a_new_backoff_is_ready_at_once),
             TW_TEST(a_failure_waits_between_half_and_all_of_the_delay),
             TW_TEST(each_failure_doubles_the_delay), TW_TEST(the_delay_stops_at_the_ceiling),
             TW_TEST(a_success_starts_again_from_the_floor))
