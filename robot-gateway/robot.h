/* One robot: its pigpio connection, used by one caller at a time in arrival order, so
 * commands to a robot apply strictly in order. A worker thread connects in the background
 * (startup never waits for a Pi), reconnects with backoff, stops the motors when no drive
 * command arrived for the watchdog period, and blinks the eyes. Commands fail at once while
 * the Pi is unreachable; every socket step has a timeout. */
#ifndef RG_ROBOT_H
#define RG_ROBOT_H

#include <stdbool.h>
#include <stdint.h>

#include "pins.h"
#include "tw_metrics.h"

#define RG_ERROR_BYTES 160 /* room for one error reason */
#define RG_ROLE_BYTES 24   /* room for a pin role name */
#define RG_MAX_PINS (RG_MOTOR_PINS + RG_MAX_ENABLE_PINS + 1 + RG_MAX_SERVOS)

typedef enum { RG_EYES_OFF, RG_EYES_ON, RG_EYES_BLINK } rg_eyes;
typedef enum { RG_ACT_DRIVE, RG_ACT_EYES, RG_ACT_SERVO, RG_ACT_READ, RG_ACT_COUNT } rg_action;

typedef struct {
    int gpio;                 /* BCM number */
    char role[RG_ROLE_BYTES]; /* "in1".."in4", "enable1", "eyes", "servo1", ... */
    int32_t level;            /* level read back (READ), or -1 when it could not be read */
    int32_t value;            /* enable: dutycycle (GDC); servo: pulse width in us (GPW); else -1 */
} rg_pin_reading;

typedef struct {
    rg_action action;                 /* what to do */
    rg_direction direction;           /* drive: direction */
    double speed[RG_MAX_ENABLE_PINS]; /* drive: 0..1 per motor (enable pin) */
    rg_eyes eyes;                     /* eyes: new state */
    int servo;                        /* servo: index 0.. */
    double angle;                     /* servo: -90..90 degrees */
    int status;                       /* result: TW_OK, TW_AGAIN (robot unreachable), TW_ERR (pigpio
                                         refused), TW_FULL (queue full) */
    char error[RG_ERROR_BYTES];       /* reason when status != TW_OK */
    rg_pin_reading pins[RG_MAX_PINS]; /* read: every pin */
    int pin_count;                    /* read: entries in pins */
} rg_job;

typedef struct {
    bool connected;                   /* pigpio connection is up */
    rg_direction direction;           /* drive direction the motor pins were last set to */
    double speed[RG_MAX_ENABLE_PINS]; /* speed per motor last applied */
    bool deadman;                     /* the dead-man's script runs on the daemon */
    rg_eyes eyes;                     /* eyes state */
    double angle[RG_MAX_SERVOS];      /* last servo angles */
    bool angle_set[RG_MAX_SERVOS];    /* servo has been positioned */
    uint64_t watchdog_stops;          /* motors stopped by the watchdog */
    char last_error[RG_ERROR_BYTES];  /* last connection or pigpio error, "" if none */
} rg_robot_state;

typedef struct rg_robot rg_robot;

/* Starts the robot's worker for the daemon at host:port; metrics are registered in m. */
rg_robot *rg_robot_start(const rg_robot_pins *pins, const char *host, int port, int64_t watchdog_ms,
                         tw_metrics *m);
/* Applies job in its turn (after every earlier job to this robot); returns job->status. */
int rg_robot_submit(rg_robot *robot, rg_job *job);
/* Copies the robot's current state. */
void rg_robot_snapshot(rg_robot *robot, rg_robot_state *out);
/* The robot's wiring. */
const rg_robot_pins *rg_robot_pins_of(const rg_robot *robot);
/* Name of an eyes state ("blink"). */
const char *rg_eyes_name(rg_eyes eyes);
/* Parses "on|off|blink"; TW_OK or TW_INVALID. */
int rg_eyes_parse(const char *text, rg_eyes *out);
/* Stops the worker (after the HTTP server stopped): stops the motors, closes, frees. */
void rg_robot_stop(rg_robot *robot);

#endif
