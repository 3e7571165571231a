/* Fuzzes command-line parsing (tw_cli_parse_args) with a table holding every option type:
 * the input is split at NUL bytes into argv. A refusal leaves a one-line reason; an
 * accepted integer is the canonical text of its value (no "+1", " 1" or "01"), and every
 * accepted number lies in its option's range. */
#include <math.h>
#include <string.h>

#include "tw_decimal.h"
#include "tw_fuzz.h"
#include "tw_options.h"
#include "tw_status.h"

#define MAX_ARGS 16
#define TEXT_MAX 512

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > TEXT_MAX)
        return 0;
    char text[TEXT_MAX + 1];
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[MAX_ARGS + 1] = {"fuzz"};
    int argc = 1;
    for (char *p = text; p <= text + size && argc < MAX_ARGS; p += strlen(p) + 1)
        argv[argc++] = p;
    const char *name = "", *choice = "", *url = "";
    int64_t port = -7;
    double ratio = -7;
    bool flag = false;
    tw_option options[] = {
        {"name", NULL, TW_OPT_STR, "n", "a string", &name, 0, 0, NULL},
        {"port", NULL, TW_OPT_INT, "8000", "an integer", &port, 1, 65535, NULL},
        {"ratio", NULL, TW_OPT_DBL, "0.5", "a ratio", &ratio, 0, 1, NULL},
        {"flag", NULL, TW_OPT_BOOL, "false", "a flag", &flag, 0, 0, NULL},
        {"mode", NULL, TW_OPT_STR, "a", "a choice", &choice, 0, 0, "a|bb|c"},
        {"url", NULL, TW_OPT_HTTP_URL, "", "a URL", &url, 0, 0, NULL},
    };
    tw_cli cli = {"fuzz", "options under fuzzing", options, sizeof options / sizeof options[0]};
    char err[TW_CLI_ERROR_BYTES] = "";
    int rc = tw_cli_parse_args(&cli, argc, argv, err, sizeof err);
    if (rc == TW_INVALID) {
        TW_FUZZ_CHECK(strstr(err, "(see --help)") != NULL);
        return 0;
    }
    if (rc != TW_OK)
        return 0; /* --help */
    TW_FUZZ_CHECK(port >= 1 && port <= 65535);
    TW_FUZZ_CHECK(ratio >= 0 && ratio <= 1);
    TW_FUZZ_CHECK(!strcmp(choice, "a") || !strcmp(choice, "bb") || !strcmp(choice, "c"));
    /* the port came from the default or from a value spelled exactly as its canonical text */
    char canonical[TW_DECIMAL_MAX_BYTES + 1], flag_form[TW_DECIMAL_MAX_BYTES + 8];
    canonical[tw_format_i64(port, canonical)] = '\0';
    snprintf(flag_form, sizeof flag_form, "--port=%s", canonical);
    bool spelled = !strcmp(canonical, "8000");
    for (int i = 1; i < argc && !spelled; i++)
        spelled = !strcmp(argv[i], flag_form) ||
                  (!strcmp(argv[i], "--port") && i + 1 < argc && !strcmp(argv[i + 1], canonical));
    TW_FUZZ_CHECK(spelled);
    return 0;
}
