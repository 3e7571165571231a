/* A robot as the API shows it: its state, the pins read back from its daemon (servo
 * angles are derived from the pulse widths the daemon reports), and its configuration
 * (the controls the control page builds from). */
#ifndef RG_ROBOT_JSON_H
#define RG_ROBOT_JSON_H

#include <cjson/cJSON.h>

#include "robot.h"

/* Motor names of the enables, in order ("left", "right"). */
extern const char *const rg_motor_names[RG_MAX_ENABLE_PINS];

/* The robot's JSON; with read (a finished RG_ACT_READ job) its pins as read back, and
 * servo angles from the daemon's pulse widths. The caller owns the result. */
cJSON *rg_robot_json(rg_robot *robot, const char *pigpio_addr, const rg_job *read);

#endif
