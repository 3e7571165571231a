/* Fuzzes the Kafka message decoder of reports (tw_report_json_parse): an accepted report
 * encodes (tw_report_json_write) to a message that decodes to the same report and
 * re-encodes to the same bytes; a rejected one names a reason. */
#include <string.h>

#include "tw_buf.h"
#include "tw_fuzz.h"
#include "tw_report_json.h"

static void check_same(const tw_report *a, const tw_report *b)
{
    TW_FUZZ_CHECK(strcmp(a->antenna_id, b->antenna_id) == 0);
    TW_FUZZ_CHECK(a->timestamp == b->timestamp && a->packets == b->packets);
    TW_FUZZ_CHECK(a->loss == b->loss && a->seq == b->seq && a->sent_us == b->sent_us);
    TW_FUZZ_CHECK(strcmp(a->run, b->run) == 0);
    TW_FUZZ_CHECK(strcmp(a->traceparent, b->traceparent) == 0);
}

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tw_report report, back, third;
    int ignored = 0;
    tw_malformed_reason reason = tw_report_json_parse(&report, (const char *)data, size, &ignored);
    TW_FUZZ_CHECK(reason < TW_MALFORMED_REASON_COUNT && ignored >= 0);
    if (reason != TW_MALFORMED_NONE)
        return 0;
    tw_buf first, again;
    tw_buf_init(&first);
    tw_buf_init(&again);
    tw_report_json_write(&report, &first);
    TW_FUZZ_CHECK(tw_report_json_parse(&back, first.data, first.len, &ignored) ==
                  TW_MALFORMED_NONE);
    check_same(&report, &back);
    /* the latency is written to 3 decimals, so identity holds from the first encoding on */
    tw_report_json_write(&back, &again);
    TW_FUZZ_CHECK(tw_report_json_parse(&third, again.data, again.len, &ignored) ==
                  TW_MALFORMED_NONE);
    tw_buf_reset(&first);
    tw_report_json_write(&third, &first);
    TW_FUZZ_CHECK(first.len == again.len && memcmp(first.data, again.data, first.len) == 0);
    tw_buf_free(&first);
    tw_buf_free(&again);
    return 0;
}
