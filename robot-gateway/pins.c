/* Robot wiring defaults (the originals' pins and drive patterns), the JSON override file,
 * and the speed and angle conversions. */
#include "pins.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_json_depth.h"
#include "tw_pigpio.h"
#include "tw_status.h"

#define CONFIG_MAX_BYTES 65536   /* a pin file is small */
#define ANGLE_STEPS_PER_DEG 10.0 /* read-back angles are reported to 0.1 degree */

static const char *const robot_names[RG_ROBOT_COUNT] = {"linus", "torvalds"};
static const char *const direction_names[RG_DIR_COUNT] = {"stop", "forward", "backward", "left",
                                                          "right"};

/* The original application's wiring (gpiozero on PiGPIOFactory): patterns are stop,
 * forward, backward, left, right; servos are AngularServo(-90, 90) with gpiozero's default
 * 1..2 ms pulses. torvalds's motors are wired so that forward is 0 1 1 0. */
static const rg_robot_pins default_pins[RG_ROBOT_COUNT] = {
    {.name = "linus",
     .motor = {13, 21, 17, 27},
     .enable = {12, 26},
     .enable_count = 2,
     .eyes = 16,
     .servos = {{22, RG_SERVO_MIN_US, RG_SERVO_MAX_US}, {23, RG_SERVO_MIN_US, RG_SERVO_MAX_US}},
     .servo_count = 2,
     .pattern = {{0, 0, 0, 0}, {1, 0, 1, 0}, {0, 1, 0, 1}, {0, 1, 1, 0}, {1, 0, 0, 1}}},
    {.name = "torvalds",
     .motor = {7, 8, 9, 10},
     .enable_count = 0,
     .eyes = 25,
     .servo_count = 0,
     .pattern = {{0, 0, 0, 0}, {0, 1, 1, 0}, {1, 0, 0, 1}, {1, 0, 1, 0}, {0, 1, 0, 1}}},
};

void rg_pins_defaults(rg_pins *pins)
{
    memcpy(pins->robots, default_pins, sizeof default_pins);
}

int rg_robot_index(const char *name)
{
    for (int i = 0; i < RG_ROBOT_COUNT; i++) {
        if (!strcmp(name, robot_names[i]))
            return i;
    }
    return -1;
}

int rg_direction_parse(const char *text, rg_direction *out)
{
    for (int i = 0; i < RG_DIR_COUNT; i++) {
        if (!strcmp(text, direction_names[i])) {
            *out = (rg_direction)i;
            return TW_OK;
        }
    }
    return TW_INVALID;
}

const char *rg_direction_name(rg_direction direction)
{
    return direction < RG_DIR_COUNT ? direction_names[direction] : "unknown";
}

uint32_t rg_servo_pulse_us(const rg_servo_pins *servo, double angle_deg)
{
    if (angle_deg < -RG_ANGLE_MAX_DEG)
        angle_deg = -RG_ANGLE_MAX_DEG;
    if (angle_deg > RG_ANGLE_MAX_DEG)
        angle_deg = RG_ANGLE_MAX_DEG;
    double center_us = (servo->min_pulse_us + servo->max_pulse_us) / 2.0;
    double us_per_deg = (servo->max_pulse_us - center_us) / RG_ANGLE_MAX_DEG;
    return (uint32_t)lround(center_us + angle_deg * us_per_deg);
}

double rg_servo_angle(const rg_servo_pins *servo, uint32_t pulse_us)
{
    double center_us = (servo->min_pulse_us + servo->max_pulse_us) / 2.0;
    double us_per_deg = (servo->max_pulse_us - center_us) / RG_ANGLE_MAX_DEG;
    double angle = ((double)pulse_us - center_us) / us_per_deg;
    return round(angle * ANGLE_STEPS_PER_DEG) / ANGLE_STEPS_PER_DEG;
}

uint32_t rg_speed_dutycycle(double speed)
{
    if (!(speed > 0))
        return 0;
    if (speed > 1)
        speed = 1;
    return (uint32_t)lround(speed * RG_SPEED_RANGE);
}

/* True when item is a whole number in [lo, hi] (checked before any cast: 1e308 is out of
 * range, not cast to int). */
static bool json_int_in(const cJSON *item, int lo, int hi)
{
    return cJSON_IsNumber(item) && item->valuedouble >= lo && item->valuedouble <= hi &&
           item->valuedouble == floor(item->valuedouble);
}

/* Reads item, entry index of the list called what, as a user GPIO number into out. */
static int parse_one_gpio(const cJSON *item, const char *what, int index, int *out, char *err,
                          size_t err_size)
{
    if (!json_int_in(item, 0, TW_PIGPIO_MAX_USER_GPIO)) {
        snprintf(err, err_size, "%s[%d] must be a GPIO number 0..%d", what, index,
                 TW_PIGPIO_MAX_USER_GPIO);
        return TW_INVALID;
    }
    *out = item->valueint;
    return TW_OK;
}

/* Reads an array of count user GPIO numbers; at most max entries when count is NULL. */
static int parse_gpio_list(const cJSON *node, const char *what, int *out, int max, int *count,
                           char *err, size_t err_size)
{
    int n = cJSON_GetArraySize(node);
    if (!cJSON_IsArray(node) || (count ? n > max : n != max)) {
        snprintf(err, err_size, "%s must be an array of %s%d GPIO numbers", what,
                 count ? "at most " : "", max);
        return TW_INVALID;
    }
    for (int i = 0; i < n; i++) {
        if (parse_one_gpio(cJSON_GetArrayItem(node, i), what, i, &out[i], err, err_size) != TW_OK)
            return TW_INVALID;
    }
    if (count)
        *count = n;
    return TW_OK;
}

/* Reads one integer member of a servo object into out when present. */
static int servo_pulse_member(const cJSON *node, const char *name, uint32_t *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(node, name);
    if (!item)
        return TW_OK;
    if (!json_int_in(item, TW_PIGPIO_SERVO_MIN_US, TW_PIGPIO_SERVO_MAX_US))
        return TW_INVALID;
    *out = (uint32_t)item->valueint;
    return TW_OK;
}

/* Servos: an array of GPIO numbers or {"gpio", "min_pulse_us", "max_pulse_us"} objects;
 * a number keeps gpiozero's default pulse range. */
static int parse_servos(const cJSON *node, rg_robot_pins *robot, char *err, size_t err_size)
{
    int n = cJSON_GetArraySize(node);
    if (!cJSON_IsArray(node) || n > RG_MAX_SERVOS) {
        snprintf(err, err_size, "%s.servos must be an array of at most %d servos", robot->name,
                 RG_MAX_SERVOS);
        return TW_INVALID;
    }
    for (int i = 0; i < n; i++) {
        const cJSON *item = cJSON_GetArrayItem(node, i);
        rg_servo_pins servo = {-1, RG_SERVO_MIN_US, RG_SERVO_MAX_US};
        const cJSON *gpio =
            cJSON_IsObject(item) ? cJSON_GetObjectItemCaseSensitive(item, "gpio") : item;
        char what[48];
        snprintf(what, sizeof what, "%s.servos", robot->name);
        if (parse_one_gpio(gpio, what, i, &servo.gpio, err, err_size) != TW_OK)
            return TW_INVALID;
        if (cJSON_IsObject(item) &&
            (servo_pulse_member(item, "min_pulse_us", &servo.min_pulse_us) != TW_OK ||
             servo_pulse_member(item, "max_pulse_us", &servo.max_pulse_us) != TW_OK ||
             servo.min_pulse_us >= servo.max_pulse_us)) {
            snprintf(err, err_size, "%s[%d] pulse widths must be %d..%d us with min below max",
                     what, i, TW_PIGPIO_SERVO_MIN_US, TW_PIGPIO_SERVO_MAX_US);
            return TW_INVALID;
        }
        robot->servos[i] = servo;
    }
    robot->servo_count = n;
    return TW_OK;
}

static int parse_patterns(const cJSON *node, rg_robot_pins *robot, char *err, size_t err_size)
{
    if (!cJSON_IsObject(node)) {
        snprintf(err, err_size, "%s.directions must be an object", robot->name);
        return TW_INVALID;
    }
    for (const cJSON *item = node->child; item; item = item->next) {
        rg_direction dir;
        if (rg_direction_parse(item->string, &dir) != TW_OK) {
            snprintf(err, err_size, "%s.directions: unknown direction \"%s\"", robot->name,
                     item->string);
            return TW_INVALID;
        }
        int n = cJSON_GetArraySize(item);
        if (!cJSON_IsArray(item) || n != RG_MOTOR_PINS) {
            snprintf(err, err_size, "%s.directions.%s must be %d levels", robot->name, item->string,
                     RG_MOTOR_PINS);
            return TW_INVALID;
        }
        for (int i = 0; i < n; i++) {
            const cJSON *level = cJSON_GetArrayItem(item, i);
            if (!cJSON_IsNumber(level) || (level->valuedouble != 0 && level->valuedouble != 1)) {
                snprintf(err, err_size, "%s.directions.%s levels must be 0 or 1", robot->name,
                         item->string);
                return TW_INVALID;
            }
            robot->pattern[dir][i] = (uint8_t)level->valueint;
        }
    }
    return TW_OK;
}

static int parse_robot(const cJSON *node, rg_robot_pins *robot, char *err, size_t err_size)
{
    char what[48];
    const cJSON *item;
    int rc = TW_OK;
    if ((item = cJSON_GetObjectItemCaseSensitive(node, "motor")) && rc == TW_OK) {
        snprintf(what, sizeof what, "%s.motor", robot->name);
        rc = parse_gpio_list(item, what, robot->motor, RG_MOTOR_PINS, NULL, err, err_size);
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(node, "enable")) && rc == TW_OK) {
        snprintf(what, sizeof what, "%s.enable", robot->name);
        rc = parse_gpio_list(item, what, robot->enable, RG_MAX_ENABLE_PINS, &robot->enable_count,
                             err, err_size);
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(node, "servos")) && rc == TW_OK)
        rc = parse_servos(item, robot, err, err_size);
    if ((item = cJSON_GetObjectItemCaseSensitive(node, "eyes")) && rc == TW_OK) {
        snprintf(what, sizeof what, "%s.eyes", robot->name);
        rc = parse_one_gpio(item, what, 0, &robot->eyes, err, err_size);
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(node, "directions")) && rc == TW_OK)
        rc = parse_patterns(item, robot, err, err_size);
    return rc;
}

int rg_pins_parse(rg_pins *pins, const char *json, char *err, size_t err_size)
{
    if (!tw_json_depth_within(json, strlen(json), TW_JSON_MAX_DEPTH)) {
        snprintf(err, err_size, "pin file nests deeper than %d levels", TW_JSON_MAX_DEPTH);
        return TW_INVALID;
    }
    cJSON *doc = cJSON_Parse(json);
    if (!cJSON_IsObject(doc)) {
        snprintf(err, err_size, "pin file is not a JSON object");
        cJSON_Delete(doc);
        return TW_INVALID;
    }
    int rc = TW_OK;
    for (const cJSON *item = doc->child; item && rc == TW_OK; item = item->next) {
        int index = rg_robot_index(item->string);
        if (index < 0 || !cJSON_IsObject(item)) {
            snprintf(err, err_size, "unknown robot \"%s\" (linus|torvalds)", item->string);
            rc = TW_INVALID;
        } else {
            rc = parse_robot(item, &pins->robots[index], err, err_size);
        }
    }
    cJSON_Delete(doc);
    return rc;
}

int rg_pins_load(rg_pins *pins, const char *path, char *err, size_t err_size)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(err, err_size, "cannot open pin file %s", path);
        return TW_INVALID;
    }
    char *text = tw_xmalloc(CONFIG_MAX_BYTES + 1);
    size_t len = fread(text, 1, CONFIG_MAX_BYTES + 1, file);
    fclose(file);
    int rc;
    if (len > CONFIG_MAX_BYTES) {
        snprintf(err, err_size, "pin file %s larger than %d bytes", path, CONFIG_MAX_BYTES);
        rc = TW_INVALID;
    } else {
        text[len] = '\0';
        rc = rg_pins_parse(pins, text, err, err_size);
    }
    free(text);
    return rc;
}
