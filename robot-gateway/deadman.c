/* The dead-man's script: its text, built from the robot's pins; installing it (after
 * deleting what an earlier connection left behind); and the refresh request. The script:
 *   tag 0  mils STEP  lda p0  cmp 0  jz 0        idle while p0 = 0 (disarmed or fired)
 *          dcr p0  jnz 0                          one step less; not yet zero: keep waiting
 *          w IN1 0 ... pwm EN1 0 ...  inr p1  jmp 0   zero: motors stopped, count it */
#include "deadman.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tw_status.h"
#include "tw_time.h"

#define NOT_READY_RETRIES 10    /* PROCR tries while a new script is initialising */
#define NOT_READY_WAIT_US 10000 /* pause between those tries */

/* Appends formatted text at *len; false when out is full. */
static bool append(char *out, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool append(char *out, size_t size, size_t *len, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(out + *len, size - *len, fmt, args);
    va_end(args);
    if (n < 0 || (size_t)n >= size - *len)
        return false;
    *len += (size_t)n;
    return true;
}

int rg_deadman_script(const rg_robot_pins *pins, char *out, size_t size)
{
    size_t len = 0;
    bool ok = append(out, size, &len, "tag 0 mils %d lda p%d cmp 0 jz 0 dcr p%d jnz 0",
                     RG_DEADMAN_STEP_MS, RG_DEADMAN_PARAM_COUNTDOWN, RG_DEADMAN_PARAM_COUNTDOWN);
    for (int i = 0; i < RG_MOTOR_PINS && ok; i++)
        ok = append(out, size, &len, " w %d 0", pins->motor[i]);
    for (int i = 0; i < pins->enable_count && ok; i++)
        ok = append(out, size, &len, " pwm %d 0", pins->enable[i]);
    ok = ok && append(out, size, &len, " inr p%d jmp 0", RG_DEADMAN_PARAM_FIRED);
    return ok ? TW_OK : TW_INVALID;
}

uint32_t rg_deadman_steps(int64_t watchdog_ms)
{
    return (uint32_t)((watchdog_ms + RG_DEADMAN_STEP_MS - 1) / RG_DEADMAN_STEP_MS);
}

void rg_deadman_refresh(int script_id, uint32_t steps, tw_pigpio_frame *frame,
                        uint8_t ext[TW_PIGPIO_WORD_BYTES])
{
    *frame = (tw_pigpio_frame){TW_PI_CMD_PROCU, (uint32_t)script_id, 0, TW_PIGPIO_WORD_BYTES};
    tw_pigpio_put_word(ext, steps);
}

/* Deletes every stored script whose p9 is our marker. */
static int delete_ours(rg_pigpio_conn *conn)
{
    for (int id = 0; id < TW_PIGPIO_MAX_SCRIPTS; id++) {
        uint8_t status[(1 + TW_PIGPIO_SCRIPT_PARAMS) * TW_PIGPIO_WORD_BYTES];
        int32_t result;
        if (rg_pigpio_query(conn, TW_PI_CMD_PROCP, (uint32_t)id, status, sizeof status, &result) !=
            TW_OK)
            return TW_AGAIN;
        if (result != (int32_t)sizeof status)
            continue;
        uint32_t marker =
            tw_pigpio_get_word(status + (1 + RG_DEADMAN_PARAM_MARKER) * TW_PIGPIO_WORD_BYTES);
        if (marker == RG_DEADMAN_MARKER &&
            rg_pigpio_command(conn, TW_PI_CMD_PROCD, (uint32_t)id, 0, &result) != TW_OK)
            return TW_AGAIN;
    }
    return TW_OK;
}

/* Starts script id with p0 = 0 (disarmed), p1 = 0 and the marker in p9. */
static int start(rg_pigpio_conn *conn, int id, int32_t *result)
{
    uint8_t params[TW_PIGPIO_SCRIPT_PARAMS * TW_PIGPIO_WORD_BYTES] = {0};
    tw_pigpio_put_word(params + RG_DEADMAN_PARAM_MARKER * TW_PIGPIO_WORD_BYTES, RG_DEADMAN_MARKER);
    tw_pigpio_frame req = {TW_PI_CMD_PROCR, (uint32_t)id, 0, sizeof params};
    const void *ext[] = {params};
    for (int attempt = 0;; attempt++) {
        if (rg_pigpio_batch_ext(conn, &req, ext, 1, result) != TW_OK)
            return TW_AGAIN;
        if (*result != TW_PI_SCRIPT_NOT_READY || attempt == NOT_READY_RETRIES)
            return TW_OK;
        tw_sleep_us(NOT_READY_WAIT_US);
    }
}

int rg_deadman_install(rg_pigpio_conn *conn, const rg_robot_pins *pins, int *script_id, char *err,
                       size_t err_size)
{
    char text[RG_DEADMAN_TEXT_BYTES];
    if (rg_deadman_script(pins, text, sizeof text) != TW_OK) {
        snprintf(err, err_size, "dead-man's script does not fit in %d bytes",
                 RG_DEADMAN_TEXT_BYTES);
        return TW_ERR;
    }
    if (delete_ours(conn) != TW_OK)
        return TW_AGAIN;
    tw_pigpio_frame req = {TW_PI_CMD_PROC, 0, 0, (uint32_t)strlen(text)};
    const void *ext[] = {text};
    int32_t id, result;
    if (rg_pigpio_batch_ext(conn, &req, ext, 1, &id) != TW_OK)
        return TW_AGAIN;
    if (id < 0) {
        snprintf(err, err_size, "PROC refused the dead-man's script: %s (%d)",
                 tw_pigpio_error_name(id), id);
        return TW_ERR;
    }
    if (start(conn, id, &result) != TW_OK)
        return TW_AGAIN;
    if (result < 0) {
        snprintf(err, err_size, "PROCR refused the dead-man's script: %s (%d)",
                 tw_pigpio_error_name(result), result);
        return TW_ERR;
    }
    *script_id = id;
    return TW_OK;
}
