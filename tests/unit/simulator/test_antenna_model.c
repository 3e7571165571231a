/* The antenna model: reproducible from its seed, every report valid. */
#include <string.h>

#include "antenna_model.h"
#include "tw_status.h"
#include "tw_test.h"

static void test_model_is_reproducible_and_valid(void)
{
    antenna_model a, b;
    antenna_model_init(&a, "tower-1", 42);
    antenna_model_init(&b, "tower-1", 42);
    uint64_t degraded_reports = 0;
    for (int i = 0; i < 10000; i++) {
        tw_report ra, rb;
        antenna_model_next(&a, 5, 0.05, 1700000000000000LL + i, "run", &ra);
        antenna_model_next(&b, 5, 0.05, 1700000000000000LL + i, "run", &rb);
        TW_CHECK(ra.packets == rb.packets && ra.loss == rb.loss && ra.latency_ms == rb.latency_ms);
        TW_CHECK(ra.loss <= ra.packets);
        TW_CHECK(ra.latency_ms > 0);
        TW_CHECK_INT(ra.seq, (uint64_t)i + 1);
        degraded_reports += a.degraded_reports_left > 0;
    }
    TW_CHECK(degraded_reports > 100 && degraded_reports < 5000);
    antenna_model other;
    antenna_model_init(&other, "tower-2", 42);
    TW_CHECK(other.baseline_latency_ms != a.baseline_latency_ms);
}

TW_TEST_MAIN("antenna_model", TW_TEST(test_model_is_reproducible_and_valid))
