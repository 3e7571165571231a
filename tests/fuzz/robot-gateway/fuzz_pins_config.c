/* Fuzzes the robot config file (rg_pins_parse, what rg_pins_load reads from disk): a
 * refusal gives a reason; an accepted file leaves every pin a user GPIO, every servo
 * pulse range within the daemon's limits, every direction pattern 0/1, and a wiring the
 * dead-man's script and the speed/angle conversions handle. */
#include <string.h>

#include "deadman.h"
#include "pins.h"
#include "tw_fuzz.h"
#include "tw_status.h"

#define TEXT_MAX 8192
#define ERR_BYTES 160

static bool user_gpio(int gpio)
{
    return gpio >= 0 && gpio <= TW_PIGPIO_MAX_USER_GPIO;
}

static void check_robot(const rg_robot_pins *robot)
{
    for (int i = 0; i < RG_MOTOR_PINS; i++)
        TW_FUZZ_CHECK(user_gpio(robot->motor[i]));
    TW_FUZZ_CHECK(robot->enable_count >= 0 && robot->enable_count <= RG_MAX_ENABLE_PINS);
    for (int i = 0; i < robot->enable_count; i++)
        TW_FUZZ_CHECK(user_gpio(robot->enable[i]));
    TW_FUZZ_CHECK(user_gpio(robot->eyes));
    TW_FUZZ_CHECK(robot->servo_count >= 0 && robot->servo_count <= RG_MAX_SERVOS);
    for (int i = 0; i < robot->servo_count; i++) {
        const rg_servo_pins *servo = &robot->servos[i];
        TW_FUZZ_CHECK(user_gpio(servo->gpio));
        TW_FUZZ_CHECK(servo->min_pulse_us >= TW_PIGPIO_SERVO_MIN_US &&
                      servo->max_pulse_us <= TW_PIGPIO_SERVO_MAX_US);
        uint32_t lo = rg_servo_pulse_us(servo, -RG_ANGLE_MAX_DEG);
        uint32_t hi = rg_servo_pulse_us(servo, RG_ANGLE_MAX_DEG);
        TW_FUZZ_CHECK(lo >= TW_PIGPIO_SERVO_MIN_US && hi <= TW_PIGPIO_SERVO_MAX_US);
        (void)rg_servo_angle(servo, lo);
        (void)rg_servo_angle(servo, hi);
    }
    for (int d = 0; d < RG_DIR_COUNT; d++)
        for (int i = 0; i < RG_MOTOR_PINS; i++)
            TW_FUZZ_CHECK(robot->pattern[d][i] <= 1);
    char script[RG_DEADMAN_TEXT_BYTES];
    (void)rg_deadman_script(robot, script, sizeof script);
}

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > TEXT_MAX)
        return 0;
    static char text[TEXT_MAX + 1];
    memcpy(text, data, size);
    text[size] = '\0';
    rg_pins pins;
    rg_pins_defaults(&pins);
    char err[ERR_BYTES] = "";
    if (rg_pins_parse(&pins, text, err, sizeof err) != TW_OK) {
        TW_FUZZ_CHECK(err[0] != '\0');
        return 0;
    }
    for (int r = 0; r < RG_ROBOT_COUNT; r++)
        check_robot(&pins.robots[r]);
    return 0;
}
