/* Robot command bodies; see command_body.h. */
#include "command_body.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "robot_json.h"
#include "tw_json_depth.h"
#include "tw_status.h"

#define NAME_BYTES 32

/* Reads number field name in [min, max]; when absent uses def (or fails if required). */
static int body_number(const cJSON *doc, const char *name, double min, double max,
                       const double *def, double *out, char *err, size_t err_size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(doc, name);
    if (!item && def) {
        *out = *def;
        return TW_OK;
    }
    if (!cJSON_IsNumber(item) || !(item->valuedouble >= min && item->valuedouble <= max)) {
        snprintf(err, err_size, "%s must be a number from %g to %g", name, min, max);
        return TW_INVALID;
    }
    *out = item->valuedouble;
    return TW_OK;
}

static const char *body_string(const cJSON *doc, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(doc, name);
    return cJSON_IsString(item) ? item->valuestring : "";
}

/* "speed": absent (1), a number 0..1 for every motor, or {"left": 0..1, "right": 0..1}. */
static int parse_speed(const cJSON *doc, rg_job *job, char *err, size_t err_size)
{
    static const double default_speed = 1.0;
    const cJSON *speed = cJSON_GetObjectItemCaseSensitive(doc, "speed");
    if (!cJSON_IsObject(speed)) {
        if (body_number(doc, "speed", 0, 1, &default_speed, &job->speed[0], err, err_size) != TW_OK)
            return TW_INVALID;
        for (int i = 1; i < RG_MAX_ENABLE_PINS; i++)
            job->speed[i] = job->speed[0];
        return TW_OK;
    }
    for (const cJSON *item = speed->child; item; item = item->next) {
        bool known = false;
        for (int i = 0; i < RG_MAX_ENABLE_PINS; i++)
            known |= !strcmp(item->string, rg_motor_names[i]);
        if (!known) {
            snprintf(err, err_size, "speed.%s: unknown motor (left|right)", item->string);
            return TW_INVALID;
        }
    }
    for (int i = 0; i < RG_MAX_ENABLE_PINS; i++) {
        char name[NAME_BYTES];
        snprintf(name, sizeof name, "speed.%s", rg_motor_names[i]);
        if (body_number(speed, rg_motor_names[i], 0, 1, NULL, &job->speed[i], err, err_size) !=
            TW_OK) {
            snprintf(err, err_size, "%s must be a number from 0 to 1", name);
            return TW_INVALID;
        }
    }
    return TW_OK;
}

static int parse_drive(const cJSON *doc, rg_job *job, char *err, size_t err_size)
{
    if (rg_direction_parse(body_string(doc, "direction"), &job->direction) != TW_OK) {
        snprintf(err, err_size, "direction must be one of forward|backward|left|right|stop");
        return TW_INVALID;
    }
    job->action = RG_ACT_DRIVE;
    return parse_speed(doc, job, err, err_size);
}

static int parse_eyes(const cJSON *doc, rg_job *job, char *err, size_t err_size)
{
    if (rg_eyes_parse(body_string(doc, "state"), &job->eyes) != TW_OK) {
        snprintf(err, err_size, "state must be one of on|off|blink");
        return TW_INVALID;
    }
    job->action = RG_ACT_EYES;
    return TW_OK;
}

static int parse_servo(const cJSON *doc, rg_job *job, char *err, size_t err_size)
{
    job->action = RG_ACT_SERVO;
    return body_number(doc, "angle", -RG_ANGLE_MAX_DEG, RG_ANGLE_MAX_DEG, NULL, &job->angle, err,
                       err_size);
}

int rg_command_body_parse(rg_command command, const char *body, size_t len, rg_job *job, char *err,
                          size_t err_size)
{
    if (!tw_json_depth_within(body, len, TW_JSON_MAX_DEPTH)) {
        snprintf(err, err_size, "body nests deeper than %d levels", TW_JSON_MAX_DEPTH);
        return TW_INVALID;
    }
    cJSON *doc = len ? cJSON_ParseWithLength(body, len) : NULL;
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        snprintf(err, err_size, "body must be a JSON object");
        return TW_INVALID;
    }
    int rc = command == RG_CMD_DRIVE  ? parse_drive(doc, job, err, err_size)
             : command == RG_CMD_EYES ? parse_eyes(doc, job, err, err_size)
                                      : parse_servo(doc, job, err, err_size);
    cJSON_Delete(doc);
    return rc;
}
