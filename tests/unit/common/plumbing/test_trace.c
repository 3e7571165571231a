/* The tracer: export retry classification, and tracing off by default. */
#include "tw_status.h"
#include "tw_trace.h"
#include "tw_test.h"

static void retry_only_on_transient_failures(void)
{
    TW_CHECK_INT(tw_trace_classify(TW_OK, 200), TW_EXPORT_DONE);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 202), TW_EXPORT_DONE);
    TW_CHECK_INT(tw_trace_classify(TW_ERR, 0), TW_EXPORT_RETRY);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 429), TW_EXPORT_RETRY);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 502), TW_EXPORT_RETRY);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 503), TW_EXPORT_RETRY);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 504), TW_EXPORT_RETRY);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 400), TW_EXPORT_DROP);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 404), TW_EXPORT_DROP);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 500), TW_EXPORT_DROP);
    TW_CHECK_INT(tw_trace_classify(TW_OK, 501), TW_EXPORT_DROP);
}

static void tracing_off_samples_nothing(void)
{
    tw_span span;
    TW_CHECK(!tw_trace_enabled());
    TW_CHECK(!tw_trace_sample_new());
    TW_CHECK(!tw_trace_begin(&span, "x", TW_SPAN_INTERNAL, NULL));
    TW_CHECK(tw_trace_current() == NULL);
    tw_span_init(&span, "x", TW_SPAN_INTERNAL, NULL, 1);
    TW_CHECK(tw_trace_set_current(&span) == NULL);
    TW_CHECK(tw_trace_current() == &span);
    TW_CHECK(tw_trace_set_current(NULL) == &span);
}

TW_TEST_MAIN("trace", TW_TEST(retry_only_on_transient_failures),
             TW_TEST(tracing_off_samples_nothing))
