/* Unit tests for pigpio-sim's GPIO state machine: results and error codes as the daemon. */
#include "gpio_state.h"
#include "tw_log.h"
#include "tw_test.h"

static pgs_state state;

static int32_t run(uint32_t cmd, uint32_t p1, uint32_t p2)
{
    tw_pigpio_frame req = {cmd, p1, p2, 0};
    return pgs_state_execute(&state, &req, 0);
}

static void reset(void)
{
    tw_log_init("test", TW_LOG_ERROR);
    pgs_state_init(&state, 0);
}

static void write_sets_output_and_level(void)
{
    reset();
    TW_CHECK_INT(run(TW_PI_CMD_MODEG, 4, 0), TW_PI_INPUT);
    TW_CHECK_INT(run(TW_PI_CMD_WRITE, 4, 1), 0);
    TW_CHECK_INT(run(TW_PI_CMD_MODEG, 4, 0), TW_PI_OUTPUT);
    TW_CHECK_INT(run(TW_PI_CMD_READ, 4, 0), 1);
    TW_CHECK_INT(run(TW_PI_CMD_BR1, 0, 0), 1 << 4);
}

static void rejects_bad_gpio_level_and_mode(void)
{
    reset();
    TW_CHECK_INT(run(TW_PI_CMD_WRITE, 54, 1), TW_PI_BAD_GPIO);
    TW_CHECK_INT(run(TW_PI_CMD_WRITE, 4, 2), TW_PI_BAD_LEVEL);
    TW_CHECK_INT(run(TW_PI_CMD_MODES, 4, 8), TW_PI_BAD_MODE);
    TW_CHECK_INT(run(TW_PI_CMD_READ, 99, 0), TW_PI_BAD_GPIO);
    TW_CHECK_INT(run(TW_PI_CMD_PUD, 4, 3), TW_PI_BAD_PUD);
    TW_CHECK_INT(run(4242, 0, 0), TW_PI_UNKNOWN_COMMAND);
}

static void servo_pulse_widths(void)
{
    reset();
    TW_CHECK_INT(run(TW_PI_CMD_GPW, 22, 0), TW_PI_NOT_SERVO_GPIO);
    TW_CHECK_INT(run(TW_PI_CMD_SERVO, 22, 500), 0);
    TW_CHECK_INT(run(TW_PI_CMD_GPW, 22, 0), 500);
    TW_CHECK_INT(run(TW_PI_CMD_SERVO, 22, 499), TW_PI_BAD_PULSEWIDTH);
    TW_CHECK_INT(run(TW_PI_CMD_SERVO, 22, 2501), TW_PI_BAD_PULSEWIDTH);
    TW_CHECK_INT(run(TW_PI_CMD_SERVO, 32, 1500), TW_PI_BAD_USER_GPIO);
    TW_CHECK_INT(run(TW_PI_CMD_SERVO, 22, 0), 0);
    TW_CHECK_INT(run(TW_PI_CMD_GPW, 22, 0), 0);
    TW_CHECK_INT(run(TW_PI_CMD_WRITE, 22, 0), 0);
    TW_CHECK_INT(run(TW_PI_CMD_GPW, 22, 0), TW_PI_NOT_SERVO_GPIO);
}

static void pwm_dutycycle_range_and_frequency(void)
{
    reset();
    TW_CHECK_INT(run(TW_PI_CMD_GDC, 12, 0), TW_PI_NOT_PWM_GPIO);
    TW_CHECK_INT(run(TW_PI_CMD_PWM, 12, 255), 0);
    TW_CHECK_INT(run(TW_PI_CMD_GDC, 12, 0), 255);
    TW_CHECK_INT(run(TW_PI_CMD_READ, 12, 0), 1);
    TW_CHECK_INT(run(TW_PI_CMD_PWM, 12, 256), TW_PI_BAD_DUTYCYCLE);
    TW_CHECK_INT(run(TW_PI_CMD_PRS, 12, 24), TW_PI_BAD_DUTYRANGE);
    TW_CHECK_INT(run(TW_PI_CMD_PRS, 12, 1000), 250);
    TW_CHECK_INT(run(TW_PI_CMD_PRG, 12, 0), 1000);
    TW_CHECK_INT(run(TW_PI_CMD_PWM, 12, 1000), 0);
    TW_CHECK_INT(run(TW_PI_CMD_PFS, 12, 700), 800);
    TW_CHECK_INT(run(TW_PI_CMD_PFS, 12, 10000), 8000);
    TW_CHECK_INT(run(TW_PI_CMD_PRRG, 12, 0), 25);
    TW_CHECK_INT(run(TW_PI_CMD_PWM, 40, 1), TW_PI_BAD_USER_GPIO);
    TW_CHECK_INT(run(TW_PI_CMD_MODES, 12, TW_PI_INPUT), 0);
    TW_CHECK_INT(run(TW_PI_CMD_GDC, 12, 0), TW_PI_NOT_PWM_GPIO);
}

/* Found by fuzz_pigpio_server: PWM 12 128, then the pin set to input (PWM off), then its
 * range lowered to 100 left a dutycycle of 128 over a range of 100; PWM on again starts
 * from 0, and a running dutycycle is scaled with the range. */
static void a_stopped_pwm_leaves_no_dutycycle_over_the_range(void)
{
    reset();
    TW_CHECK_INT(run(TW_PI_CMD_PWM, 12, 128), 0);
    TW_CHECK_INT(run(TW_PI_CMD_MODES, 12, TW_PI_INPUT), 0);
    TW_CHECK_INT(run(TW_PI_CMD_PRS, 12, 100), 250);
    TW_CHECK_INT(state.gpio[12].dutycycle, 0);
    TW_CHECK_INT(run(TW_PI_CMD_PWM, 12, 101), TW_PI_BAD_DUTYCYCLE);
    TW_CHECK_INT(run(TW_PI_CMD_PWM, 12, 50), 0);
    TW_CHECK_INT(run(TW_PI_CMD_PRS, 12, 200), 250);
    TW_CHECK_INT(run(TW_PI_CMD_GDC, 12, 0), 100);
    TW_CHECK_INT(run(TW_PI_CMD_SERVO, 12, 1500), 0); /* the servo takes the pin over */
    TW_CHECK_INT(state.gpio[12].dutycycle, 0);
    TW_CHECK_INT(run(TW_PI_CMD_WRITE, 12, 0), 0);
    TW_CHECK_INT(state.gpio[12].pulse_us, 0);
}

static void identity_commands(void)
{
    reset();
    TW_CHECK_INT(run(TW_PI_CMD_PIGPV, 0, 0), 79);
    TW_CHECK(run(TW_PI_CMD_HWVER, 0, 0) > 0);
    TW_CHECK(pgs_state_handles(TW_PI_CMD_GPW));
    TW_CHECK(!pgs_state_handles(TW_PI_CMD_NOIB));
}

TW_TEST_MAIN("pigpio-sim gpio state", TW_TEST(write_sets_output_and_level),
             TW_TEST(rejects_bad_gpio_level_and_mode), TW_TEST(servo_pulse_widths),
             TW_TEST(pwm_dutycycle_range_and_frequency),
             TW_TEST(a_stopped_pwm_leaves_no_dutycycle_over_the_range), TW_TEST(identity_commands))
