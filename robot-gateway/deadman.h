/* The dead-man's switch that lives on each Pi: a pigpio script stored in the robot's
 * daemon that counts parameter p0 down every RG_DEADMAN_STEP_MS and, when it reaches zero,
 * writes 0 to the motor pins and dutycycle 0 to the enables. Every drive command sets p0
 * (PROCU), so the motors stop within the watchdog time of the last command even when the
 * gateway has crashed, hangs or has lost its link. Its parameter p9 marks it as ours, so a
 * gateway that (re)connects deletes the scripts an earlier connection left behind. */
#ifndef RG_DEADMAN_H
#define RG_DEADMAN_H

#include <stddef.h>
#include <stdint.h>

#include "pigpio_conn.h"
#include "pins.h"

#define RG_DEADMAN_STEP_MS 20        /* the script checks p0 this often */
#define RG_DEADMAN_MARKER 0x74776d64 /* p9 of our scripts ("twmd") */
#define RG_DEADMAN_TEXT_BYTES 512    /* room for the script text */
#define RG_DEADMAN_PARAM_COUNTDOWN 0 /* p0: steps left before the motors stop */
#define RG_DEADMAN_PARAM_FIRED 1     /* p1: times the script stopped the motors */
#define RG_DEADMAN_PARAM_MARKER 9    /* p9: RG_DEADMAN_MARKER */

/* Writes the script for the robot's pins into out; TW_OK, or TW_INVALID when it does not fit. */
int rg_deadman_script(const rg_robot_pins *pins, char *out, size_t size);
/* Countdown steps (p0) that last watchdog_ms (rounded up). */
uint32_t rg_deadman_steps(int64_t watchdog_ms);
/* Deletes earlier scripts marked as ours, stores and starts a new one (disarmed: p0 = 0).
 * TW_OK with its id; TW_ERR when the daemon refused (reason in err); TW_AGAIN when the
 * connection failed. */
int rg_deadman_install(rg_pigpio_conn *conn, const rg_robot_pins *pins, int *script_id, char *err,
                       size_t err_size);
/* The PROCU request that sets p0 = steps: its frame and 4 extension bytes. */
void rg_deadman_refresh(int script_id, uint32_t steps, tw_pigpio_frame *frame,
                        uint8_t ext[TW_PIGPIO_WORD_BYTES]);

#endif
