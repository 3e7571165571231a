/* Unit tests for the robot wiring, conversions, pin file, token check and addresses. */
#include "auth.h"
#include "pigpio_conn.h"
#include "pins.h"
#include "tw_status.h"
#include "tw_test.h"

static void default_pins_are_the_contract(void)
{
    rg_pins pins;
    rg_pins_defaults(&pins);
    const rg_robot_pins *linus = &pins.robots[rg_robot_index("linus")];
    const rg_robot_pins *torvalds = &pins.robots[rg_robot_index("torvalds")];
    static const int linus_motor[] = {13, 21, 17, 27}, torvalds_motor[] = {7, 8, 9, 10};
    TW_CHECK(memcmp(linus->motor, linus_motor, sizeof linus_motor) == 0);
    TW_CHECK(memcmp(torvalds->motor, torvalds_motor, sizeof torvalds_motor) == 0);
    TW_CHECK_INT(linus->enable[0], 12);
    TW_CHECK_INT(linus->enable[1], 26);
    TW_CHECK_INT(linus->eyes, 16);
    TW_CHECK_INT(torvalds->eyes, 25);
    TW_CHECK_INT(linus->servos[0].gpio, 22);
    TW_CHECK_INT(linus->servos[1].gpio, 23);
    TW_CHECK_INT(linus->servos[0].min_pulse_us, 1000);
    TW_CHECK_INT(linus->servos[1].max_pulse_us, 2000);
    TW_CHECK_INT(torvalds->servo_count, 0);
    TW_CHECK_INT(rg_robot_index("bender"), -1);
}

static void linus_drive_patterns(void)
{
    rg_pins pins;
    rg_pins_defaults(&pins);
    const rg_robot_pins *linus = &pins.robots[0];
    static const uint8_t expected[RG_DIR_COUNT][RG_MOTOR_PINS] = {
        {0, 0, 0, 0}, {1, 0, 1, 0}, {0, 1, 0, 1}, {0, 1, 1, 0}, {1, 0, 0, 1}};
    TW_CHECK(memcmp(linus->pattern, expected, sizeof expected) == 0);
    rg_direction dir;
    TW_CHECK_INT(rg_direction_parse("left", &dir), TW_OK);
    TW_CHECK_INT(dir, RG_DIR_LEFT);
    TW_CHECK_INT(rg_direction_parse("up", &dir), TW_INVALID);
    TW_CHECK_STR(rg_direction_name(RG_DIR_BACKWARD), "backward");
}

/* The original application's torvalds: forward 0 1 1 0, backward 1 0 0 1, left 1 0 1 0,
 * right 0 1 0 1 on GPIO 7, 8, 9, 10. */
static void torvalds_drive_patterns(void)
{
    rg_pins pins;
    rg_pins_defaults(&pins);
    static const uint8_t expected[RG_DIR_COUNT][RG_MOTOR_PINS] = {
        {0, 0, 0, 0}, {0, 1, 1, 0}, {1, 0, 0, 1}, {1, 0, 1, 0}, {0, 1, 0, 1}};
    TW_CHECK(memcmp(pins.robots[1].pattern, expected, sizeof expected) == 0);
}

static void angle_to_pulse(void)
{
    const rg_servo_pins servo = {22, 1000, 2000};
    TW_CHECK_INT(rg_servo_pulse_us(&servo, -90), 1000);
    TW_CHECK_INT(rg_servo_pulse_us(&servo, 0), 1500);
    TW_CHECK_INT(rg_servo_pulse_us(&servo, 90), 2000);
    TW_CHECK_INT(rg_servo_pulse_us(&servo, 45), 1750);
    TW_CHECK_INT(rg_servo_pulse_us(&servo, -30), 1333);
    TW_CHECK_INT(rg_servo_pulse_us(&servo, 1), 1506);
    TW_CHECK_INT(rg_servo_pulse_us(&servo, 180), 2000);
    TW_CHECK_INT(rg_servo_pulse_us(&servo, -180), 1000);
    const rg_servo_pins wide = {23, 500, 2500};
    TW_CHECK_INT(rg_servo_pulse_us(&wide, 90), 2500);
    TW_CHECK_INT(rg_servo_pulse_us(&wide, -45), 1000);
}

static void pulse_to_angle(void)
{
    const rg_servo_pins servo = {22, 1000, 2000};
    TW_CHECK(rg_servo_angle(&servo, 1000) == -90);
    TW_CHECK(rg_servo_angle(&servo, 1500) == 0);
    TW_CHECK(rg_servo_angle(&servo, 2000) == 90);
    TW_CHECK(rg_servo_angle(&servo, 1333) == -30.1);
    TW_CHECK(rg_servo_angle(&servo, 2500) == 180);
}

static void speed_to_dutycycle(void)
{
    TW_CHECK_INT(rg_speed_dutycycle(0), 0);
    TW_CHECK_INT(rg_speed_dutycycle(0.5), 128);
    TW_CHECK_INT(rg_speed_dutycycle(0.25), 64);
    TW_CHECK_INT(rg_speed_dutycycle(1), 255);
}

static void pin_file_overrides(void)
{
    rg_pins pins;
    rg_pins_defaults(&pins);
    char err[160] = "";
    TW_CHECK_INT(rg_pins_parse(&pins,
                               "{\"torvalds\": {\"eyes\": 5, \"motor\": [1, 2, 3, 4],"
                               " \"directions\": {\"forward\": [0, 0, 1, 1]}}}",
                               err, sizeof err),
                 TW_OK);
    TW_CHECK_INT(pins.robots[1].eyes, 5);
    TW_CHECK_INT(pins.robots[1].motor[3], 4);
    TW_CHECK_INT(pins.robots[1].pattern[RG_DIR_FORWARD][2], 1);
    TW_CHECK_INT(pins.robots[1].pattern[RG_DIR_BACKWARD][0], 1);
    TW_CHECK_INT(pins.robots[0].eyes, 16);
    TW_CHECK_INT(rg_pins_parse(&pins, "{\"linus\": {\"eyes\": 40}}", err, sizeof err), TW_INVALID);
    TW_CHECK_STR(err, "linus.eyes[0] must be a GPIO number 0..31");
    TW_CHECK_INT(rg_pins_parse(&pins, "{\"bender\": {}}", err, sizeof err), TW_INVALID);
    TW_CHECK_INT(
        rg_pins_parse(&pins, "{\"linus\": {\"directions\": {\"up\": [1,1,1,1]}}}", err, sizeof err),
        TW_INVALID);
    TW_CHECK_INT(rg_pins_parse(&pins, "[1]", err, sizeof err), TW_INVALID);
}

/* Numbers beyond int were cast to int before the range check (UB for 1e308), and a pin
 * file nested 1000 deep reached cJSON's recursion. */
static void pin_file_numbers_and_nesting_are_checked_before_use(void)
{
    rg_pins pins;
    rg_pins_defaults(&pins);
    char err[160] = "";
    static const char *const refused[] = {
        "{\"linus\": {\"motor\": [1e308, 2, 3, 4]}}",
        "{\"linus\": {\"eyes\": -1e308}}",
        "{\"linus\": {\"eyes\": 2.5}}",
        "{\"linus\": {\"servos\": [{\"gpio\": 22, \"min_pulse_us\": 1e308}]}}",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        TW_CHECK_INT(rg_pins_parse(&pins, refused[i], err, sizeof err), TW_INVALID);
    TW_CHECK_INT(rg_pins_parse(&pins, refused[0], err, sizeof err), TW_INVALID);
    TW_CHECK_STR(err, "linus.motor[0] must be a GPIO number 0..31");
    char deep[2100] = "{\"linus\":";
    size_t n = strlen(deep);
    for (int i = 0; i < 1000; i++)
        deep[n++] = '[';
    deep[n] = '\0';
    TW_CHECK_INT(rg_pins_parse(&pins, deep, err, sizeof err), TW_INVALID);
    TW_CHECK_STR(err, "pin file nests deeper than 16 levels");
    TW_CHECK_INT(pins.robots[0].eyes, 16);
}

static void pin_file_servo_ranges(void)
{
    rg_pins pins;
    rg_pins_defaults(&pins);
    char err[160] = "";
    TW_CHECK_INT(rg_pins_parse(&pins,
                               "{\"linus\": {\"servos\": [{\"gpio\": 5, \"min_pulse_us\": 600,"
                               " \"max_pulse_us\": 2400}, 6]},"
                               " \"torvalds\": {\"servos\": [{\"gpio\": 4}]}}",
                               err, sizeof err),
                 TW_OK);
    const rg_robot_pins *linus = &pins.robots[0], *torvalds = &pins.robots[1];
    TW_CHECK_INT(linus->servo_count, 2);
    TW_CHECK_INT(linus->servos[0].gpio, 5);
    TW_CHECK_INT(linus->servos[0].min_pulse_us, 600);
    TW_CHECK_INT(linus->servos[0].max_pulse_us, 2400);
    TW_CHECK_INT(linus->servos[1].gpio, 6);
    TW_CHECK_INT(linus->servos[1].min_pulse_us, 1000);
    TW_CHECK_INT(torvalds->servo_count, 1);
    TW_CHECK_INT(torvalds->servos[0].max_pulse_us, 2000);
    TW_CHECK_INT(rg_pins_parse(&pins,
                               "{\"linus\": {\"servos\": [{\"gpio\": 5,"
                               " \"min_pulse_us\": 2000, \"max_pulse_us\": 1000}]}}",
                               err, sizeof err),
                 TW_INVALID);
    TW_CHECK_STR(err, "linus.servos[0] pulse widths must be 500..2500 us with min below max");
    TW_CHECK_INT(rg_pins_parse(&pins, "{\"linus\": {\"servos\": [{\"min_pulse_us\": 900}]}}", err,
                               sizeof err),
                 TW_INVALID);
    TW_CHECK_STR(err, "linus.servos[0] must be a GPIO number 0..31");
    TW_CHECK_INT(rg_pins_parse(&pins, "{\"linus\": {\"servos\": [1, 2, 3]}}", err, sizeof err),
                 TW_INVALID);
    TW_CHECK_STR(err, "linus.servos must be an array of at most 2 servos");
}

static void bearer_token_check(void)
{
    TW_CHECK(rg_auth_check("Bearer s3cret", "s3cret"));
    TW_CHECK(!rg_auth_check("Bearer s3cres", "s3cret"));
    TW_CHECK(!rg_auth_check("Bearer s3cret2", "s3cret"));
    TW_CHECK(!rg_auth_check("Bearer s3cre", "s3cret"));
    TW_CHECK(!rg_auth_check("Basic s3cret", "s3cret"));
    TW_CHECK(!rg_auth_check(NULL, "s3cret"));
    TW_CHECK(!rg_auth_check("Bearer ", ""));
    char a[2 * RG_TOKEN_BYTES + 1], b[2 * RG_TOKEN_BYTES + 1];
    TW_CHECK_INT(rg_auth_generate(a, sizeof a), TW_OK);
    TW_CHECK_INT(rg_auth_generate(b, sizeof b), TW_OK);
    TW_CHECK_INT(strlen(a), 2 * RG_TOKEN_BYTES);
    TW_CHECK(strcmp(a, b) != 0);
}

static void host_port_parsing(void)
{
    char host[64];
    int port = 0;
    TW_CHECK_INT(rg_parse_host_port("pi-linus.local:8888", host, sizeof host, &port), TW_OK);
    TW_CHECK_STR(host, "pi-linus.local");
    TW_CHECK_INT(port, 8888);
    TW_CHECK_INT(rg_parse_host_port("host:0", host, sizeof host, &port), TW_INVALID);
    TW_CHECK_INT(rg_parse_host_port("host", host, sizeof host, &port), TW_INVALID);
    TW_CHECK_INT(rg_parse_host_port(":80", host, sizeof host, &port), TW_INVALID);
    const char *loose[] = {"host: 80", "host:+80", "host:080", "host:80 ", "host:65536", "host:"};
    for (size_t i = 0; i < sizeof loose / sizeof loose[0]; i++)
        TW_CHECK_INT(rg_parse_host_port(loose[i], host, sizeof host, &port), TW_INVALID);
}

TW_TEST_MAIN("robot-gateway pins", TW_TEST(default_pins_are_the_contract),
             TW_TEST(linus_drive_patterns), TW_TEST(torvalds_drive_patterns),
             TW_TEST(angle_to_pulse), TW_TEST(pulse_to_angle), TW_TEST(speed_to_dutycycle),
             TW_TEST(pin_file_overrides), TW_TEST(pin_file_servo_ranges),
             TW_TEST(pin_file_numbers_and_nesting_are_checked_before_use),
             TW_TEST(bearer_token_check), TW_TEST(host_port_parsing))
