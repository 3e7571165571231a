/* The emulated Raspberry Pi: per-GPIO mode, level, pull, PWM and servo state, and the
 * execution of the GPIO commands of the pigpio protocol with the daemon's validation and
 * error codes. Pure state: no sockets, so unit tests drive it directly. */
#ifndef PGS_GPIO_STATE_H
#define PGS_GPIO_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "tw_pigpio.h"

#define PGS_GPIO_COUNT (TW_PIGPIO_MAX_GPIO + 1)

/* What drives a GPIO's output. */
typedef enum {
    PGS_FN_NONE,  /* nothing: the mode and level as last set */
    PGS_FN_PWM,   /* software PWM at dutycycle/range */
    PGS_FN_SERVO, /* servo pulses of pulse_us every 20 ms */
} pgs_function;

typedef struct {
    uint8_t mode;          /* TW_PI_INPUT, TW_PI_OUTPUT or an ALT mode */
    uint8_t level;         /* last written level (0/1) */
    uint8_t pud;           /* TW_PI_PUD_* */
    pgs_function function; /* PWM/servo generator, if any */
    uint32_t dutycycle;    /* PWM dutycycle in 0..range */
    uint32_t range;        /* PWM dutycycle range */
    uint32_t freq_hz;      /* PWM frequency */
    uint32_t pulse_us;     /* servo pulse width, 0 = off */
} pgs_gpio;

typedef struct {
    pgs_gpio gpio[PGS_GPIO_COUNT]; /* every GPIO */
    int64_t start_us;              /* monotonic time of start, origin of TICK */
} pgs_state;

/* Starts every GPIO as an input at level 0 with PWM defaults. */
void pgs_state_init(pgs_state *state, int64_t now_us);
/* True when the command is one pgs_state_execute handles. */
bool pgs_state_handles(uint32_t cmd);
/* Executes one GPIO command at monotonic time now_us and returns the daemon's result;
 * logs one line for every change of state. */
int32_t pgs_state_execute(pgs_state *state, const tw_pigpio_frame *request, int64_t now_us);
/* Levels of GPIO 0..31 as a bit mask (BR1). */
uint32_t pgs_state_bank1(const pgs_state *state, int64_t now_us);

#endif
