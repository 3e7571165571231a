/* Option tables: a flag wins over the environment, the environment over the default; values
 * are converted and range- or choice-checked; a bad flag or value exits 2; secret files. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tw_options.h"
#include "tw_status.h"
#include "tw_test.h"

#define ENV_PORT "TW_TEST_PORT"
#define ENV_MODE "TW_TEST_MODE"
#define SECRET_BYTES 32

typedef struct {
    int64_t port;     /* --port / TW_TEST_PORT, 1..65535 */
    double ratio;     /* --ratio, 0..1 */
    const char *mode; /* --mode / TW_TEST_MODE, fast|slow */
    bool verbose;     /* --verbose */
    const char *url;  /* --url, empty or http:// */
} test_settings;

/* Parses argv (NULL-terminated) into s with the test table. */
static void parse(test_settings *s, char **argv)
{
    tw_option options[] = {
        {"port", ENV_PORT, TW_OPT_INT, "8000", "port", &s->port, 1, 65535, NULL},
        {"ratio", NULL, TW_OPT_DBL, "0.5", "ratio", &s->ratio, 0, 1, NULL},
        {"mode", ENV_MODE, TW_OPT_STR, "fast", "mode", &s->mode, 0, 0, "fast|slow"},
        {"verbose", NULL, TW_OPT_BOOL, "false", "verbose", &s->verbose, 0, 0, NULL},
        {"url", NULL, TW_OPT_HTTP_URL, "", "url", &s->url, 0, 0, NULL},
    };
    tw_cli cli = {"test", "options under test", options, sizeof options / sizeof options[0]};
    int argc = 0;
    while (argv[argc])
        argc++;
    TW_CHECK_INT(tw_cli_parse(&cli, argc, argv), TW_OK);
}

/* Runs parse(argv) in a child with stdout and stderr silenced; returns its exit status. */
static int exit_status_of(char **argv)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *null = freopen("/dev/null", "w", stderr);
        FILE *null_out = freopen("/dev/null", "w", stdout);
        (void)null;
        (void)null_out;
        test_settings s;
        parse(&s, argv);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void defaults_fill_every_target(void)
{
    unsetenv(ENV_PORT);
    unsetenv(ENV_MODE);
    test_settings s;
    char *argv[] = {"test", NULL};
    parse(&s, argv);
    TW_CHECK_INT(s.port, 8000);
    TW_CHECK_NEAR(s.ratio, 0.5, 0);
    TW_CHECK_STR(s.mode, "fast");
    TW_CHECK(!s.verbose);
    TW_CHECK_STR(s.url, "");
}

static void the_environment_overrides_the_default(void)
{
    setenv(ENV_PORT, "9001", 1);
    test_settings s;
    char *argv[] = {"test", NULL};
    parse(&s, argv);
    TW_CHECK_INT(s.port, 9001);
    unsetenv(ENV_PORT);
}

static void a_flag_overrides_the_environment(void)
{
    setenv(ENV_PORT, "9001", 1);
    test_settings s;
    char *argv[] = {"test", "--port", "9002", NULL};
    parse(&s, argv);
    TW_CHECK_INT(s.port, 9002);
    unsetenv(ENV_PORT);
}

static void a_flag_takes_name_equals_value(void)
{
    test_settings s;
    char *argv[] = {"test", "--ratio=0.25", "--mode=slow", NULL};
    parse(&s, argv);
    TW_CHECK_NEAR(s.ratio, 0.25, 0);
    TW_CHECK_STR(s.mode, "slow");
}

static void a_bool_flag_alone_is_true(void)
{
    test_settings s;
    char *argv[] = {"test", "--verbose", NULL};
    parse(&s, argv);
    TW_CHECK(s.verbose);
}

static void an_http_url_is_taken_as_given(void)
{
    test_settings s;
    char *argv[] = {"test", "--url", "http://collector:4318/base", NULL};
    parse(&s, argv);
    TW_CHECK_STR(s.url, "http://collector:4318/base");
}

static void a_url_that_is_not_http_exits_2(void)
{
    TW_CHECK_INT(exit_status_of((char *[]){"test", "--url", "https://collector:4318", NULL}), 2);
}

static void a_bad_flag_or_value_exits_2(void)
{
    TW_CHECK_INT(exit_status_of((char *[]){"test", "--bogus", "1", NULL}), 2);
    TW_CHECK_INT(exit_status_of((char *[]){"test", "--port", "0", NULL}), 2);
    TW_CHECK_INT(exit_status_of((char *[]){"test", "--port", "80x", NULL}), 2);
    TW_CHECK_INT(exit_status_of((char *[]){"test", "--mode", "medium", NULL}), 2);
    TW_CHECK_INT(exit_status_of((char *[]){"test", "--port", NULL}), 2);
    TW_CHECK_INT(exit_status_of((char *[]){"test", "--port", " 80", NULL}), 2);
    TW_CHECK_INT(exit_status_of((char *[]){"test", "--port", "+80", NULL}), 2);
    TW_CHECK_INT(exit_status_of((char *[]){"test", "--port", "080", NULL}), 2);
    TW_CHECK_INT(exit_status_of((char *[]){"test", "--ratio", " 0.5", NULL}), 2);
    TW_CHECK_INT(exit_status_of((char *[]){"test", "--ratio", "+0.5", NULL}), 2);
}

static void a_number_written_loosely_exits_2(void)
{
    const char *loose_ints[] = {" 80", "80 ", "+80", "080", "-0", "0x50", "8e1", ""};
    for (size_t i = 0; i < sizeof loose_ints / sizeof loose_ints[0]; i++)
        TW_CHECK_INT(exit_status_of((char *[]){"test", "--port", (char *)loose_ints[i], NULL}), 2);
    const char *loose_reals[] = {" 0.5", "+0.5", "0x0.8p0", "0.5 ", "nan", ""};
    for (size_t i = 0; i < sizeof loose_reals / sizeof loose_reals[0]; i++)
        TW_CHECK_INT(exit_status_of((char *[]){"test", "--ratio", (char *)loose_reals[i], NULL}), 2);
    test_settings s;
    parse(&s, (char *[]){"test", "--ratio", ".5", "--port", "80", NULL});
    TW_CHECK_NEAR(s.ratio, 0.5, 0);
    TW_CHECK_INT(s.port, 80);
    parse(&s, (char *[]){"test", "--ratio", "5e-1", NULL});
    TW_CHECK_NEAR(s.ratio, 0.5, 0);
}

static void a_bad_environment_value_exits_2(void)
{
    setenv(ENV_MODE, "medium", 1);
    TW_CHECK_INT(exit_status_of((char *[]){"test", NULL}), 2);
    unsetenv(ENV_MODE);
}

/* The options fuzzer's find: a 500-byte value cut the reason short of "(see --help)". The
 * non-exiting parser gives the whole line, the value shortened. */
static void a_long_bad_value_keeps_the_whole_reason(void)
{
    static char value[600];
    memset(value, '9', sizeof value - 1);
    int64_t port = 0;
    tw_option options[] = {{"port", NULL, TW_OPT_INT, "8000", "port", &port, 1, 65535, NULL}};
    tw_cli cli = {"test", "options under test", options, 1};
    char err[TW_CLI_ERROR_BYTES];
    TW_CHECK_INT(
        tw_cli_parse_args(&cli, 3, (char *[]){"test", "--port", value, NULL}, err, sizeof err),
        TW_INVALID);
    TW_CHECK(strncmp(err, "test: invalid value for --port 999", 34) == 0);
    TW_CHECK(strlen(err) > 12 && strcmp(err + strlen(err) - 12, "(see --help)") == 0);
    TW_CHECK_INT(tw_cli_parse_args(&cli, 2, (char *[]){"test", "--help", NULL}, err, sizeof err),
                 TW_AGAIN);
}

static void help_exits_0(void)
{
    TW_CHECK_INT(exit_status_of((char *[]){"test", "--help", NULL}), 0);
}

static void a_secret_file_loses_its_trailing_newline(void)
{
    char path[] = "/tmp/tw-test-secret-XXXXXX";
    int fd = mkstemp(path);
    TW_CHECK(fd >= 0);
    TW_CHECK_INT(write(fd, "s3cret\r\n", 8), 8);
    close(fd);
    char secret[SECRET_BYTES];
    TW_CHECK_INT(tw_read_secret_file(path, secret, sizeof secret), TW_OK);
    TW_CHECK_STR(secret, "s3cret");
    unlink(path);
}

static void a_missing_secret_file_is_an_error(void)
{
    char secret[SECRET_BYTES];
    TW_CHECK_INT(tw_read_secret_file("/nonexistent/tw-secret", secret, sizeof secret), TW_ERR);
}

static void an_unset_or_empty_variable_gives_the_fallback(void)
{
    unsetenv("TW_TEST_ENV_OR");
    TW_CHECK_STR(tw_env_or("TW_TEST_ENV_OR", "fallback"), "fallback");
    setenv("TW_TEST_ENV_OR", "", 1);
    TW_CHECK_STR(tw_env_or("TW_TEST_ENV_OR", "fallback"), "fallback");
    setenv("TW_TEST_ENV_OR", "host-7", 1);
    TW_CHECK_STR(tw_env_or("TW_TEST_ENV_OR", "fallback"), "host-7");
    unsetenv("TW_TEST_ENV_OR");
}

TW_TEST_MAIN("options", TW_TEST(defaults_fill_every_target),
             TW_TEST(the_environment_overrides_the_default),
             TW_TEST(a_flag_overrides_the_environment), TW_TEST(a_flag_takes_name_equals_value),
             TW_TEST(a_bool_flag_alone_is_true), TW_TEST(an_http_url_is_taken_as_given),
             TW_TEST(a_url_that_is_not_http_exits_2), TW_TEST(a_bad_flag_or_value_exits_2),
             TW_TEST(a_number_written_loosely_exits_2),
             TW_TEST(a_bad_environment_value_exits_2), TW_TEST(help_exits_0),
             TW_TEST(a_long_bad_value_keeps_the_whole_reason),
             TW_TEST(a_secret_file_loses_its_trailing_newline),
             TW_TEST(a_missing_secret_file_is_an_error),
             TW_TEST(an_unset_or_empty_variable_gives_the_fallback))
