/* Fuzzes W3C traceparent parsing: whatever parses formats back to the same text (the
 * parser accepts only the canonical lowercase form), and what fails to parse leaves the
 * output untouched. */
#include <string.h>

#include "tw_fuzz.h"
#include "tw_status.h"
#include "tw_trace_id.h"

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    tw_trace_context ctx, untouched;
    memset(&ctx, 0xa5, sizeof ctx);
    untouched = ctx;
    if (tw_traceparent_parse(text, size, &ctx) != TW_OK) {
        TW_FUZZ_CHECK(memcmp(&ctx, &untouched, sizeof ctx) == 0);
        return 0;
    }
    TW_FUZZ_CHECK(size == TW_TRACEPARENT_TEXT_LEN);
    TW_FUZZ_CHECK(!tw_trace_id_is_zero(ctx.trace_id, TW_TRACE_ID_BYTES));
    TW_FUZZ_CHECK(!tw_trace_id_is_zero(ctx.span_id, TW_SPAN_ID_BYTES));
    char out[TW_TRACEPARENT_TEXT_LEN + 1];
    tw_traceparent_format(&ctx, out);
    TW_FUZZ_CHECK(memcmp(out, text, size) == 0);
    return 0;
}
