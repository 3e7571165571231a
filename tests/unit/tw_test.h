/* Minimal unit test harness: each test file defines test functions, lists them in
 * TW_TEST_MAIN, and gets "N passed, N failed" as its closing line. */
#ifndef TW_TEST_H
#define TW_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tw_test_failures;
/* The case of a table-driven test being checked, named in failures; NULL outside one. */
static const char *tw_test_case_name;

/* Names the table case the checks after it belong to (until the next one or the test's
 * end). */
#define TW_TEST_CASE(name) (tw_test_case_name = (name))
/* Where a failed check is: file, line and the case, if any. */
#define TW_WHERE_FORMAT "  %s:%d: %s%s"
#define TW_WHERE                                                                                   \
    __FILE__, __LINE__, tw_test_case_name ? tw_test_case_name : "", tw_test_case_name ? ": " : ""

#define TW_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, TW_WHERE_FORMAT "check failed: %s\n", TW_WHERE, #cond);                \
            tw_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define TW_CHECK_INT(actual, expected)                                                             \
    do {                                                                                           \
        long long tw_a = (long long)(actual), tw_e = (long long)(expected);                        \
        if (tw_a != tw_e) {                                                                        \
            fprintf(stderr, TW_WHERE_FORMAT "%s == %lld, expected %lld\n", TW_WHERE, #actual,      \
                    tw_a, tw_e);                                                                   \
            tw_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define TW_CHECK_STR(actual, expected)                                                             \
    do {                                                                                           \
        const char *tw_a = (actual), *tw_e = (expected);                                           \
        if (!tw_a || strcmp(tw_a, tw_e) != 0) {                                                    \
            fprintf(stderr, TW_WHERE_FORMAT "%s == \"%s\", expected \"%s\"\n", TW_WHERE, #actual,  \
                    tw_a ? tw_a : "(null)", tw_e);                                                 \
            tw_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define TW_CHECK_NEAR(actual, expected, tolerance)                                                 \
    do {                                                                                           \
        double tw_a = (actual), tw_e = (expected);                                                 \
        if (!(fabs(tw_a - tw_e) <= (tolerance))) {                                                 \
            fprintf(stderr, TW_WHERE_FORMAT "%s == %.9g, expected %.9g +- %g\n", TW_WHERE,         \
                    #actual, tw_a, tw_e, (double)(tolerance));                                     \
            tw_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

typedef struct {
    const char *name;
    void (*fn)(void);
} tw_test_case;

#define TW_TEST(fn) {#fn, fn}

static inline int tw_test_run(const char *suite, const tw_test_case *cases, size_t count)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < count; i++) {
        int before = tw_test_failures;
        cases[i].fn();
        tw_test_case_name = NULL;
        if (tw_test_failures == before) {
            passed++;
        } else {
            failed++;
            fprintf(stderr, "FAIL %s.%s\n", suite, cases[i].name);
        }
    }
    printf("%s: %d passed, %d failed\n", suite, passed, failed);
    return failed ? 1 : 0;
}

#define TW_TEST_MAIN(suite, ...)                                                                   \
    int main(void)                                                                                 \
    {                                                                                              \
        static const tw_test_case cases[] = {__VA_ARGS__};                                         \
        return tw_test_run(suite, cases, sizeof cases / sizeof cases[0]);                          \
    }

#endif
