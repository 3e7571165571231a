/* Fuzzes the JSON nesting scan that guards every parser of untrusted JSON: whenever it
 * lets a text through, cJSON's tree of that text nests no deeper than the limit. */
#include <cjson/cJSON.h>

#include "tw_fuzz.h"
#include "tw_json_depth.h"

/* Arrays and objects on the deepest path from item down (a scalar is 0). */
static int nesting(const cJSON *item)
{
    if (!cJSON_IsArray(item) && !cJSON_IsObject(item))
        return 0;
    int deepest = 0;
    for (const cJSON *child = item->child; child; child = child->next) {
        int d = nesting(child);
        if (d > deepest)
            deepest = d;
    }
    return 1 + deepest;
}

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    int limit = data[0] % 8;
    if (!tw_json_depth_within(text, size - 1, limit))
        return 0;
    cJSON *json = cJSON_ParseWithLength(text, size - 1);
    if (json) {
        TW_FUZZ_CHECK(nesting(json) <= limit);
        cJSON_Delete(json);
    }
    return 0;
}
