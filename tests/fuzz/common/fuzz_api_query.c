/* Fuzzes the API's query-string parsing as a request sees it: civetweb's mg_get_var
 * finds and percent-decodes ?window= in the raw query, and tw_api_window_parse reads it.
 * Accepted is exactly "0", "60", "300" or "900"; anything else ("+60", "060", " 60",
 * "60%00") is refused. */
#include <civetweb.h>
#include <string.h>

#include "tw_api_query.h"
#include "tw_fuzz.h"
#include "tw_status.h"

#define VALUE_BYTES 64

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char value[VALUE_BYTES];
    int found = mg_get_var((const char *)data, size, "window", value, sizeof value);
    if (found < 0)
        return 0; /* absent (the default applies) or too long (refused) */
    int64_t window = -1;
    bool canonical =
        (size_t)found == strlen(value) && (!strcmp(value, "0") || !strcmp(value, "60") ||
                                           !strcmp(value, "300") || !strcmp(value, "900"));
    int rc = tw_api_window_parse(value, (size_t)found, &window);
    TW_FUZZ_CHECK((rc == TW_OK) == canonical);
    if (rc == TW_OK)
        TW_FUZZ_CHECK(window == 0 || window == 60 || window == 300 || window == 900);
    else
        TW_FUZZ_CHECK(window == -1);
    return 0;
}
