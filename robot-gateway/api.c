/* HTTP handlers of the robot gateway. GETs only read (state and pin levels); POSTs need
 * the bearer token, validate their JSON body (400 with a reason), and hand a job to the
 * robot's worker, answering with the robot's new state. */
#include "api.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "page.h"
#include "robot_json.h"
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
        return TW_HTTP_METHOD_NOT_ALLOWED;
    tw_embedded_file file;
    if (!rg_page_find(tw_http_path(conn), &file))
        return tw_http_reply_error(conn, HTTP_NOT_FOUND, "no such path: %s", tw_http_path(conn));
    return tw_http_reply(conn, HTTP_OK, file.content_type, file.data, file.len);
}

static cJSON *read_robot(const rg_api *api, int index)
{
    rg_job job = {.action = RG_ACT_READ};
    rg_robot_submit(api->robots[index], &job);
    return rg_robot_json(api->robots[index], api->addr[index], &job);
}

static int handle_robots(struct mg_connection *conn, void *arg)
{
    rg_api *api = arg;
    if (!tw_http_allow_methods(conn, "GET,HEAD"))
        return TW_HTTP_METHOD_NOT_ALLOWED;
    cJSON *doc = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(doc, "robots");
    for (int i = 0; i < RG_ROBOT_COUNT; i++)
        cJSON_AddItemToArray(list, read_robot(api, i));
    if (api->dashboard_url[0])
        cJSON_AddStringToObject(doc, "dashboard_url", api->dashboard_url);
    else
        cJSON_AddNullToObject(doc, "dashboard_url");
    int status = tw_http_reply_json(conn, HTTP_OK, doc);
    cJSON_Delete(doc);
    return status;
}

/* Parses the JSON body into *doc (an object); TW_OK, or the status it replied with
 * (400, 413). */
static int read_json_body(struct mg_connection *conn, cJSON **doc)
{
    tw_buf body;
    tw_buf_init(&body);
    int rc = tw_http_read_body(conn, &body, BODY_MAX_BYTES);
    *doc = rc == TW_OK ? cJSON_ParseWithLength(body.data ? body.data : "", body.len) : NULL;
    tw_buf_free(&body);
    if (rc != TW_OK)
        return rc;
    if (!cJSON_IsObject(*doc)) {
        cJSON_Delete(*doc);
        tw_http_reply_error(conn, HTTP_BAD_REQUEST, "body must be a JSON object");
        return HTTP_BAD_REQUEST;
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

/* "speed": absent (1), a number 0..1 for every motor, or {"left": 0..1, "right": 0..1}. */
static int parse_speed(struct mg_connection *conn, const cJSON *doc, rg_job *job)
{
    static const double default_speed = 1.0;
    const cJSON *speed = cJSON_GetObjectItemCaseSensitive(doc, "speed");
    if (!cJSON_IsObject(speed)) {
        if (body_number(conn, doc, "speed", 0, 1, &default_speed, &job->speed[0]) != TW_OK)
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
            tw_http_reply_error(conn, HTTP_BAD_REQUEST, "speed.%s: unknown motor (left|right)",
                                item->string);
            return TW_INVALID;
        }
    }
    for (int i = 0; i < RG_MAX_ENABLE_PINS; i++) {
        char name[PATH_SEGMENT_BYTES];
        snprintf(name, sizeof name, "speed.%s", rg_motor_names[i]);
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(speed, rg_motor_names[i]);
        if (!cJSON_IsNumber(item) || item->valuedouble < 0 || item->valuedouble > 1) {
            tw_http_reply_error(conn, HTTP_BAD_REQUEST, "%s must be a number from 0 to 1", name);
            return TW_INVALID;
        }
        job->speed[i] = item->valuedouble;
    }
    return TW_OK;
}

static int parse_drive(struct mg_connection *conn, const cJSON *doc, rg_job *job)
{
    if (rg_direction_parse(body_string(doc, "direction"), &job->direction) != TW_OK) {
        tw_http_reply_error(conn, HTTP_BAD_REQUEST,
                            "direction must be one of forward|backward|left|right|stop");
        return TW_INVALID;
    }
    job->action = RG_ACT_DRIVE;
    return parse_speed(conn, doc, job);
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
    cJSON *doc = rg_robot_json(api->robots[index], api->addr[index], NULL);
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
    tw_http_set_route(drive  ? ROBOTS_PREFIX "{robot}/drive"
                      : eyes ? ROBOTS_PREFIX "{robot}/eyes"
                             : ROBOTS_PREFIX "{robot}/servos/{servo}");
    if (!tw_http_allow_methods(conn, "POST"))
        return TW_HTTP_METHOD_NOT_ALLOWED;
    const char *auth = mg_get_header(conn, "Authorization");
    if (!rg_auth_check(auth, api->token))
        return tw_http_reply_error(conn, HTTP_UNAUTHORIZED,
                                   "missing or wrong bearer token (Authorization: Bearer ...)");
    cJSON *doc = NULL;
    int read = read_json_body(conn, &doc);
    if (read != TW_OK)
        return read;
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
    tw_http_set_route(ROBOTS_PREFIX "{robot}");
    if (!tw_http_allow_methods(conn, "GET,HEAD"))
        return TW_HTTP_METHOD_NOT_ALLOWED;
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
