/* Unit tests for pigpio-sim's scripts: parsing with the daemon's error codes, the virtual
 * machine's arithmetic, flags, jumps, calls and delays, and the stored-script commands. */
#include <string.h>

#include "gpio_state.h"
#include "script.h"
#include "script_store.h"
#include "tw_log.h"
#include "tw_test.h"

static pgs_state gpio;

static int32_t exec_gpio(void *arg, const tw_pigpio_frame *request)
{
    (void)arg;
    return pgs_state_execute(&gpio, request, 0);
}

static pgs_script script;

static int32_t parse(const char *text)
{
    memset(&script, 0, sizeof script);
    return pgs_script_parse(text, strlen(text), &script.program);
}

static void reset(void)
{
    tw_log_init("test", TW_LOG_ERROR);
    pgs_state_init(&gpio, 0);
}

static void parse_errors_are_the_daemons(void)
{
    static const struct {
        const char *text; /* script */
        int32_t result;   /* what PROC answers */
    } cases[] = {
        {"tag 123 w 4 0 mils 5 w 4 1 mils 5 jmp 12", TW_PI_BAD_TAG},
        {"tag 1 tag 1", TW_PI_DUP_TAG},
        {"fly 3", TW_PI_BAD_SCRIPT_CMD},
        {"dcr p10", TW_PI_BAD_PARAM_NUM},
        {"ld v150 1", TW_PI_BAD_VAR_NUM},
        {"w 4", TW_PI_BAD_SCRIPT},
        {"mils 60001", TW_PI_BAD_MILS_DELAY},
        {"W 4 1 Mils 5 HALT", 0},
    };
    reset();
    TW_CHECK_INT(parse("tag 123 w 4 0 mils 200 w 4 1 mils 300 dcr p0 jp 123"), 0);
    TW_CHECK_INT(script.program.count, 6);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        TW_CHECK_INT(parse(cases[i].text), cases[i].result);
    char many[1024] = "";
    for (int i = 0; i <= PGS_SCRIPT_MAX_TAGS; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "tag %d ", i);
    TW_CHECK_INT(parse(many), TW_PI_TOO_MANY_TAGS);
}

/* Parses text, starts it with count parameters and runs it at time 0 until it stops. */
static void run_to_end(const char *text, const int32_t *params, int count)
{
    reset();
    TW_CHECK_INT(parse(text), 0);
    pgs_script_start(&script, params, count);
    pgs_script_run(&script, 0, 1000, exec_gpio, NULL);
}

static void countdown_loop_runs_to_minus_one(void)
{
    const int32_t params[] = {3};
    run_to_end("tag 999 w 22 1 w 22 0 dcr p0 jp 999", params, 1);
    TW_CHECK_INT(script.status, TW_PI_SCRIPT_HALTED);
    TW_CHECK_INT(script.params[0], -1);
    TW_CHECK_INT(gpio.gpio[22].level, 0);
}

static void arithmetic_flags_and_calls(void)
{
    const int32_t params[] = {0, 2};
    run_to_end("lda 7 add p1 sta v5 sub 10 jm 1 ld p2 99 halt tag 1 call 2 mlt 3 sta p3"
               " inr v5 x p4 v5 ret tag 2 lda v5 ret",
               params, 2);
    /* 7 + 2 = 9, 9 - 10 < 0: call 2 loads A = v5 = 9, A * 3 = 27 into p3, v5 = 10 swapped into
     * p4, then ret with an empty stack fails the script. */
    TW_CHECK_INT(script.params[3], 27);
    TW_CHECK_INT(script.params[4], 10);
    TW_CHECK_INT(script.params[2], 0);
    TW_CHECK_INT(script.status, TW_PI_SCRIPT_FAILED);
}

static void mils_sleeps_until_its_time(void)
{
    reset();
    TW_CHECK_INT(parse("w 5 1 mils 100 w 5 0"), 0);
    pgs_script_start(&script, NULL, 0);
    pgs_script_run(&script, 1000, 1000, exec_gpio, NULL);
    TW_CHECK_INT(gpio.gpio[5].level, 1);
    TW_CHECK_INT(script.status, TW_PI_SCRIPT_RUNNING);
    pgs_script_run(&script, 100999, 1000, exec_gpio, NULL);
    TW_CHECK_INT(gpio.gpio[5].level, 1);
    pgs_script_run(&script, 101000, 1000, exec_gpio, NULL);
    TW_CHECK_INT(gpio.gpio[5].level, 0);
    TW_CHECK_INT(script.status, TW_PI_SCRIPT_HALTED);
}

static void gpio_error_fails_the_script(void)
{
    run_to_end("w 60 1 w 4 1", NULL, 0);
    TW_CHECK_INT(script.status, TW_PI_SCRIPT_FAILED);
    TW_CHECK_INT(script.a, TW_PI_BAD_GPIO);
    TW_CHECK_INT(gpio.gpio[4].level, 0);
}

static int32_t store_cmd(pgs_scripts *store, uint32_t cmd, uint32_t id, const void *ext, size_t len,
                         uint8_t *reply, size_t *reply_len)
{
    tw_pigpio_frame req = {cmd, id, 0, (uint32_t)len};
    return pgs_scripts_execute(store, &req, ext, len, reply, reply_len, 0);
}

static void store_commands(void)
{
    reset();
    pgs_scripts *store = pgs_scripts_new(exec_gpio, NULL);
    uint8_t reply[PGS_PROCP_REPLY_BYTES];
    size_t reply_len;
    const char *text = "tag 0 mils 20 dcr p0 jnz 0 w 7 0";
    TW_CHECK_INT(store_cmd(store, TW_PI_CMD_PROC, 0, text, strlen(text), reply, &reply_len), 0);
    TW_CHECK_INT(store_cmd(store, TW_PI_CMD_PROC, 0, "jmp 4", 5, reply, &reply_len), TW_PI_BAD_TAG);
    TW_CHECK_INT(store_cmd(store, TW_PI_CMD_PROC, 0, text, strlen(text), reply, &reply_len), 1);
    uint8_t params[2 * TW_PIGPIO_WORD_BYTES];
    tw_pigpio_put_word(params, 2);
    tw_pigpio_put_word(params + TW_PIGPIO_WORD_BYTES, 77);
    TW_CHECK_INT(store_cmd(store, TW_PI_CMD_PROCR, 0, params, sizeof params, reply, &reply_len), 0);
    TW_CHECK_INT(store_cmd(store, TW_PI_CMD_PROCP, 0, NULL, 0, reply, &reply_len), 44);
    TW_CHECK_INT(reply_len, 44);
    TW_CHECK_INT(tw_pigpio_get_word(reply), TW_PI_SCRIPT_RUNNING);
    TW_CHECK_INT(tw_pigpio_get_word(reply + 8), 77);
    TW_CHECK_INT(pgs_scripts_due_in_us(store, 0, 100000), 20000);
    tw_pigpio_put_word(params, 5);
    TW_CHECK_INT(store_cmd(store, TW_PI_CMD_PROCU, 0, params, 4, reply, &reply_len), 0);
    store_cmd(store, TW_PI_CMD_PROCP, 0, NULL, 0, reply, &reply_len);
    TW_CHECK_INT(tw_pigpio_get_word(reply + 4), 5);
    TW_CHECK_INT(store_cmd(store, TW_PI_CMD_PROCS, 0, NULL, 0, reply, &reply_len), 0);
    store_cmd(store, TW_PI_CMD_PROCP, 0, NULL, 0, reply, &reply_len);
    TW_CHECK_INT(tw_pigpio_get_word(reply), TW_PI_SCRIPT_HALTED);
    TW_CHECK_INT(store_cmd(store, TW_PI_CMD_PROCD, 0, NULL, 0, reply, &reply_len), 0);
    TW_CHECK_INT(store_cmd(store, TW_PI_CMD_PROCP, 0, NULL, 0, reply, &reply_len),
                 TW_PI_BAD_SCRIPT_ID);
    TW_CHECK_INT(store_cmd(store, TW_PI_CMD_PROCR, 1, params, 3, reply, &reply_len),
                 TW_PI_BAD_PARAM_NUM);
    uint8_t eleven[11 * TW_PIGPIO_WORD_BYTES] = {0};
    TW_CHECK_INT(store_cmd(store, TW_PI_CMD_PROCU, 1, eleven, sizeof eleven, reply, &reply_len),
                 TW_PI_TOO_MANY_PARAM);
    pgs_scripts_free(store);
}

TW_TEST_MAIN("pigpio-sim scripts", TW_TEST(parse_errors_are_the_daemons),
             TW_TEST(countdown_loop_runs_to_minus_one), TW_TEST(arithmetic_flags_and_calls),
             TW_TEST(mils_sleeps_until_its_time), TW_TEST(gpio_error_fails_the_script),
             TW_TEST(store_commands))
