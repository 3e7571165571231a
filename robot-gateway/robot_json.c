/* JSON encoding of a robot: state, read-back pins, configuration. */
#include "robot_json.h"

#include <stdio.h>
#include <string.h>

#include "tw_status.h"

const char *const rg_motor_names[RG_MAX_ENABLE_PINS] = {"left", "right"};

static void add_number_or_null(cJSON *obj, const char *name, bool known, double value)
{
    if (known)
        cJSON_AddNumberToObject(obj, name, value);
    else
        cJSON_AddNullToObject(obj, name);
}

static void add_pins(cJSON *obj, const rg_job *job)
{
    cJSON *pins = cJSON_AddArrayToObject(obj, "pins");
    for (int i = 0; i < job->pin_count; i++) {
        const rg_pin_reading *p = &job->pins[i];
        cJSON *pin = cJSON_CreateObject();
        cJSON_AddNumberToObject(pin, "gpio", p->gpio);
        cJSON_AddStringToObject(pin, "role", p->role);
        add_number_or_null(pin, "level", p->level >= 0, p->level);
        if (!strncmp(p->role, "enable", strlen("enable")))
            cJSON_AddNumberToObject(pin, "dutycycle", p->value >= 0 ? p->value : 0);
        if (!strncmp(p->role, "servo", strlen("servo")))
            cJSON_AddNumberToObject(pin, "pulse_us", p->value >= 0 ? p->value : 0);
        cJSON_AddItemToArray(pins, pin);
    }
}

/* The reading of the pin with role, or NULL. */
static const rg_pin_reading *reading(const rg_job *read, const char *role)
{
    for (int i = 0; read && i < read->pin_count; i++) {
        if (!strcmp(read->pins[i].role, role))
            return &read->pins[i];
    }
    return NULL;
}

/* Servo i: the daemon's pulse width when read back (angle null while the servo is off),
 * else what the API last set. */
static cJSON *servo_json(const rg_robot_pins *pins, const rg_robot_state *s, int i,
                         const rg_job *read)
{
    const rg_servo_pins *servo = &pins->servos[i];
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddNumberToObject(obj, "servo", i + 1);
    cJSON_AddNumberToObject(obj, "gpio", servo->gpio);
    char role[RG_ROLE_BYTES];
    snprintf(role, sizeof role, "servo%d", i + 1);
    const rg_pin_reading *r = reading(read, role);
    if (r) {
        bool on = r->value > 0;
        add_number_or_null(obj, "angle", on, on ? rg_servo_angle(servo, (uint32_t)r->value) : 0);
        add_number_or_null(obj, "pulse_us", on, r->value);
    } else {
        add_number_or_null(obj, "angle", s->angle_set[i], s->angle[i]);
        add_number_or_null(obj, "pulse_us", s->angle_set[i],
                           s->angle_set[i] ? rg_servo_pulse_us(servo, s->angle[i]) : 0);
    }
    return obj;
}

static cJSON *int_array(const int *values, int count)
{
    cJSON *list = cJSON_CreateArray();
    for (int i = 0; i < count; i++)
        cJSON_AddItemToArray(list, cJSON_CreateNumber(values[i]));
    return list;
}

static cJSON *config_json(const rg_robot_pins *pins)
{
    cJSON *cfg = cJSON_CreateObject();
    cJSON_AddItemToObject(cfg, "motor", int_array(pins->motor, RG_MOTOR_PINS));
    cJSON_AddItemToObject(cfg, "enable", int_array(pins->enable, pins->enable_count));
    cJSON *motors = cJSON_AddArrayToObject(cfg, "motors");
    for (int i = 0; i < pins->enable_count; i++)
        cJSON_AddItemToArray(motors, cJSON_CreateString(rg_motor_names[i]));
    cJSON_AddNumberToObject(cfg, "eyes", pins->eyes);
    cJSON *servos = cJSON_AddArrayToObject(cfg, "servos");
    for (int i = 0; i < pins->servo_count; i++) {
        cJSON *servo = cJSON_CreateObject();
        cJSON_AddNumberToObject(servo, "servo", i + 1);
        cJSON_AddNumberToObject(servo, "gpio", pins->servos[i].gpio);
        cJSON_AddNumberToObject(servo, "min_pulse_us", pins->servos[i].min_pulse_us);
        cJSON_AddNumberToObject(servo, "max_pulse_us", pins->servos[i].max_pulse_us);
        cJSON_AddItemToArray(servos, servo);
    }
    cJSON *dirs = cJSON_AddObjectToObject(cfg, "directions");
    for (int d = 0; d < RG_DIR_COUNT; d++) {
        int levels[RG_MOTOR_PINS];
        for (int i = 0; i < RG_MOTOR_PINS; i++)
            levels[i] = pins->pattern[d][i];
        cJSON_AddItemToObject(dirs, rg_direction_name((rg_direction)d),
                              int_array(levels, RG_MOTOR_PINS));
    }
    return cfg;
}

static void add_speeds(cJSON *obj, const rg_robot_pins *pins, const rg_robot_state *s)
{
    if (!pins->enable_count)
        return;
    double fastest = 0;
    cJSON *speeds = cJSON_AddObjectToObject(obj, "speeds");
    for (int i = 0; i < pins->enable_count; i++) {
        cJSON_AddNumberToObject(speeds, rg_motor_names[i], s->speed[i]);
        if (s->speed[i] > fastest)
            fastest = s->speed[i];
    }
    cJSON_AddNumberToObject(obj, "speed", fastest);
}

cJSON *rg_robot_json(rg_robot *robot, const char *pigpio_addr, const rg_job *read)
{
    const rg_robot_pins *pins = rg_robot_pins_of(robot);
    rg_robot_state s;
    rg_robot_snapshot(robot, &s);
    bool have_pins = read && read->status == TW_OK;
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddStringToObject(obj, "name", pins->name);
    cJSON_AddStringToObject(obj, "pigpio", pigpio_addr);
    cJSON_AddBoolToObject(obj, "connected", s.connected);
    cJSON_AddStringToObject(obj, "direction", rg_direction_name(s.direction));
    add_speeds(obj, pins, &s);
    cJSON_AddStringToObject(obj, "eyes", rg_eyes_name(s.eyes));
    const rg_pin_reading *eyes = have_pins ? reading(read, "eyes") : NULL;
    add_number_or_null(obj, "eyes_level", eyes && eyes->level >= 0, eyes ? eyes->level : 0);
    cJSON *servos = cJSON_AddArrayToObject(obj, "servos");
    for (int i = 0; i < pins->servo_count; i++)
        cJSON_AddItemToArray(servos, servo_json(pins, &s, i, have_pins ? read : NULL));
    cJSON_AddBoolToObject(obj, "deadman", s.deadman);
    cJSON_AddNumberToObject(obj, "watchdog_stops", (double)s.watchdog_stops);
    if (s.last_error[0])
        cJSON_AddStringToObject(obj, "last_error", s.last_error);
    else
        cJSON_AddNullToObject(obj, "last_error");
    if (have_pins)
        add_pins(obj, read);
    else if (read)
        cJSON_AddNullToObject(obj, "pins");
    cJSON_AddItemToObject(obj, "config", config_json(pins));
    return obj;
}
