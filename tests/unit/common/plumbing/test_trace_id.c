/* Trace identity: W3C traceparent parsing and formatting, random ids. */
#include "tw_status.h"
#include "tw_trace_id.h"
#include "tw_test.h"

#define VALID_TP "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

static int parse(const char *text)
{
    tw_trace_context ctx;
    return tw_traceparent_parse(text, strlen(text), &ctx);
}

static void traceparent_valid_parses(void)
{
    tw_trace_context ctx;
    TW_CHECK_INT(tw_traceparent_parse(VALID_TP, strlen(VALID_TP), &ctx), TW_OK);
    TW_CHECK_INT(ctx.trace_id[0], 0x4b);
    TW_CHECK_INT(ctx.trace_id[15], 0x36);
    TW_CHECK_INT(ctx.span_id[0], 0x00);
    TW_CHECK_INT(ctx.span_id[7], 0xb7);
    TW_CHECK_INT(ctx.flags, 1);
    TW_CHECK_INT(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"), TW_OK);
}

static void traceparent_invalid_rejected(void)
{
    TW_CHECK_INT(parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), TW_INVALID);
    TW_CHECK_INT(parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), TW_INVALID);
    TW_CHECK_INT(parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), TW_INVALID);
    TW_CHECK_INT(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"), TW_INVALID);
    TW_CHECK_INT(parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"), TW_INVALID);
    TW_CHECK_INT(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g"), TW_INVALID);
    TW_CHECK_INT(parse("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), TW_INVALID);
    TW_CHECK_INT(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-"), TW_INVALID);
    TW_CHECK_INT(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01"), TW_INVALID);
    TW_CHECK_INT(parse(""), TW_INVALID);
    tw_trace_context ctx;
    TW_CHECK_INT(tw_traceparent_parse(NULL, 0, &ctx), TW_INVALID);
}

static void traceparent_format_round_trips(void)
{
    tw_trace_context ctx;
    TW_CHECK_INT(tw_traceparent_parse(VALID_TP, strlen(VALID_TP), &ctx), TW_OK);
    char text[TW_TRACEPARENT_TEXT_LEN + 1];
    tw_traceparent_format(&ctx, text);
    TW_CHECK_STR(text, VALID_TP);
    TW_CHECK_INT(strlen(text), TW_TRACEPARENT_TEXT_LEN);
}

static void random_ids_are_nonzero_and_distinct(void)
{
    uint8_t a[TW_TRACE_ID_BYTES], b[TW_TRACE_ID_BYTES];
    tw_trace_random_id(a, sizeof a);
    tw_trace_random_id(b, sizeof b);
    TW_CHECK(!tw_trace_id_is_zero(a, sizeof a));
    TW_CHECK(memcmp(a, b, sizeof a) != 0);
    double u = tw_trace_random_unit();
    TW_CHECK(u >= 0 && u < 1);
}

TW_TEST_MAIN("trace_id", TW_TEST(traceparent_valid_parses), TW_TEST(traceparent_invalid_rejected),
             TW_TEST(traceparent_format_round_trips), TW_TEST(random_ids_are_nonzero_and_distinct))
