/* HTTP handlers of the robot gateway. GETs only read (state and pin levels); POSTs need
 * the bearer token, validate their JSON body (command_body: 400 with a reason, 413 when
 * too large), and hand a job to the robot's worker, answering with the robot's new state. */
#include "api.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "command_body.h"
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

/* Reads and validates the command's body into job; TW_OK, or the status it replied with
 * (400, 413). */
static int read_command(struct mg_connection *conn, rg_command command, rg_job *job)
{
    tw_buf body;
    tw_buf_init(&body);
    int rc = tw_http_read_body(conn, &body, BODY_MAX_BYTES);
    char err[RG_ERROR_BYTES];
    if (rc == TW_OK && rg_command_body_parse(command, body.data ? body.data : "", body.len, job,
                                             err, sizeof err) != TW_OK) {
        tw_http_reply_error(conn, HTTP_BAD_REQUEST, "%s", err);
        rc = HTTP_BAD_REQUEST;
    }
    tw_buf_free(&body);
    return rc;
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
    int read = read_command(conn, drive ? RG_CMD_DRIVE : eyes ? RG_CMD_EYES : RG_CMD_SERVO, &job);
    if (read != TW_OK)
        return read;
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
