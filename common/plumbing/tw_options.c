/* Option table parsing: argv first, then environment, then defaults; strict validation
 * with a single clear error line and exit status 2, as the contract requires. */
#include "tw_options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_decimal.h"
#include "tw_http_client.h"
#include "tw_status.h"

#define USAGE_EXIT_BAD 2
#define HTTP_URL_ERROR_BYTES 128

static void print_usage(const tw_cli *cli)
{
    printf("Usage: %s [options]\n\n%s\n\nOptions (flag, env, default):\n", cli->program,
           cli->summary);
    for (size_t i = 0; i < cli->count; i++) {
        const tw_option *opt = &cli->options[i];
        char flag[64];
        snprintf(flag, sizeof flag, "--%s%s", opt->name, opt->type == TW_OPT_BOOL ? "" : " V");
        printf("  %-26s %s\n", flag, opt->help);
        printf("  %-26s env %s, default %s\n", "", opt->env ? opt->env : "-",
               opt->def && *opt->def ? opt->def : "(none)");
    }
    printf("  %-26s print this help and exit\n", "--help");
}

/* Fills err with the one-line reason for a bad flag or value (a long name or value cut
 * short so the line still fits TW_CLI_ERROR_BYTES); returns TW_INVALID. */
static int fail(const tw_cli *cli, char *err, size_t err_size, const char *what, const char *name,
                const char *value)
{
    snprintf(err, err_size, "%.64s: %s --%.128s%s%.256s (see --help)", cli->program, what, name,
             value ? " " : "", value ? value : "");
    return TW_INVALID;
}

static bool in_range(const tw_option *opt, double value)
{
    if (opt->min == opt->max)
        return true;
    return value >= opt->min && value <= opt->max;
}

static bool choice_allowed(const char *choices, const char *value)
{
    size_t len = strlen(value);
    for (const char *p = choices; p && *p;) {
        const char *end = strchr(p, '|');
        size_t choice_len = end ? (size_t)(end - p) : strlen(p);
        if (choice_len == len && strncmp(p, value, len) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

static int parse_bool(const char *text, bool *out)
{
    if (!strcmp(text, "1") || !strcmp(text, "true") || !strcmp(text, "yes")) {
        *out = true;
        return TW_OK;
    }
    if (!strcmp(text, "0") || !strcmp(text, "false") || !strcmp(text, "no")) {
        *out = false;
        return TW_OK;
    }
    return TW_INVALID;
}

/* True when text parses as an http:// URL. */
static bool http_url_valid(const char *text)
{
    tw_http_url url;
    char reason[HTTP_URL_ERROR_BYTES];
    return tw_http_url_parse(text, &url, reason, sizeof reason) == TW_OK;
}

/* True when text is written as people write a real number: an optional '-', a digit or
 * '.', then digits, '.', and an exponent; strtod alone would also take " 1", "+1" or "0x1p3". */
static bool plain_real(const char *text)
{
    const char *p = text + (text[0] == '-');
    if (!((*p >= '0' && *p <= '9') || *p == '.'))
        return false;
    return strspn(p, "0123456789.eE-+") == strlen(p);
}

/* Converts text into the option's target; TW_INVALID when the text does not fit. */
static int assign(const tw_option *opt, const char *text)
{
    char *end = NULL;
    errno = 0;
    switch (opt->type) {
    case TW_OPT_STR:
        if (opt->choices && !choice_allowed(opt->choices, text))
            return TW_INVALID;
        *(const char **)opt->target = text;
        return TW_OK;
    case TW_OPT_INT: {
        int64_t value;
        if (tw_parse_i64(text, strlen(text), &value) != TW_DECIMAL_OK ||
            !in_range(opt, (double)value))
            return TW_INVALID;
        *(int64_t *)opt->target = value;
        return TW_OK;
    }
    case TW_OPT_DBL: {
        if (!plain_real(text))
            return TW_INVALID;
        double value = strtod(text, &end);
        /* strtod skips leading space and reads "+1": neither is a number here */
        if (errno || end == text || *end || !isfinite(value) || !in_range(opt, value) ||
            !(text[0] == '-' || text[0] == '.' || (text[0] >= '0' && text[0] <= '9')))
            return TW_INVALID;
        *(double *)opt->target = value;
        return TW_OK;
    }
    case TW_OPT_BOOL:
        return parse_bool(text, (bool *)opt->target);
    case TW_OPT_HTTP_URL:
        if (*text && !http_url_valid(text))
            return TW_INVALID;
        *(const char **)opt->target = text;
        return TW_OK;
    }
    return TW_INVALID;
}

static tw_option *find_option(const tw_cli *cli, const char *name, size_t name_len)
{
    for (size_t i = 0; i < cli->count; i++) {
        if (strlen(cli->options[i].name) == name_len &&
            strncmp(cli->options[i].name, name, name_len) == 0)
            return &cli->options[i];
    }
    return NULL;
}

/* Applies argv; marks each option given on the command line in seen[]. TW_OK, TW_AGAIN
 * for --help, or TW_INVALID with the reason in err. */
static int parse_argv(const tw_cli *cli, int argc, char **argv, bool *seen, char *err,
                      size_t err_size)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
            return TW_AGAIN;
        if (strncmp(arg, "--", 2) != 0)
            return fail(cli, err, err_size, "unexpected argument", "", arg);
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        tw_option *opt = find_option(cli, name, name_len);
        if (!opt)
            return fail(cli, err, err_size, "unknown option", arg + 2, NULL);
        const char *value = eq ? eq + 1 : NULL;
        if (!value && opt->type == TW_OPT_BOOL)
            value = "true";
        if (!value && i + 1 < argc)
            value = argv[++i];
        if (!value)
            return fail(cli, err, err_size, "missing value for", opt->name, NULL);
        if (assign(opt, value) != TW_OK)
            return fail(cli, err, err_size, "invalid value for", opt->name, value);
        seen[opt - cli->options] = true;
    }
    return TW_OK;
}

int tw_cli_parse_args(const tw_cli *cli, int argc, char **argv, char *err, size_t err_size)
{
    bool seen[cli->count + 1];
    memset(seen, 0, sizeof seen);
    int rc = parse_argv(cli, argc, argv, seen, err, err_size);
    for (size_t i = 0; i < cli->count && rc == TW_OK; i++) {
        const tw_option *opt = &cli->options[i];
        if (seen[i])
            continue;
        const char *env = opt->env ? getenv(opt->env) : NULL;
        if (env && *env) {
            if (assign(opt, env) != TW_OK) {
                snprintf(err, err_size, "%.64s: invalid value for %.64s: %.256s (see --help)",
                         cli->program, opt->env, env);
                rc = TW_INVALID;
            }
        } else if (opt->def && assign(opt, opt->def) != TW_OK) {
            rc = fail(cli, err, err_size, "internal error: bad default for", opt->name, opt->def);
        }
    }
    return rc;
}

int tw_cli_parse(const tw_cli *cli, int argc, char **argv)
{
    char err[TW_CLI_ERROR_BYTES];
    int rc = tw_cli_parse_args(cli, argc, argv, err, sizeof err);
    if (rc == TW_AGAIN) {
        print_usage(cli);
        exit(0);
    }
    if (rc != TW_OK) {
        fprintf(stderr, "%s\n", err);
        exit(USAGE_EXIT_BAD);
    }
    return TW_OK;
}

const char *tw_env_or(const char *name, const char *fallback)
{
    const char *value = getenv(name);
    return value && *value ? value : fallback;
}

int tw_read_secret_file(const char *path, char *out, size_t out_size)
{
    FILE *file = fopen(path, "r");
    if (!file)
        return TW_ERR;
    size_t len = fread(out, 1, out_size - 1, file);
    fclose(file);
    out[len] = '\0';
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
        out[--len] = '\0';
    return TW_OK;
}
