/* Robot command bodies: valid drive/eyes/servo bodies become jobs; bad ones are refused
 * with the reason the API answers 400 with, including a body nested 1000 deep (which
 * crashed the gateway's HTTP worker inside cJSON) and numbers out of range. */
#include <string.h>

#include "command_body.h"
#include "tw_json_depth.h"
#include "tw_status.h"
#include "tw_test.h"

static char err[160];

static int parse(rg_command command, const char *body, rg_job *job)
{
    memset(job, 0, sizeof *job);
    err[0] = '\0';
    return rg_command_body_parse(command, body, strlen(body), job, err, sizeof err);
}

static void valid_bodies_become_jobs(void)
{
    rg_job job;
    TW_CHECK_INT(parse(RG_CMD_DRIVE, "{\"direction\":\"forward\",\"speed\":0.5}", &job), TW_OK);
    TW_CHECK_INT(job.action, RG_ACT_DRIVE);
    TW_CHECK_INT(job.direction, RG_DIR_FORWARD);
    TW_CHECK_NEAR(job.speed[1], 0.5, 0);
    TW_CHECK_INT(
        parse(RG_CMD_DRIVE, "{\"direction\":\"left\",\"speed\":{\"left\":0.25,\"right\":1}}", &job),
        TW_OK);
    TW_CHECK_NEAR(job.speed[0], 0.25, 0);
    TW_CHECK_NEAR(job.speed[1], 1, 0);
    TW_CHECK_INT(parse(RG_CMD_DRIVE, "{\"direction\":\"stop\"}", &job), TW_OK);
    TW_CHECK_NEAR(job.speed[0], 1, 0);
    TW_CHECK_INT(parse(RG_CMD_EYES, "{\"state\":\"blink\"}", &job), TW_OK);
    TW_CHECK_INT(job.eyes, RG_EYES_BLINK);
    TW_CHECK_INT(parse(RG_CMD_SERVO, "{\"angle\":-45.5}", &job), TW_OK);
    TW_CHECK_NEAR(job.angle, -45.5, 0);
}

static void bad_bodies_are_refused_with_a_reason(void)
{
    rg_job job;
    TW_CHECK_INT(parse(RG_CMD_DRIVE, "", &job), TW_INVALID);
    TW_CHECK_STR(err, "body must be a JSON object");
    TW_CHECK_INT(parse(RG_CMD_DRIVE, "{\"direction\":\"up\"}", &job), TW_INVALID);
    TW_CHECK_STR(err, "direction must be one of forward|backward|left|right|stop");
    TW_CHECK_INT(parse(RG_CMD_DRIVE, "{\"direction\":\"left\",\"speed\":{\"middle\":1}}", &job),
                 TW_INVALID);
    TW_CHECK_STR(err, "speed.middle: unknown motor (left|right)");
    TW_CHECK_INT(
        parse(RG_CMD_DRIVE, "{\"direction\":\"left\",\"speed\":{\"left\":2,\"right\":1}}", &job),
        TW_INVALID);
    TW_CHECK_STR(err, "speed.left must be a number from 0 to 1");
    TW_CHECK_INT(parse(RG_CMD_SERVO, "{\"angle\":1e308}", &job), TW_INVALID);
    TW_CHECK_STR(err, "angle must be a number from -90 to 90");
    TW_CHECK_INT(parse(RG_CMD_EYES, "{\"state\":1}", &job), TW_INVALID);
    TW_CHECK_STR(err, "state must be one of on|off|blink");
}

static void a_body_nested_1000_deep_is_refused_before_parsing(void)
{
    static char body[2100];
    size_t n = 0;
    n += (size_t)snprintf(body, sizeof body, "{\"direction\":\"stop\",\"speed\":");
    for (int i = 0; i < 1000; i++)
        body[n++] = '[';
    for (int i = 0; i < 1000 && n < sizeof body - 2; i++)
        body[n++] = ']';
    body[n++] = '}';
    body[n] = '\0';
    rg_job job;
    TW_CHECK_INT(parse(RG_CMD_DRIVE, body, &job), TW_INVALID);
    TW_CHECK_STR(err, "body nests deeper than 16 levels");
}

TW_TEST_MAIN("robot-gateway command bodies", TW_TEST(valid_bodies_become_jobs),
             TW_TEST(bad_bodies_are_refused_with_a_reason),
             TW_TEST(a_body_nested_1000_deep_is_refused_before_parsing))
