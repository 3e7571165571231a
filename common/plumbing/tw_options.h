/* Command-line settings: each option is a flag, else an environment variable, else a
 * default. One table per service drives parsing, validation and --help. Integers are
 * canonical decimals (no sign but '-', no space, no leading zero). */
#ifndef TW_OPTIONS_H
#define TW_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    TW_OPT_STR,      /* target is const char ** */
    TW_OPT_INT,      /* target is int64_t * */
    TW_OPT_DBL,      /* target is double * */
    TW_OPT_BOOL,     /* target is bool *; "--name" alone sets it */
    TW_OPT_HTTP_URL, /* target is const char **; empty, or an http:// URL (tw_http_client) */
} tw_opt_type;

typedef struct {
    const char *name;    /* long flag without the dashes, e.g. "port" */
    const char *env;     /* environment variable consulted when the flag is absent, or NULL */
    tw_opt_type type;    /* how the text is converted */
    const char *def;     /* default as text; NULL leaves the target untouched */
    const char *help;    /* one line for --help */
    void *target;        /* where the parsed value goes (see tw_opt_type) */
    double min;          /* numbers: smallest accepted value (ignored when min == max) */
    double max;          /* numbers: largest accepted value */
    const char *choices; /* strings: "a|b|c" accepted values, or NULL for any */
} tw_option;

typedef struct {
    const char *program; /* binary name for usage */
    const char *summary; /* one paragraph for --help */
    tw_option *options;  /* the option table */
    size_t count;        /* entries in options */
} tw_cli;

/* Parses argv, then the environment, then defaults, into every option's target.
 * Prints usage and exits 0 on --help; prints one line on stderr and exits 2 on a bad flag
 * or value. Returns TW_OK otherwise. */
int tw_cli_parse(const tw_cli *cli, int argc, char **argv);
/* Room for the one-line reason tw_cli_parse_args gives. */
#define TW_CLI_ERROR_BYTES 512
/* tw_cli_parse without printing or exiting: TW_OK; TW_AGAIN when --help was asked for;
 * TW_INVALID with the line tw_cli_parse would print in err. Targets already assigned
 * keep their values. */
int tw_cli_parse_args(const tw_cli *cli, int argc, char **argv, char *err, size_t err_size);
/* tw_cli_parse for program with its summary and the option table options (an array). */
#define TW_CLI_PARSE(program, summary, options, argc, argv)                                        \
    tw_cli_parse(                                                                                  \
        &(tw_cli){(program), (summary), (options), sizeof(options) / sizeof((options)[0])},        \
        (argc), (argv))
/* The environment variable name when it is set and not empty, else fallback (a default
 * such as the host's name for an id). */
const char *tw_env_or(const char *name, const char *fallback);
/* Reads a whole small file (a secret) into out, trailing newline removed; TW_OK or TW_ERR. */
int tw_read_secret_file(const char *path, char *out, size_t out_size);

#endif
