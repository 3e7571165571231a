/* Fuzzes the robot command bodies (rg_command_body_parse); the first byte picks drive,
 * eyes or servo, the rest is the body. A refusal gives a reason; an accepted body yields
 * a job within range (speeds 0..1, angle -90..90, a known direction or eyes state) that,
 * written back as a body, parses to the same job. Nesting 1000 deep is refused before
 * cJSON recurses. */
#include <stdio.h>
#include <string.h>

#include "command_body.h"
#include "tw_fuzz.h"
#include "tw_status.h"

#define ERR_BYTES 160
#define BODY_BYTES 256

static void write_body(rg_command command, const rg_job *job, char *out, size_t size)
{
    if (command == RG_CMD_DRIVE)
        snprintf(out, size, "{\"direction\":\"%s\",\"speed\":{\"left\":%.17g,\"right\":%.17g}}",
                 rg_direction_name(job->direction), job->speed[0], job->speed[1]);
    else if (command == RG_CMD_EYES)
        snprintf(out, size, "{\"state\":\"%s\"}", rg_eyes_name(job->eyes));
    else
        snprintf(out, size, "{\"angle\":%.17g}", job->angle);
}

static bool same_job(const rg_job *a, const rg_job *b)
{
    return a->action == b->action && a->direction == b->direction && a->speed[0] == b->speed[0] &&
           a->speed[1] == b->speed[1] && a->eyes == b->eyes && a->angle == b->angle;
}

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    rg_command command = (rg_command)(data[0] % 3);
    rg_job job = {0}, back = {0};
    char err[ERR_BYTES] = "";
    if (rg_command_body_parse(command, (const char *)data + 1, size - 1, &job, err, sizeof err) !=
        TW_OK) {
        TW_FUZZ_CHECK(err[0] != '\0');
        return 0;
    }
    for (int i = 0; i < RG_MAX_ENABLE_PINS; i++)
        TW_FUZZ_CHECK(command != RG_CMD_DRIVE || (job.speed[i] >= 0 && job.speed[i] <= 1));
    TW_FUZZ_CHECK(job.direction < RG_DIR_COUNT);
    TW_FUZZ_CHECK(job.angle >= -RG_ANGLE_MAX_DEG && job.angle <= RG_ANGLE_MAX_DEG);
    char body[BODY_BYTES];
    write_body(command, &job, body, sizeof body);
    TW_FUZZ_CHECK(rg_command_body_parse(command, body, strlen(body), &back, err, sizeof err) ==
                  TW_OK);
    TW_FUZZ_CHECK(same_job(&job, &back));
    return 0;
}
