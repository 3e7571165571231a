/* Fuzzes pigpio-sim's side of the pigpio socket protocol: the input is what a client
 * sends, cut into 16-byte request frames and their p3 extension bytes as server.c's
 * reader does, executed as server.c does (script commands, with their script text or
 * parameters, by the script store; the rest by gpio_state), with the stored scripts run
 * between requests on a simulated clock. Notification handles (NOIB, NB, NC) need
 * sockets and are left out. After every request the emulated Pi must stay within what a
 * Pi can be: modes, levels, PWM ranges and dutycycles, servo pulses. */
#include <string.h>

#include "gpio_state.h"
#include "script.h"
#include "script_store.h"
#include "tw_fuzz.h"
#include "tw_pigpio.h"

#define MAX_REQUESTS 64
#define STEP_US 7000 /* simulated time between requests */

typedef struct {
    pgs_state state;
    int64_t now_us;
} fuzz_pi;

static int32_t script_exec(void *arg, const tw_pigpio_frame *request)
{
    fuzz_pi *pi = arg;
    return pgs_state_execute(&pi->state, request, pi->now_us);
}

static void check_state(const pgs_state *state)
{
    for (int g = 0; g < PGS_GPIO_COUNT; g++) {
        const pgs_gpio *gpio = &state->gpio[g];
        TW_FUZZ_CHECK(gpio->mode <= TW_PI_ALT3 && gpio->level <= 1 && gpio->pud <= TW_PI_PUD_UP);
        TW_FUZZ_CHECK(gpio->range >= TW_PIGPIO_MIN_RANGE && gpio->range <= TW_PIGPIO_MAX_RANGE);
        TW_FUZZ_CHECK(gpio->dutycycle <= gpio->range);
        TW_FUZZ_CHECK(gpio->pulse_us == 0 || (gpio->pulse_us >= TW_PIGPIO_SERVO_MIN_US &&
                                              gpio->pulse_us <= TW_PIGPIO_SERVO_MAX_US));
    }
}

static int32_t execute(fuzz_pi *pi, pgs_scripts *scripts, const tw_pigpio_frame *req,
                       const uint8_t *ext, size_t ext_len)
{
    if (pgs_scripts_handles(req->cmd)) {
        uint8_t reply[PGS_PROCP_REPLY_BYTES];
        size_t reply_len = 0;
        if (req->p3 > PGS_SCRIPT_MAX_TEXT_BYTES)
            return req->cmd == TW_PI_CMD_PROC ? TW_PI_BAD_SCRIPT : TW_PI_TOO_MANY_PARAM;
        int32_t result =
            pgs_scripts_execute(scripts, req, ext, ext_len, reply, &reply_len, pi->now_us);
        TW_FUZZ_CHECK(reply_len <= sizeof reply);
        TW_FUZZ_CHECK(reply_len == 0 || (int32_t)reply_len == result);
        return result;
    }
    return pgs_state_execute(&pi->state, req, pi->now_us);
}

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fuzz_pi pi;
    pi.now_us = 1000000;
    pgs_state_init(&pi.state, pi.now_us);
    pgs_scripts *scripts = pgs_scripts_new(script_exec, &pi);
    size_t pos = 0;
    for (int i = 0; i < MAX_REQUESTS && size - pos >= TW_PIGPIO_FRAME_BYTES; i++) {
        tw_pigpio_frame req;
        tw_pigpio_decode(data + pos, &req);
        pos += TW_PIGPIO_FRAME_BYTES;
        if (req.p3 > size - pos)
            break; /* the client has not sent its extension bytes yet */
        if (req.cmd == TW_PI_CMD_NOIB || req.cmd == TW_PI_CMD_NB || req.cmd == TW_PI_CMD_NC) {
            pos += req.p3;
            continue;
        }
        int32_t result = execute(&pi, scripts, &req, data + pos, req.p3);
        pos += req.p3;
        tw_pigpio_frame reply = tw_pigpio_reply(&req, result), back;
        uint8_t wire[TW_PIGPIO_FRAME_BYTES];
        tw_pigpio_encode(&reply, wire);
        tw_pigpio_decode(wire, &back);
        TW_FUZZ_CHECK(memcmp(&reply, &back, sizeof reply) == 0 &&
                      tw_pigpio_result(&back) == result);
        (void)tw_pigpio_error_name(result);
        (void)tw_pigpio_command_name(req.cmd);
        pi.now_us += STEP_US;
        pgs_scripts_run(scripts, pi.now_us);
        check_state(&pi.state);
    }
    pgs_scripts_free(scripts);
    return 0;
}
