/* JSON nesting scan: depth counted outside strings only, escapes honoured, and 1000
 * levels (what crashed robot-gateway's HTTP worker inside cJSON) refused. */
#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_json_depth.h"
#include "tw_test.h"

static bool within(const char *text, int max)
{
    return tw_json_depth_within(text, strlen(text), max);
}

static void depth_counts_arrays_and_objects(void)
{
    TW_CHECK(within("1", 0));
    TW_CHECK(!within("[]", 0));
    TW_CHECK(within("[]", 1));
    TW_CHECK(within("{\"a\":[1,2],\"b\":{}}", 2));
    TW_CHECK(!within("{\"a\":[1,{\"c\":2}]}", 2));
    TW_CHECK(within("[][][]", 1)); /* siblings do not add up */
}

static void brackets_inside_strings_do_not_count(void)
{
    TW_CHECK(within("{\"a\":\"[[[[{{{{\"}", 1));
    TW_CHECK(within("[\"\\\"[[[[\"]", 1));   /* an escaped quote does not end the string */
    TW_CHECK(!within("[\"\\\\\",[[]]]", 2)); /* an escaped backslash does */
}

static void a_thousand_levels_are_refused(void)
{
    char *deep = tw_xmalloc(2001);
    memset(deep, '[', 1000);
    memset(deep + 1000, ']', 1000);
    deep[2000] = '\0';
    TW_CHECK(!within(deep, TW_JSON_MAX_DEPTH));
    TW_CHECK(within(deep + 1000 - TW_JSON_MAX_DEPTH, TW_JSON_MAX_DEPTH));
    free(deep);
}

TW_TEST_MAIN("json_depth", TW_TEST(depth_counts_arrays_and_objects),
             TW_TEST(brackets_inside_strings_do_not_count), TW_TEST(a_thousand_levels_are_refused))
