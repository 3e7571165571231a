/* HTTP handlers of the robot gateway. GETs only read (state and pin levels); POSTs need
 * the bearer token, validate their JSON body (400 with a reason), and hand a job to the
 * robot's worker, answering with the robot's new state. */
#include "api.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "page.h"
#include "tw_status.h"

#define BODY_MAX_BYTES 4096 /* command bodies are tiny */
#define PATH_SEGMENT_BYTES 32
#define ROBOTS_PREFIX "/api/v1/robots/"
#define HTTP_OK 200
#define HTTP_BAD_REQUEST 400
#define HTTP_UNAUTHORIZED 401
#define HTTP_NOT_FOUND 404
#define HTTP_BAD_GATEWAY 502
#define HTTP_UNAVAILABLE 503

static int handle_page(struct mg_connection *conn, void *arg)
{
    (void)arg;
    if (!tw_http_allow_methods(conn, "GET,HEAD"))
        return 0;
    rg_page_file file;
    if (!rg_page_find(tw_http_path(conn), &file))
        return tw_http_reply_error(conn, HTTP_NOT_FOUND, "no such path: %s", tw_http_path(conn));
    return tw_http_reply(conn, HTTP_OK, file.content_type, file.data, file.len);
}

static void add_pins(cJSON *obj, const rg_job *job)
{
    cJSON *pins = cJSON_AddArrayToObject(obj, "pins");
    for (int i = 0; i < job->pin_count; i++) {
        const rg_pin_reading *p = &job->pins[i];
        cJSON *pin = cJSON_CreateObject();
        cJSON_AddNumberToObject(pin, "gpio", p->gpio);
        cJSON_AddStringToObject(pin, "role", p->role);
        if (p->level >= 0)
            cJSON_AddNumberToObject(pin, "level", p->level);
        else
            cJSON_AddNullToObject(pin, "level");
        if (!strncmp(p->role, "enable", strlen("enable")))
            cJSON_AddNumberToObject(pin, "dutycycle", p->value >= 0 ? p->value : 0);
        if (!strncmp(p->role, "servo", strlen("servo")))
            cJSON_AddNumberToObject(pin, "pulse_us", p->value >= 0 ? p->value : 0);
        cJSON_AddItemToArray(pins, pin);
    }
}

/* The robot's state as JSON; with read_job, the pins read back from the daemon. */
static cJSON *robot_json(const rg_api *api, int index, const rg_job *read_job)
{
    rg_robot *robot = api->robots[index];
    const rg_robot_pins *pins = rg_robot_pins_of(robot);
    rg_robot_state s;
    rg_robot_snapshot(robot, &s);
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddStringToObject(obj, "name", pins->name);
    cJSON_AddStringToObject(obj, "pigpio", api->addr[index]);
    cJSON_AddBoolToObject(obj, "connected", s.connected);
    cJSON_AddStringToObject(obj, "direction", rg_direction_name(s.direction));
    if (pins->enable_count)
        cJSON_AddNumberToObject(obj, "speed", s.speed);
    cJSON_AddStringToObject(obj, "eyes", rg_eyes_name(s.eyes));
    cJSON *servos = cJSON_AddArrayToObject(obj, "servos");
    for (int i = 0; i < pins->servo_count; i++) {
        cJSON *servo = cJSON_CreateObject();
        cJSON_AddNumberToObject(servo, "servo", i + 1);
        cJSON_AddNumberToObject(servo, "gpio", pins->servos[i]);
        if (s.angle_set[i]) {
            cJSON_AddNumberToObject(servo, "angle", s.angle[i]);
            cJSON_AddNumberToObject(servo, "pulse_us", rg_servo_pulse_us(s.angle[i]));
        } else {
            cJSON_AddNullToObject(servo, "angle");
            cJSON_AddNullToObject(servo, "pulse_us");
        }
        cJSON_AddItemToArray(servos, servo);
    }
    cJSON_AddNumberToObject(obj, "watchdog_stops", (double)s.watchdog_stops);
    if (s.last_error[0])
        cJSON_AddStringToObject(obj, "last_error", s.last_error);
    else
        cJSON_AddNullToObject(obj, "last_error");
    if (read_job && read_job->status == TW_OK)
        add_pins(obj, read_job);
    else if (read_job)
        cJSON_AddNullToObject(obj, "pins");
    return obj;
}

static cJSON *read_robot(const rg_api *api, int index)
{
    rg_job job = {.action = RG_ACT_READ};
    rg_robot_submit(api->robots[index], &job);
    return robot_json(api, index, &job);
}

static int handle_robots(struct mg_connection *conn, void *arg)
{
    rg_api *api = arg;
    if (!tw_http_allow_methods(conn, "GET,HEAD"))
        return 0;
    cJSON *doc = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(doc, "robots");
    for (int i = 0; i < RG_ROBOT_COUNT; i++)
        cJSON_AddItemToArray(list, read_robot(api, i));
    int status = tw_http_reply_json(conn, HTTP_OK, doc);
    cJSON_Delete(doc);
    return status;
}

/* Parses the JSON body into *doc (an object); replies 400/413 and returns TW_INVALID. */
static int read_json_body(struct mg_connection *conn, cJSON **doc)
{
    tw_buf body;
    tw_buf_init(&body);
    int rc = tw_http_read_body(conn, &body, BODY_MAX_BYTES);
    *doc = rc == TW_OK ? cJSON_ParseWithLength(body.data ? body.data : "", body.len) : NULL;
    tw_buf_free(&body);
    if (rc != TW_OK)
        return TW_INVALID;
    if (!cJSON_IsObject(*doc)) {
        cJSON_Delete(*doc);
        tw_http_reply_error(conn, HTTP_BAD_REQUEST, "body must be a JSON object");
        return TW_INVALID;
    }
    return TW_OK;
}

/* Reads number field name in [min, max]; when absent uses def (or fails if required). */
static int body_number(struct mg_connection *conn, const cJSON *doc, const char *name, double min,
                       double max, const double *def, double *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(doc, name);
    if (!item && def) {
        *out = *def;
        return TW_OK;
    }
    if (!cJSON_IsNumber(item) || item->valuedouble < min || item->valuedouble > max) {
        tw_http_reply_error(conn, HTTP_BAD_REQUEST, "%s must be a number from %g to %g", name, min,
                            max);
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

static int parse_drive(struct mg_connection *conn, const cJSON *doc, rg_job *job)
{
    static const double default_speed = 1.0;
    if (rg_direction_parse(body_string(doc, "direction"), &job->direction) != TW_OK) {
        tw_http_reply_error(conn, HTTP_BAD_REQUEST,
                            "direction must be one of forward|backward|left|right|stop");
        return TW_INVALID;
    }
    job->action = RG_ACT_DRIVE;
    return body_number(conn, doc, "speed", 0, 1, &default_speed, &job->speed);
}

static int parse_eyes(struct mg_connection *conn, const cJSON *doc, rg_job *job)
{
    if (rg_eyes_parse(body_string(doc, "state"), &job->eyes) != TW_OK) {
        tw_http_reply_error(conn, HTTP_BAD_REQUEST, "state must be one of on|off|blink");
        return TW_INVALID;
    }
    job->action = RG_ACT_EYES;
    return TW_OK;
}

static int parse_servo(struct mg_connection *conn, const cJSON *doc, rg_job *job)
{
    job->action = RG_ACT_SERVO;
    return body_number(conn, doc, "angle", -RG_ANGLE_MAX_DEG, RG_ANGLE_MAX_DEG, NULL, &job->angle);
}

static int reply_job(struct mg_connection *conn, const rg_api *api, int index, const rg_job *job)
{
    if (job->status == TW_ERR)
        return tw_http_reply_error(conn, HTTP_BAD_GATEWAY, "%s", job->error);
    if (job->status != TW_OK)
        return tw_http_reply_error(conn, HTTP_UNAVAILABLE, "%s", job->error);
    cJSON *doc = robot_json(api, index, NULL);
    int status = tw_http_reply_json(conn, HTTP_OK, doc);
    cJSON_Delete(doc);
    return status;
}

/* Splits the path after /api/v1/robots/ into robot, command and servo segments. */
static int split_path(const char *path, char seg[3][PATH_SEGMENT_BYTES])
{
    int count = 0;
    const char *p = path + strlen(ROBOTS_PREFIX);
    while (*p && count < 3) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || len >= PATH_SEGMENT_BYTES)
            return -1;
        memcpy(seg[count], p, len);
        seg[count++][len] = '\0';
        p += len + (slash ? 1 : 0);
        if (slash && !*p)
            return -1;
    }
    return *p ? -1 : count;
}

/* Resolves the servo segment ("1".."N") of robot index; -1 when there is no such servo. */
static int servo_index(const rg_api *api, int index, const char *text)
{
    const rg_robot_pins *pins = rg_robot_pins_of(api->robots[index]);
    for (int i = 0; i < pins->servo_count; i++) {
        char name[16];
        snprintf(name, sizeof name, "%d", i + 1);
        if (!strcmp(name, text))
            return i;
    }
    return -1;
}

static int handle_command(struct mg_connection *conn, rg_api *api, int index,
                          char seg[3][PATH_SEGMENT_BYTES], int count)
{
    rg_job job = {0};
    int servo = -1;
    bool drive = count == 2 && !strcmp(seg[1], "drive");
    bool eyes = count == 2 && !strcmp(seg[1], "eyes");
    if (count == 3 && !strcmp(seg[1], "servos"))
        servo = servo_index(api, index, seg[2]);
    if (!drive && !eyes && servo < 0)
        return tw_http_reply_error(conn, HTTP_NOT_FOUND, "no such command: %s", tw_http_path(conn));
    if (!tw_http_allow_methods(conn, "POST"))
        return 0;
    const char *auth = mg_get_header(conn, "Authorization");
    if (!rg_auth_check(auth, api->token))
        return tw_http_reply_error(conn, HTTP_UNAUTHORIZED,
                                   "missing or wrong bearer token (Authorization: Bearer ...)");
    cJSON *doc = NULL;
    if (read_json_body(conn, &doc) != TW_OK)
        return HTTP_BAD_REQUEST;
    int rc = drive  ? parse_drive(conn, doc, &job)
             : eyes ? parse_eyes(conn, doc, &job)
                    : parse_servo(conn, doc, &job);
    cJSON_Delete(doc);
    if (rc != TW_OK)
        return HTTP_BAD_REQUEST;
    job.servo = servo;
    rg_robot_submit(api->robots[index], &job);
    return reply_job(conn, api, index, &job);
}

static int handle_robot(struct mg_connection *conn, void *arg)
{
    rg_api *api = arg;
    char seg[3][PATH_SEGMENT_BYTES];
    int count = split_path(tw_http_path(conn), seg);
    int index = count > 0 ? rg_robot_index(seg[0]) : -1;
    if (index < 0)
        return tw_http_reply_error(conn, HTTP_NOT_FOUND, "no such robot (linus|torvalds): %s",
                                   tw_http_path(conn));
    if (count > 1)
        return handle_command(conn, api, index, seg, count);
    if (!tw_http_allow_methods(conn, "GET,HEAD"))
        return 0;
    cJSON *doc = read_robot(api, index);
    int status = tw_http_reply_json(conn, HTTP_OK, doc);
    cJSON_Delete(doc);
    return status;
}

void rg_api_register(tw_http *http, rg_api *api)
{
    tw_http_route(http, "/", "page", handle_page, api);
    tw_http_route(http, "/api/v1/robots", "robots", handle_robots, api);
    tw_http_route(http, ROBOTS_PREFIX, "robot", handle_robot, api);
}

int rg_api_ready(void *arg, tw_buf *reason)
{
    const rg_api *api = arg;
    int up = 0;
    for (int i = 0; i < RG_ROBOT_COUNT; i++) {
        rg_robot_state s;
        rg_robot_snapshot(api->robots[i], &s);
        up += s.connected;
        tw_buf_printf(reason, "%s%s %s", i ? "; " : "", rg_robot_pins_of(api->robots[i])->name,
                      s.connected ? "connected" : "not connected");
    }
    return up > 0;
}
