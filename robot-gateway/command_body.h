/* The JSON bodies of the robot commands (drive, eyes, servo), validated into a job
 * without any HTTP: the nesting is checked before cJSON parses, every number is range
 * checked before it is used, and a refusal says why. */
#ifndef RG_COMMAND_BODY_H
#define RG_COMMAND_BODY_H

#include <stddef.h>

#include "robot.h"

typedef enum { RG_CMD_DRIVE, RG_CMD_EYES, RG_CMD_SERVO } rg_command;

/* Parses the len-byte body of command into job (action and its arguments); TW_OK, or
 * TW_INVALID with the reason in err. */
int rg_command_body_parse(rg_command command, const char *body, size_t len, rg_job *job, char *err,
                          size_t err_size);

#endif
