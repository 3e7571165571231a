/* GPIO command execution for pigpio-sim, validated like the pigpio daemon: GPIO numbers,
 * levels, modes, pulse widths, dutycycles and ranges answer the daemon's error codes. */
#include "gpio_state.h"

#include <stddef.h>

#include "tw_log.h"
#include "tw_time.h"

#define SERVO_PERIOD_US 20000          /* servo pulses repeat at 50 Hz */
#define PGS_HARDWARE_REVISION 0xa020d3 /* a Raspberry Pi 3 Model B+ */
#define PGS_PIGPIO_VERSION 79          /* daemon version reported by PIGPV */
#define BANK1_GPIOS 32                 /* GPIO 0..31 form bank 1 */

/* PWM frequencies available at the daemon's default 5 us sample rate, with the real
 * range (steps per period) each gives. */
typedef struct {
    uint32_t freq_hz;    /* frequency */
    uint32_t real_range; /* dutycycle steps at that frequency */
} pwm_setting;

static const pwm_setting pwm_settings[] = {
    {8000, 25},  {4000, 50}, {2000, 100}, {1600, 125}, {1000, 200}, {800, 250},
    {500, 400},  {400, 500}, {320, 625},  {250, 800},  {200, 1000}, {160, 1250},
    {100, 2000}, {80, 2500}, {50, 4000},  {40, 5000},  {20, 10000}, {10, 20000},
};
#define PWM_SETTING_COUNT (sizeof pwm_settings / sizeof pwm_settings[0])

static const pwm_setting *setting_for(uint32_t freq_hz)
{
    for (size_t i = 0; i < PWM_SETTING_COUNT; i++) {
        if (pwm_settings[i].freq_hz == freq_hz)
            return &pwm_settings[i];
    }
    return &pwm_settings[PWM_SETTING_COUNT - 1];
}

/* The available frequency nearest to the requested one, as the daemon picks it. */
static uint32_t nearest_frequency(uint32_t wanted_hz)
{
    uint32_t best = pwm_settings[0].freq_hz;
    uint64_t best_gap = UINT64_MAX;
    for (size_t i = 0; i < PWM_SETTING_COUNT; i++) {
        uint32_t f = pwm_settings[i].freq_hz;
        uint64_t gap = f > wanted_hz ? f - wanted_hz : wanted_hz - f;
        if (gap < best_gap) {
            best_gap = gap;
            best = f;
        }
    }
    return best;
}

void pgs_state_init(pgs_state *state, int64_t now_us)
{
    state->start_us = now_us;
    for (int i = 0; i < PGS_GPIO_COUNT; i++) {
        state->gpio[i] = (pgs_gpio){.mode = TW_PI_INPUT,
                                    .range = TW_PIGPIO_DEFAULT_RANGE,
                                    .freq_hz = TW_PIGPIO_DEFAULT_FREQ_HZ};
    }
}

static int gpio_level(const pgs_gpio *g, int64_t now_us)
{
    if (g->function == PGS_FN_PWM) {
        if (g->dutycycle == 0)
            return 0;
        if (g->dutycycle >= g->range)
            return 1;
        int64_t period_us = TW_US_PER_S / g->freq_hz;
        return (now_us % period_us) < period_us * g->dutycycle / g->range;
    }
    if (g->function == PGS_FN_SERVO)
        return g->pulse_us && (now_us % SERVO_PERIOD_US) < g->pulse_us;
    if (g->mode == TW_PI_INPUT && g->pud != TW_PI_PUD_OFF)
        return g->pud == TW_PI_PUD_UP;
    return g->level;
}

uint32_t pgs_state_bank1(const pgs_state *state, int64_t now_us)
{
    uint32_t bits = 0;
    for (int i = 0; i < BANK1_GPIOS; i++)
        bits |= (uint32_t)gpio_level(&state->gpio[i], now_us - state->start_us) << i;
    return bits;
}

static uint32_t bank2(const pgs_state *state, int64_t now_us)
{
    uint32_t bits = 0;
    for (int i = BANK1_GPIOS; i < PGS_GPIO_COUNT; i++)
        bits |= (uint32_t)gpio_level(&state->gpio[i], now_us) << (i - BANK1_GPIOS);
    return bits;
}

static void log_change(const char *what, uint32_t gpio, uint32_t from, uint32_t to)
{
    if (from != to)
        tw_log_info("gpio changed", TW_STR("what", what), TW_INT("gpio", gpio),
                    TW_INT("from", from), TW_INT("to", to));
}

/* Stops the PWM or servo generator driving the pin. Its value goes with it: a dutycycle
 * left behind would no longer follow the range (PRS scales only a running one) and could
 * exceed it. */
static void stop_function(pgs_gpio *g, uint32_t gpio)
{
    if (g->function == PGS_FN_PWM)
        log_change("pwm_off", gpio, g->dutycycle, 0);
    if (g->function == PGS_FN_SERVO)
        log_change("servo_off", gpio, g->pulse_us, 0);
    g->function = PGS_FN_NONE;
    g->dutycycle = 0;
    g->pulse_us = 0;
}

static void set_mode(pgs_gpio *g, uint32_t gpio, uint32_t mode)
{
    log_change("mode", gpio, g->mode, mode);
    g->mode = (uint8_t)mode;
}

static int32_t do_modes(pgs_state *s, uint32_t gpio, uint32_t mode)
{
    if (gpio > TW_PIGPIO_MAX_GPIO)
        return TW_PI_BAD_GPIO;
    if (mode > TW_PI_ALT3)
        return TW_PI_BAD_MODE;
    pgs_gpio *g = &s->gpio[gpio];
    if (mode != TW_PI_OUTPUT)
        stop_function(g, gpio);
    set_mode(g, gpio, mode);
    return 0;
}

static int32_t do_pud(pgs_state *s, uint32_t gpio, uint32_t pud)
{
    if (gpio > TW_PIGPIO_MAX_GPIO)
        return TW_PI_BAD_GPIO;
    if (pud > TW_PI_PUD_UP)
        return TW_PI_BAD_PUD;
    log_change("pud", gpio, s->gpio[gpio].pud, pud);
    s->gpio[gpio].pud = (uint8_t)pud;
    return 0;
}

static int32_t do_write(pgs_state *s, uint32_t gpio, uint32_t level)
{
    if (gpio > TW_PIGPIO_MAX_GPIO)
        return TW_PI_BAD_GPIO;
    if (level > 1)
        return TW_PI_BAD_LEVEL;
    pgs_gpio *g = &s->gpio[gpio];
    stop_function(g, gpio);
    set_mode(g, gpio, TW_PI_OUTPUT);
    log_change("level", gpio, g->level, level);
    g->level = (uint8_t)level;
    return 0;
}

/* A generator that drives an output: PWM with its dutycycle, or servo pulses with their
 * width. */
typedef struct {
    pgs_function function;
    const char *on_event;   /* logged when the generator is switched on */
    const char *value_name; /* logged with each change of its value */
} pgs_generator;

static const pgs_generator pwm_generator = {PGS_FN_PWM, "pwm_on", "dutycycle"};
static const pgs_generator servo_generator = {PGS_FN_SERVO, "servo_on", "pulsewidth"};

/* Makes gpio an output driven by generator with value (the dutycycle or pulse width it
 * owns, at *current); switching the generator on logs it and starts that value from 0. */
static void drive(pgs_gpio *g, uint32_t gpio, const pgs_generator *generator, uint32_t *current,
                  uint32_t value)
{
    if (g->function != generator->function) {
        stop_function(g, gpio);
        g->function = generator->function;
        *current = 0;
        log_change(generator->on_event, gpio, 0, 1);
    }
    set_mode(g, gpio, TW_PI_OUTPUT);
    log_change(generator->value_name, gpio, *current, value);
    *current = value;
}

static int32_t do_pwm(pgs_state *s, uint32_t gpio, uint32_t dutycycle)
{
    if (gpio > TW_PIGPIO_MAX_USER_GPIO)
        return TW_PI_BAD_USER_GPIO;
    pgs_gpio *g = &s->gpio[gpio];
    if (dutycycle > g->range)
        return TW_PI_BAD_DUTYCYCLE;
    drive(g, gpio, &pwm_generator, &g->dutycycle, dutycycle);
    return 0;
}

static int32_t do_servo(pgs_state *s, uint32_t gpio, uint32_t pulse_us)
{
    if (gpio > TW_PIGPIO_MAX_USER_GPIO)
        return TW_PI_BAD_USER_GPIO;
    if (pulse_us != 0 && (pulse_us < TW_PIGPIO_SERVO_MIN_US || pulse_us > TW_PIGPIO_SERVO_MAX_US))
        return TW_PI_BAD_PULSEWIDTH;
    pgs_gpio *g = &s->gpio[gpio];
    drive(g, gpio, &servo_generator, &g->pulse_us, pulse_us);
    return 0;
}

static int32_t do_prs(pgs_state *s, uint32_t gpio, uint32_t range)
{
    if (gpio > TW_PIGPIO_MAX_USER_GPIO)
        return TW_PI_BAD_USER_GPIO;
    if (range < TW_PIGPIO_MIN_RANGE || range > TW_PIGPIO_MAX_RANGE)
        return TW_PI_BAD_DUTYRANGE;
    pgs_gpio *g = &s->gpio[gpio];
    log_change("range", gpio, g->range, range);
    if (g->function == PGS_FN_PWM)
        g->dutycycle = (uint32_t)((uint64_t)g->dutycycle * range / g->range);
    g->range = range;
    return (int32_t)setting_for(g->freq_hz)->real_range;
}

static int32_t do_pfs(pgs_state *s, uint32_t gpio, uint32_t freq_hz)
{
    if (gpio > TW_PIGPIO_MAX_USER_GPIO)
        return TW_PI_BAD_USER_GPIO;
    uint32_t chosen = nearest_frequency(freq_hz);
    log_change("frequency", gpio, s->gpio[gpio].freq_hz, chosen);
    s->gpio[gpio].freq_hz = chosen;
    return (int32_t)chosen;
}

static int32_t do_gdc(const pgs_state *s, uint32_t gpio)
{
    if (gpio > TW_PIGPIO_MAX_USER_GPIO)
        return TW_PI_BAD_USER_GPIO;
    const pgs_gpio *g = &s->gpio[gpio];
    return g->function == PGS_FN_PWM ? (int32_t)g->dutycycle : TW_PI_NOT_PWM_GPIO;
}

static int32_t do_gpw(const pgs_state *s, uint32_t gpio)
{
    if (gpio > TW_PIGPIO_MAX_USER_GPIO)
        return TW_PI_BAD_USER_GPIO;
    const pgs_gpio *g = &s->gpio[gpio];
    return g->function == PGS_FN_SERVO ? (int32_t)g->pulse_us : TW_PI_NOT_SERVO_GPIO;
}

/* PRG, PFG and PRRG: one PWM setting of a user GPIO. */
static int32_t do_pwm_query(const pgs_state *s, uint32_t cmd, uint32_t gpio)
{
    if (gpio > TW_PIGPIO_MAX_USER_GPIO)
        return TW_PI_BAD_USER_GPIO;
    const pgs_gpio *g = &s->gpio[gpio];
    if (cmd == TW_PI_CMD_PRG)
        return (int32_t)g->range;
    if (cmd == TW_PI_CMD_PFG)
        return (int32_t)g->freq_hz;
    return (int32_t)setting_for(g->freq_hz)->real_range;
}

static const uint32_t handled_commands[] = {
    TW_PI_CMD_MODES, TW_PI_CMD_MODEG, TW_PI_CMD_PUD,   TW_PI_CMD_READ,  TW_PI_CMD_WRITE,
    TW_PI_CMD_PWM,   TW_PI_CMD_PRS,   TW_PI_CMD_PFS,   TW_PI_CMD_SERVO, TW_PI_CMD_BR1,
    TW_PI_CMD_BR2,   TW_PI_CMD_TICK,  TW_PI_CMD_HWVER, TW_PI_CMD_PRG,   TW_PI_CMD_PFG,
    TW_PI_CMD_PRRG,  TW_PI_CMD_PIGPV, TW_PI_CMD_GDC,   TW_PI_CMD_GPW,
};

bool pgs_state_handles(uint32_t cmd)
{
    for (size_t i = 0; i < sizeof handled_commands / sizeof handled_commands[0]; i++) {
        if (handled_commands[i] == cmd)
            return true;
    }
    return false;
}

int32_t pgs_state_execute(pgs_state *s, const tw_pigpio_frame *req, int64_t now_us)
{
    uint32_t gpio = req->p1, arg = req->p2;
    int64_t since_us = now_us - s->start_us;
    switch (req->cmd) {
    case TW_PI_CMD_MODES:
        return do_modes(s, gpio, arg);
    case TW_PI_CMD_MODEG:
        return gpio > TW_PIGPIO_MAX_GPIO ? TW_PI_BAD_GPIO : s->gpio[gpio].mode;
    case TW_PI_CMD_PUD:
        return do_pud(s, gpio, arg);
    case TW_PI_CMD_READ:
        return gpio > TW_PIGPIO_MAX_GPIO ? TW_PI_BAD_GPIO : gpio_level(&s->gpio[gpio], since_us);
    case TW_PI_CMD_WRITE:
        return do_write(s, gpio, arg);
    case TW_PI_CMD_PWM:
        return do_pwm(s, gpio, arg);
    case TW_PI_CMD_PRS:
        return do_prs(s, gpio, arg);
    case TW_PI_CMD_PFS:
        return do_pfs(s, gpio, arg);
    case TW_PI_CMD_SERVO:
        return do_servo(s, gpio, arg);
    case TW_PI_CMD_GDC:
        return do_gdc(s, gpio);
    case TW_PI_CMD_GPW:
        return do_gpw(s, gpio);
    case TW_PI_CMD_PRG:
    case TW_PI_CMD_PFG:
    case TW_PI_CMD_PRRG:
        return do_pwm_query(s, req->cmd, gpio);
    case TW_PI_CMD_BR1:
        return (int32_t)pgs_state_bank1(s, now_us);
    case TW_PI_CMD_BR2:
        return (int32_t)bank2(s, since_us);
    case TW_PI_CMD_TICK:
        return (int32_t)(uint32_t)since_us;
    case TW_PI_CMD_HWVER:
        return PGS_HARDWARE_REVISION;
    case TW_PI_CMD_PIGPV:
        return PGS_PIGPIO_VERSION;
    default:
        return TW_PI_UNKNOWN_COMMAND;
    }
}
