/* Record parser: every valid shape and every malformed kind, with exact reasons. */
#include <string.h>

#include "tw_report.h"
#include "tw_test.h"

#define MAX_FIELDS 16

/* Parses "name=value" strings (NULL-terminated list). */
static tw_malformed_reason parse(tw_report *report, const char **pairs, int *ignored)
{
    const char *names[MAX_FIELDS], *values[MAX_FIELDS];
    size_t name_lens[MAX_FIELDS], value_lens[MAX_FIELDS];
    size_t n = 0;
    for (; pairs[n]; n++) {
        const char *eq = strchr(pairs[n], '=');
        names[n] = pairs[n];
        name_lens[n] = (size_t)(eq - pairs[n]);
        values[n] = eq + 1;
        value_lens[n] = strlen(eq + 1);
    }
    *ignored = 0;
    return tw_report_parse(report, n, names, name_lens, values, value_lens, ignored);
}

static tw_malformed_reason reason_with(const char *name, const char *value)
{
    char replaced[128];
    snprintf(replaced, sizeof replaced, "%s=%s", name, value);
    const char *pairs[] = {"antenna_id=a1", "timestamp=1700000000", "packets=100", "loss=2",
                           "latency=12.5", NULL};
    for (int i = 0; pairs[i]; i++) {
        if (!strncmp(pairs[i], name, strlen(name)) && pairs[i][strlen(name)] == '=')
            pairs[i] = replaced;
    }
    tw_report report;
    int ignored;
    return parse(&report, pairs, &ignored);
}

static void test_valid_five_fields(void)
{
    const char *pairs[] = {"antenna_id=tower-1.a_b", "timestamp=1700000000", "packets=100",
                           "loss=2", "latency=12.5", NULL};
    tw_report report;
    int ignored;
    TW_CHECK_INT(parse(&report, pairs, &ignored), TW_MALFORMED_NONE);
    TW_CHECK_STR(report.antenna_id, "tower-1.a_b");
    TW_CHECK_INT(report.timestamp, 1700000000);
    TW_CHECK_INT(report.packets, 100);
    TW_CHECK_INT(report.loss, 2);
    TW_CHECK_NEAR(report.latency_ms, 12.5, 0);
    TW_CHECK_INT(report.seq, 0);
    TW_CHECK_STR(report.run, "");
    TW_CHECK_INT(ignored, 0);
}

static void test_optional_fields(void)
{
    const char *pairs[] = {"antenna_id=a", "timestamp=1", "packets=0", "loss=0", "latency=0",
                           "seq=7", "run=abc123", "sent_us=1700000000123456",
                           "extra=ignored", NULL};
    tw_report report;
    int ignored;
    TW_CHECK_INT(parse(&report, pairs, &ignored), TW_MALFORMED_NONE);
    TW_CHECK_INT(report.seq, 7);
    TW_CHECK_STR(report.run, "abc123");
    TW_CHECK_INT(report.sent_us, 1700000000123456LL);
    TW_CHECK_INT(ignored, 0);
}

static void test_invalid_optional_fields_are_dropped(void)
{
    const char *pairs[] = {"antenna_id=a", "timestamp=1", "packets=1", "loss=0", "latency=1",
                           "seq=x", "run=bad run", "sent_us=-5", "traceparent=short", NULL};
    tw_report report;
    int ignored;
    TW_CHECK_INT(parse(&report, pairs, &ignored), TW_MALFORMED_NONE);
    TW_CHECK_INT(ignored, 4);
    TW_CHECK_INT(report.seq, 0);
    TW_CHECK_STR(report.run, "");
}

static void test_missing_and_duplicate_fields(void)
{
    const char *missing[] = {"antenna_id=a", "timestamp=1", "packets=1", "loss=0", NULL};
    const char *garbage[] = {"foo=bar", NULL};
    const char *twice[] = {"antenna_id=a", "timestamp=1", "packets=1", "loss=0", "latency=1",
                           "packets=2", NULL};
    tw_report report;
    int ignored;
    TW_CHECK_INT(parse(&report, missing, &ignored), TW_MALFORMED_MISSING_FIELD);
    TW_CHECK_INT(parse(&report, garbage, &ignored), TW_MALFORMED_MISSING_FIELD);
    TW_CHECK_INT(parse(&report, twice, &ignored), TW_MALFORMED_DUPLICATE_FIELD);
}

static void test_numbers_are_strict(void)
{
    TW_CHECK_INT(reason_with("packets", "ten"), TW_MALFORMED_NOT_A_NUMBER);
    TW_CHECK_INT(reason_with("packets", "1.0"), TW_MALFORMED_NOT_A_NUMBER);
    TW_CHECK_INT(reason_with("packets", "+5"), TW_MALFORMED_NOT_A_NUMBER);
    TW_CHECK_INT(reason_with("packets", " 5"), TW_MALFORMED_NOT_A_NUMBER);
    TW_CHECK_INT(reason_with("packets", ""), TW_MALFORMED_NOT_A_NUMBER);
    TW_CHECK_INT(reason_with("timestamp", "1e9"), TW_MALFORMED_NOT_A_NUMBER);
    TW_CHECK_INT(reason_with("latency", "12ms"), TW_MALFORMED_NOT_A_NUMBER);
    TW_CHECK_INT(reason_with("latency", "0x10"), TW_MALFORMED_NOT_A_NUMBER);
    TW_CHECK_INT(reason_with("latency", "1.5e2"), TW_MALFORMED_NONE);
    TW_CHECK_INT(reason_with("loss", "-0"), TW_MALFORMED_NONE);
}

static void test_ranges(void)
{
    TW_CHECK_INT(reason_with("loss", "-1"), TW_MALFORMED_NEGATIVE);
    TW_CHECK_INT(reason_with("timestamp", "-1700000000"), TW_MALFORMED_NEGATIVE);
    TW_CHECK_INT(reason_with("latency", "-0.1"), TW_MALFORMED_NEGATIVE);
    TW_CHECK_INT(reason_with("latency", "nan"), TW_MALFORMED_NOT_FINITE);
    TW_CHECK_INT(reason_with("latency", "-inf"), TW_MALFORMED_NOT_FINITE);
    TW_CHECK_INT(reason_with("latency", "1e400"), TW_MALFORMED_OVERFLOW);
    TW_CHECK_INT(reason_with("latency", "2e9"), TW_MALFORMED_OVERFLOW);
    TW_CHECK_INT(reason_with("packets", "18446744073709551616"), TW_MALFORMED_OVERFLOW);
    TW_CHECK_INT(reason_with("packets", "1000000000001"), TW_MALFORMED_OVERFLOW);
    TW_CHECK_INT(reason_with("packets", "1000000000000"), TW_MALFORMED_NONE);
    TW_CHECK_INT(reason_with("timestamp", "10000000001"), TW_MALFORMED_OVERFLOW);
    TW_CHECK_INT(reason_with("loss", "101"), TW_MALFORMED_LOSS_EXCEEDS_PACKETS);
    TW_CHECK_INT(reason_with("loss", "100"), TW_MALFORMED_NONE);
}

static void test_antenna_ids(void)
{
    char longest[65], too_long[66];
    memset(longest, 'x', 64);
    longest[64] = '\0';
    memset(too_long, 'x', 65);
    too_long[65] = '\0';
    TW_CHECK_INT(reason_with("antenna_id", longest), TW_MALFORMED_NONE);
    TW_CHECK_INT(reason_with("antenna_id", too_long), TW_MALFORMED_BAD_ANTENNA_ID);
    TW_CHECK_INT(reason_with("antenna_id", ""), TW_MALFORMED_BAD_ANTENNA_ID);
    TW_CHECK_INT(reason_with("antenna_id", "a b"), TW_MALFORMED_BAD_ANTENNA_ID);
    TW_CHECK_INT(reason_with("antenna_id", "a/b"), TW_MALFORMED_BAD_ANTENNA_ID);
    TW_CHECK_INT(reason_with("antenna_id", "caf\xc3\xa9"), TW_MALFORMED_BAD_ANTENNA_ID);
}

static void test_embedded_nul_is_rejected(void)
{
    const char *names[] = {"antenna_id", "timestamp", "packets", "loss", "latency"};
    size_t name_lens[] = {10, 9, 7, 4, 7};
    const char *values[] = {"a", "1", "1\0" "5", "0", "1"};
    size_t value_lens[] = {1, 1, 3, 1, 1};
    tw_report report;
    int ignored = 0;
    TW_CHECK_INT(tw_report_parse(&report, 5, names, name_lens, values, value_lens, &ignored),
                 TW_MALFORMED_NOT_A_NUMBER);
}

static void test_reason_names(void)
{
    TW_CHECK_STR(tw_malformed_reason_name(TW_MALFORMED_LOSS_EXCEEDS_PACKETS), "loss_exceeds_packets");
    TW_CHECK_STR(tw_malformed_reason_name(TW_MALFORMED_MISSING_FIELD), "missing_field");
    TW_CHECK_STR(tw_malformed_reason_name(TW_MALFORMED_REASON_COUNT), "unknown");
}

TW_TEST_MAIN("report", TW_TEST(test_valid_five_fields), TW_TEST(test_optional_fields),
             TW_TEST(test_invalid_optional_fields_are_dropped),
             TW_TEST(test_missing_and_duplicate_fields), TW_TEST(test_numbers_are_strict),
             TW_TEST(test_ranges), TW_TEST(test_antenna_ids), TW_TEST(test_embedded_nul_is_rejected),
             TW_TEST(test_reason_names))
