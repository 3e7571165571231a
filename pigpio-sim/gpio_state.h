/* The emulated Raspberry Pi: per-GPIO mode, level, pull, PWM and servo state, and the
 * execution of the GPIO commands of the pigpio protocol with the daemon's validation and
 * error codes. Pure state: no sockets, so unit tests drive it directly. */
#ifndef SIM_GPIO_STATE_H
#define SIM_GPIO_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "tw_pigpio.h"

#define SIM_GPIO_COUNT (TW_PIGPIO_MAX_GPIO + 1)

/* What drives a GPIO's output. */
typedef enum {
    SIM_FN_NONE,  /* nothing: the mode and level as last set */
    SIM_FN_PWM,   /* software PWM at dutycycle/range */
    SIM_FN_SERVO, /* servo pulses of pulse_us every 20 ms */
} sim_function;

typedef struct {
    uint8_t mode;          /* TW_PI_INPUT, TW_PI_OUTPUT or an ALT mode */
    uint8_t level;         /* last written level (0/1) */
    uint8_t pud;           /* TW_PI_PUD_* */
    sim_function function; /* PWM/servo generator, if any */
    uint32_t dutycycle;    /* PWM dutycycle in 0..range */
    uint32_t range;        /* PWM dutycycle range */
    uint32_t freq_hz;      /* PWM frequency */
    uint32_t pulse_us;     /* servo pulse width, 0 = off */
} sim_gpio;

typedef struct {
    sim_gpio gpio[SIM_GPIO_COUNT]; /* every GPIO */
    int64_t start_us;              /* monotonic time of start, origin of TICK */
} sim_state;

/* Starts every GPIO as an input at level 0 with PWM defaults. */
void sim_state_init(sim_state *state, int64_t now_us);
/* True when the command is one sim_state_execute handles. */
bool sim_state_handles(uint32_t cmd);
/* Executes one GPIO command at monotonic time now_us and returns the daemon's result;
 * logs one line for every change of state. */
int32_t sim_state_execute(sim_state *state, const tw_pigpio_frame *request, int64_t now_us);
/* Levels of GPIO 0..31 as a bit mask (BR1). */
uint32_t sim_state_bank1(const sim_state *state, int64_t now_us);

#endif
