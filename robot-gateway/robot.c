/* One robot: a FIFO turn (ticket lock) serialising everything that touches the robot's
 * pigpio connection, so commands apply in arrival order; drive/eyes/servo application and
 * pin read-back in the requesting thread (no hand-off on the hot path); and a worker
 * thread that takes its turn to (re)connect, run the watchdog and blink the eyes. On every
 * (re)connect the motors are stopped first, then the dead-man's script (deadman.h) is
 * installed; every drive refreshes it, and a drive the daemon refuses in part is followed
 * by a stop, so the pins never keep a half-applied pattern. Each robot has its own turn,
 * so one robot's troubles never delay the other. With tracing on,
 * every pigpio command is a CLIENT span under the current span (the request's, or an eye
 * span), and every change of the eyes is a "<robot>-eye" span. */
#include "robot.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadman.h"
#include "pigpio_conn.h"
#include "tw_alloc.h"
#include "tw_backoff.h"
#include "tw_log.h"
#include "tw_pigpio.h"
#include "tw_status.h"
#include "tw_time.h"
#include "tw_trace.h"

#define MAX_QUEUED_JOBS 64          /* jobs waiting per robot before 503 */
#define CONNECT_TIMEOUT_MS 250      /* one connection attempt */
#define IO_TIMEOUT_MS 250           /* one command's round trip */
#define BACKOFF_INITIAL_US 100000   /* first reconnect delay */
#define BACKOFF_MAX_US 2000000      /* longest reconnect delay */
#define IDLE_TICK_US 50000          /* worker wakes at least this often */
#define BLINK_HALF_PERIOD_US 250000 /* eyes blink: 250 ms on, 250 ms off */
#define HOST_BYTES 256
#define SPAN_NAME_BYTES 48
/* Waiting jobs beyond which a read is refused (its reply then has no pin read-back): a
 * flood of unauthenticated reads never fills the queue a command needs, nor delays it long. */
#define MAX_QUEUED_READS 8

static const char *const action_names[RG_ACT_COUNT] = {"drive", "eyes", "servo", "read"};
static const char *const eyes_names[] = {"off", "on", "blink"};
static const double latency_bounds_s[] = {0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005,
                                          0.01,   0.025,   0.05,   0.1,   0.25,  1};

struct rg_robot {
    rg_robot_pins pins;    /* wiring */
    char host[HOST_BYTES]; /* pigpio daemon host */
    int port;              /* pigpio daemon port */
    int64_t watchdog_us;   /* motors stop after this long without a drive command */
    pthread_t thread;      /* the worker */
    pthread_mutex_t lock;  /* guards the turn counters, state and stopping */
    pthread_cond_t work;   /* wakes the worker early on stop */
    pthread_cond_t turn;   /* broadcast when serving advances */
    uint64_t next_ticket;  /* turn handed to the next arrival */
    uint64_t serving;      /* turn now allowed to use the connection */
    bool stopping;         /* rg_robot_stop was called */
    rg_robot_state state;  /* what the API reports (under lock) */
    /* Fields used only by whoever holds the turn (a request or the worker). */
    rg_pigpio_conn conn;    /* daemon connection (fd -1 when down) */
    tw_backoff backoff;     /* reconnect pacing */
    bool warned_down;       /* a failure was logged since the last success */
    bool moving;            /* motor pins may be non-zero: no stop has succeeded since */
    int deadman_id;         /* the dead-man's script on the daemon, -1 when none */
    uint32_t deadman_steps; /* its countdown for the watchdog period */
    bool deadman_lost;      /* the script vanished from the daemon: install it again */
    int64_t last_drive_us;  /* monotonic time of the last drive command */
    int64_t next_blink_us;  /* when the eyes toggle next */
    int blink_level;        /* eyes level during blinking */
    /* Metrics. */
    tw_counter *commands[RG_ACT_COUNT]; /* robot_commands_total{robot,action} */
    tw_histogram *latency;              /* robot_command_duration_seconds{robot} */
    tw_counter *pigpio_errors;          /* robot_pigpio_errors_total{robot} */
    tw_counter *watchdog_stops;         /* robot_watchdog_stops_total{robot} */
    tw_counter *connects;               /* robot_pigpio_connects_total{robot} */
    tw_gauge *connected;                /* robot_connected{robot} */
};

const char *rg_eyes_name(rg_eyes eyes)
{
    return eyes_names[eyes];
}

int rg_eyes_parse(const char *text, rg_eyes *out)
{
    for (int i = 0; i <= RG_EYES_BLINK; i++) {
        if (!strcmp(text, eyes_names[i])) {
            *out = (rg_eyes)i;
            return TW_OK;
        }
    }
    return TW_INVALID;
}

const rg_robot_pins *rg_robot_pins_of(const rg_robot *robot)
{
    return &robot->pins;
}

static void set_error(rg_robot *r, char *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats a reason into out (a job's error) and the robot's last_error. */
static void set_error(rg_robot *r, char *out, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(out, RG_ERROR_BYTES, fmt, args);
    va_end(args);
    pthread_mutex_lock(&r->lock);
    snprintf(r->state.last_error, sizeof r->state.last_error, "%s", out);
    pthread_mutex_unlock(&r->lock);
}

static void set_connected(rg_robot *r, bool up)
{
    pthread_mutex_lock(&r->lock);
    r->state.connected = up;
    if (up)
        r->state.last_error[0] = '\0';
    pthread_mutex_unlock(&r->lock);
    tw_gauge_set(r->connected, up ? 1 : 0);
}

static void disconnect(rg_robot *r, const char *why)
{
    rg_pigpio_close(&r->conn);
    tw_backoff_failed(&r->backoff, tw_mono_us());
    set_connected(r, false);
    tw_log_warn("robot disconnected", TW_STR("robot", r->pins.name), TW_STR("reason", why));
    r->warned_down = true;
}

/* One CLIENT span per command of a batch sent at started_ns, children of the current span;
 * results NULL when the batch got no reply. */
static void trace_commands(const rg_robot *r, const tw_pigpio_frame *reqs, int count,
                           const int32_t *results, int64_t started_ns)
{
    for (int i = 0; i < count; i++) {
        char name[SPAN_NAME_BYTES];
        snprintf(name, sizeof name, "pigpio %s", tw_pigpio_command_name(reqs[i].cmd));
        tw_span span;
        if (!tw_trace_begin_child(&span, name, TW_SPAN_CLIENT))
            return;
        span.start_ns = started_ns;
        tw_span_attr_str(&span, "robot", r->pins.name);
        tw_span_attr_str(&span, "pigpio.command", tw_pigpio_command_name(reqs[i].cmd));
        tw_span_attr_int(&span, "pigpio.gpio", reqs[i].p1);
        tw_span_attr_int(&span, "pigpio.value", reqs[i].p2);
        tw_span_attr_str(&span, "net.peer.name", r->host);
        tw_span_attr_int(&span, "net.peer.port", r->port);
        if (!results)
            tw_span_set_error(&span, "no reply from the pigpio daemon");
        else if (results[i] < 0)
            tw_span_set_error(&span, tw_pigpio_error_name(results[i]));
        if (results)
            tw_span_attr_int(&span, "pigpio.result", results[i]);
        tw_trace_end(&span);
    }
}

/* Sends count pigpio commands as one pipelined batch. TW_OK with the results in out (when
 * not NULL); TW_AGAIN when the robot is not connected or the connection failed (reason in
 * err); TW_ERR when the daemon answered an error, counted and logged when count_error. */
static int batch_ext(rg_robot *r, const tw_pigpio_frame *reqs, const void *const *ext, int count,
                     int32_t *out, char *err, bool count_error)
{
    int32_t results[RG_PIGPIO_MAX_BATCH];
    if (r->conn.fd < 0) {
        set_error(r, err, "robot %s is not connected (pigpio at %s:%d)", r->pins.name, r->host,
                  r->port);
        return TW_AGAIN;
    }
    int64_t started_ns = tw_trace_current() ? tw_trace_now_ns() : 0;
    int sent = rg_pigpio_batch_ext(&r->conn, reqs, ext, count, results);
    if (started_ns)
        trace_commands(r, reqs, count, sent == TW_OK ? results : NULL, started_ns);
    if (sent != TW_OK) {
        set_error(r, err, "lost connection to robot %s (pigpio at %s:%d)", r->pins.name, r->host,
                  r->port);
        disconnect(r, "command failed or timed out");
        return TW_AGAIN;
    }
    if (out)
        memcpy(out, results, sizeof results[0] * (size_t)count);
    for (int i = 0; i < count; i++) {
        if (results[i] >= 0)
            continue;
        if (!count_error)
            return TW_ERR;
        const tw_pigpio_frame *q = &reqs[i];
        tw_counter_add(r->pigpio_errors, 1);
        set_error(r, err, "pigpio %s %u %u failed: %s (%d)", tw_pigpio_command_name(q->cmd), q->p1,
                  q->p2, tw_pigpio_error_name(results[i]), results[i]);
        tw_log_warn("pigpio error", TW_STR("robot", r->pins.name),
                    TW_STR("cmd", tw_pigpio_command_name(q->cmd)), TW_INT("gpio", q->p1),
                    TW_INT("value", q->p2), TW_STR("error", tw_pigpio_error_name(results[i])));
        return TW_ERR;
    }
    return TW_OK;
}

/* A batch without extension bytes; see batch_ext. */
static int batch(rg_robot *r, const tw_pigpio_frame *reqs, int count, int32_t *out, char *err,
                 bool count_error)
{
    return batch_ext(r, reqs, NULL, count, out, err, count_error);
}

/* One pigpio command; see batch. */
static int op(rg_robot *r, uint32_t cmd, uint32_t p1, uint32_t p2, int32_t *out, char *err,
              bool count_error)
{
    tw_pigpio_frame request = {cmd, p1, p2, 0};
    return batch(r, &request, 1, out, err, count_error);
}

static void set_deadman(rg_robot *r, int id)
{
    r->deadman_id = id;
    pthread_mutex_lock(&r->lock);
    r->state.deadman = id >= 0;
    pthread_mutex_unlock(&r->lock);
}

/* Refreshes the dead-man's switch, sets the motor pins to the direction's pattern and the
 * enables to their speeds, in one batch. */
static int apply_drive(rg_robot *r, rg_direction dir, const double *speed, char *err)
{
    tw_pigpio_frame reqs[1 + RG_MOTOR_PINS + RG_MAX_ENABLE_PINS];
    const void *ext[1 + RG_MOTOR_PINS + RG_MAX_ENABLE_PINS] = {NULL};
    uint8_t steps[TW_PIGPIO_WORD_BYTES];
    int n = 0;
    if (r->deadman_id >= 0) {
        rg_deadman_refresh(r->deadman_id, r->deadman_steps, &reqs[n], steps);
        ext[n++] = steps;
    }
    for (int i = 0; i < RG_MOTOR_PINS; i++)
        reqs[n++] = (tw_pigpio_frame){TW_PI_CMD_WRITE, (uint32_t)r->pins.motor[i],
                                      r->pins.pattern[dir][i], 0};
    for (int i = 0; i < r->pins.enable_count; i++) {
        uint32_t duty = dir == RG_DIR_STOP ? 0 : rg_speed_dutycycle(speed[i]);
        reqs[n++] = (tw_pigpio_frame){TW_PI_CMD_PWM, (uint32_t)r->pins.enable[i], duty, 0};
    }
    int32_t results[1 + RG_MOTOR_PINS + RG_MAX_ENABLE_PINS];
    int rc = batch_ext(r, reqs, ext, n, results, err, true);
    if (rc == TW_ERR && r->deadman_id >= 0 && results[0] < 0) {
        tw_log_warn("dead-man's script gone, reinstalling", TW_STR("robot", r->pins.name));
        set_deadman(r, -1);
        r->deadman_lost = true;
    }
    return rc;
}

/* Motors stopped; on success the state says so. */
static int stop_motors(rg_robot *r, char *err)
{
    static const double zero[RG_MAX_ENABLE_PINS] = {0};
    int rc = apply_drive(r, RG_DIR_STOP, zero, err);
    r->moving = rc != TW_OK;
    if (rc == TW_OK) {
        pthread_mutex_lock(&r->lock);
        r->state.direction = RG_DIR_STOP;
        pthread_mutex_unlock(&r->lock);
    }
    return rc;
}

/* A drive command: on success the state follows; when the daemon refused any part the
 * motors are stopped, so a half-applied pattern never keeps running. */
static int drive(rg_robot *r, const rg_job *job, char *err)
{
    r->last_drive_us = tw_mono_us();
    int rc = apply_drive(r, job->direction, job->speed, err);
    if (rc == TW_OK) {
        r->moving = job->direction != RG_DIR_STOP;
        pthread_mutex_lock(&r->lock);
        r->state.direction = job->direction;
        memcpy(r->state.speed, job->speed, sizeof r->state.speed);
        pthread_mutex_unlock(&r->lock);
        return TW_OK;
    }
    r->moving = true;
    char stop_err[RG_ERROR_BYTES];
    if (rc == TW_ERR && stop_motors(r, stop_err) != TW_OK)
        tw_log_warn("could not stop the motors after a refused drive",
                    TW_STR("robot", r->pins.name), TW_STR("reason", stop_err));
    return rc;
}

static int apply_eyes_level(rg_robot *r, int level, char *err)
{
    return op(r, TW_PI_CMD_WRITE, (uint32_t)r->pins.eyes, (uint32_t)level, NULL, err, true);
}

/* Sets the eyes LED inside a "<robot>-eye" span (the span name the original robots used):
 * a child of the current span, or a trace of its own for a blink of the worker. */
static int traced_eyes_level(rg_robot *r, rg_eyes eyes, int level, char *err)
{
    char name[SPAN_NAME_BYTES];
    snprintf(name, sizeof name, "%s-eye", r->pins.name);
    tw_span span;
    if (!tw_trace_begin_local(&span, name, TW_SPAN_INTERNAL))
        return apply_eyes_level(r, level, err);
    const tw_span *outer = tw_trace_set_current(&span);
    int rc = apply_eyes_level(r, level, err);
    tw_trace_set_current(outer);
    tw_span_attr_str(&span, "robot", r->pins.name);
    tw_span_attr_str(&span, "eyes.state", rg_eyes_name(eyes));
    tw_span_attr_int(&span, "eyes.level", level);
    if (rc != TW_OK)
        tw_span_set_error(&span, err);
    tw_trace_end(&span);
    return rc;
}

static int apply_eyes(rg_robot *r, rg_eyes eyes, char *err)
{
    r->blink_level = 1;
    r->next_blink_us = tw_mono_us() + BLINK_HALF_PERIOD_US;
    return traced_eyes_level(r, eyes, eyes != RG_EYES_OFF, err);
}

static int apply_servo(rg_robot *r, int servo, double angle, char *err)
{
    const rg_servo_pins *pins = &r->pins.servos[servo];
    return op(r, TW_PI_CMD_SERVO, (uint32_t)pins->gpio, rg_servo_pulse_us(pins, angle), NULL, err,
              true);
}

/* Stores and starts the dead-man's script; a daemon without scripts is logged, not fatal. */
static void install_deadman(rg_robot *r)
{
    char err[RG_ERROR_BYTES] = "";
    int id = -1;
    r->deadman_lost = false;
    int rc = rg_deadman_install(&r->conn, &r->pins, &id, err, sizeof err);
    if (rc == TW_AGAIN) {
        disconnect(r, "dead-man's script install failed");
        return;
    }
    set_deadman(r, rc == TW_OK ? id : -1);
    if (rc == TW_OK)
        tw_log_info("dead-man's script running", TW_STR("robot", r->pins.name),
                    TW_INT("script", id),
                    TW_INT("stop_after_ms", (int64_t)r->deadman_steps * RG_DEADMAN_STEP_MS));
    else
        tw_log_warn("no dead-man's switch on the daemon", TW_STR("robot", r->pins.name),
                    TW_STR("reason", err));
}

/* After (re)connecting: motors stopped before anything else, then the dead-man's script,
 * eyes and servos as the API last set them. */
static void restore_outputs(rg_robot *r)
{
    char err[RG_ERROR_BYTES];
    set_deadman(r, -1);
    if (stop_motors(r, err) != TW_OK)
        return;
    install_deadman(r);
    rg_robot_state s;
    rg_robot_snapshot(r, &s);
    if (r->conn.fd < 0 || apply_eyes(r, s.eyes, err) != TW_OK)
        return;
    for (int i = 0; i < r->pins.servo_count; i++) {
        if (s.angle_set[i] && apply_servo(r, i, s.angle[i], err) != TW_OK)
            return;
    }
}

static void try_connect(rg_robot *r)
{
    int64_t now_us = tw_mono_us();
    if (r->conn.fd >= 0 || !tw_backoff_ready(&r->backoff, now_us))
        return;
    char err[RG_ERROR_BYTES];
    if (rg_pigpio_open(&r->conn, r->host, r->port, CONNECT_TIMEOUT_MS, IO_TIMEOUT_MS, err,
                       sizeof err) != TW_OK) {
        tw_backoff_failed(&r->backoff, now_us);
        set_error(r, err, "%s", err);
        if (!r->warned_down)
            tw_log_warn("robot unreachable, retrying with backoff", TW_STR("robot", r->pins.name),
                        TW_STR("reason", err));
        r->warned_down = true;
        return;
    }
    tw_backoff_succeeded(&r->backoff);
    r->warned_down = false;
    tw_counter_add(r->connects, 1);
    set_connected(r, true);
    tw_log_info("robot connected", TW_STR("robot", r->pins.name), TW_STR("host", r->host),
                TW_INT("port", r->port));
    restore_outputs(r);
}

static void add_reading(rg_robot *r, rg_job *job, int gpio, const char *role, uint32_t value_cmd)
{
    rg_pin_reading *p = &job->pins[job->pin_count++];
    p->gpio = gpio;
    snprintf(p->role, sizeof p->role, "%s", role);
    p->level = -1;
    p->value = -1;
    int32_t result;
    if (op(r, TW_PI_CMD_READ, (uint32_t)gpio, 0, &result, job->error, false) == TW_OK)
        p->level = result;
    if (value_cmd && op(r, value_cmd, (uint32_t)gpio, 0, &result, job->error, false) == TW_OK)
        p->value = result;
}

static int read_pins(rg_robot *r, rg_job *job)
{
    char role[RG_ROLE_BYTES];
    job->pin_count = 0;
    for (int i = 0; i < RG_MOTOR_PINS; i++) {
        snprintf(role, sizeof role, "in%d", i + 1);
        add_reading(r, job, r->pins.motor[i], role, 0);
    }
    for (int i = 0; i < r->pins.enable_count; i++) {
        snprintf(role, sizeof role, "enable%d", i + 1);
        add_reading(r, job, r->pins.enable[i], role, TW_PI_CMD_GDC);
    }
    add_reading(r, job, r->pins.eyes, "eyes", 0);
    for (int i = 0; i < r->pins.servo_count; i++) {
        snprintf(role, sizeof role, "servo%d", i + 1);
        add_reading(r, job, r->pins.servos[i].gpio, role, TW_PI_CMD_GPW);
    }
    return r->conn.fd >= 0 ? TW_OK : TW_AGAIN;
}

/* Applies a job and records the new state when it succeeded. */
static int run_job(rg_robot *r, rg_job *job)
{
    if (r->conn.fd < 0)
        try_connect(r);
    int rc;
    switch (job->action) {
    case RG_ACT_DRIVE:
        return drive(r, job, job->error);
    case RG_ACT_EYES:
        rc = apply_eyes(r, job->eyes, job->error);
        break;
    case RG_ACT_SERVO:
        rc = apply_servo(r, job->servo, job->angle, job->error);
        break;
    default:
        return read_pins(r, job);
    }
    if (rc != TW_OK)
        return rc;
    pthread_mutex_lock(&r->lock);
    if (job->action == RG_ACT_EYES) {
        r->state.eyes = job->eyes;
    } else {
        r->state.angle[job->servo] = job->angle;
        r->state.angle_set[job->servo] = true;
    }
    pthread_mutex_unlock(&r->lock);
    return TW_OK;
}

static void run_timers(rg_robot *r, rg_eyes eyes)
{
    int64_t now_us = tw_mono_us();
    char err[RG_ERROR_BYTES];
    if (r->moving && r->conn.fd >= 0 && now_us - r->last_drive_us >= r->watchdog_us) {
        if (stop_motors(r, err) == TW_OK) {
            tw_counter_add(r->watchdog_stops, 1);
            pthread_mutex_lock(&r->lock);
            r->state.watchdog_stops++;
            pthread_mutex_unlock(&r->lock);
            tw_log_warn("watchdog stopped the motors", TW_STR("robot", r->pins.name),
                        TW_INT("silence_ms", (now_us - r->last_drive_us) / TW_US_PER_MS));
        }
    }
    if (eyes == RG_EYES_BLINK && r->conn.fd >= 0 && now_us >= r->next_blink_us) {
        r->blink_level = !r->blink_level;
        r->next_blink_us = now_us + BLINK_HALF_PERIOD_US;
        traced_eyes_level(r, eyes, r->blink_level, err);
    }
}

/* Earliest moment the worker must wake up without a job. */
static int64_t next_wake_us(const rg_robot *r, rg_eyes eyes)
{
    int64_t wake = tw_mono_us() + IDLE_TICK_US;
    if (r->moving && r->last_drive_us + r->watchdog_us < wake)
        wake = r->last_drive_us + r->watchdog_us;
    if (eyes == RG_EYES_BLINK && r->next_blink_us < wake)
        wake = r->next_blink_us;
    return wake;
}

/* Sleeps (lock held) until wake_us or until rg_robot_stop signals. */
static void wait_for_work(rg_robot *r, int64_t wake_us)
{
    int64_t left_us = wake_us - tw_mono_us();
    if (left_us <= 0)
        return;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    int64_t ns = deadline.tv_nsec + (left_us % TW_US_PER_S) * TW_NS_PER_US;
    deadline.tv_sec += left_us / TW_US_PER_S + ns / (TW_US_PER_S * TW_NS_PER_US);
    deadline.tv_nsec = ns % (TW_US_PER_S * TW_NS_PER_US);
    pthread_cond_timedwait(&r->work, &r->lock, &deadline);
}

/* Waits for this caller's turn on the connection, in arrival order. With max_waiting > 0,
 * refuses (TW_FULL) when stopping or when that many callers already wait. */
static int acquire_turn(rg_robot *r, uint64_t max_waiting)
{
    pthread_mutex_lock(&r->lock);
    if (max_waiting && (r->stopping || r->next_ticket - r->serving >= max_waiting)) {
        pthread_mutex_unlock(&r->lock);
        return TW_FULL;
    }
    uint64_t mine = r->next_ticket++;
    while (r->serving != mine)
        pthread_cond_wait(&r->turn, &r->lock);
    pthread_mutex_unlock(&r->lock);
    return TW_OK;
}

static void release_turn(rg_robot *r)
{
    pthread_mutex_lock(&r->lock);
    r->serving++;
    pthread_cond_broadcast(&r->turn);
    pthread_mutex_unlock(&r->lock);
}

static void *worker(void *arg)
{
    rg_robot *r = arg;
    for (;;) {
        acquire_turn(r, 0);
        try_connect(r);
        if (r->conn.fd >= 0 && r->deadman_lost)
            install_deadman(r);
        rg_robot_state s;
        rg_robot_snapshot(r, &s);
        run_timers(r, s.eyes);
        int64_t wake_us = next_wake_us(r, s.eyes);
        release_turn(r);
        pthread_mutex_lock(&r->lock);
        if (!r->stopping)
            wait_for_work(r, wake_us);
        bool stop = r->stopping;
        pthread_mutex_unlock(&r->lock);
        if (stop)
            break;
    }
    acquire_turn(r, 0);
    char err[RG_ERROR_BYTES];
    if (r->conn.fd >= 0)
        stop_motors(r, err);
    rg_pigpio_close(&r->conn);
    release_turn(r);
    return NULL;
}

static void register_metrics(rg_robot *r, tw_metrics *m)
{
    char labels[96];
    for (int a = 0; a < RG_ACT_READ; a++) {
        snprintf(labels, sizeof labels, "robot=\"%s\",action=\"%s\"", r->pins.name,
                 action_names[a]);
        r->commands[a] = tw_metrics_counter(m, "robot_commands_total",
                                            "Commands received, by robot and action.", labels);
    }
    snprintf(labels, sizeof labels, "robot=\"%s\"", r->pins.name);
    r->latency = tw_metrics_histogram(
        m, "robot_command_duration_seconds",
        "Time from receiving a command to the daemon's last reply, by robot.", labels,
        latency_bounds_s, sizeof latency_bounds_s / sizeof latency_bounds_s[0]);
    r->pigpio_errors = tw_metrics_counter(m, "robot_pigpio_errors_total",
                                          "Commands the pigpio daemon refused, by robot.", labels);
    r->watchdog_stops = tw_metrics_counter(
        m, "robot_watchdog_stops_total",
        "Times the watchdog stopped the motors after drive commands ceased, by robot.", labels);
    r->connects =
        tw_metrics_counter(m, "robot_pigpio_connects_total",
                           "Successful connections to the robot's pigpio daemon.", labels);
    r->connected = tw_metrics_gauge(
        m, "robot_connected", "1 while the robot's pigpio daemon is connected, else 0.", labels);
}

rg_robot *rg_robot_start(const rg_robot_pins *pins, const char *host, int port, int64_t watchdog_ms,
                         tw_metrics *m)
{
    rg_robot *r = tw_xcalloc(1, sizeof *r);
    r->pins = *pins;
    snprintf(r->host, sizeof r->host, "%s", host);
    r->port = port;
    r->watchdog_us = watchdog_ms * TW_US_PER_MS;
    r->conn.fd = -1;
    r->deadman_id = -1;
    r->deadman_steps = rg_deadman_steps(watchdog_ms);
    for (int i = 0; i < RG_MAX_ENABLE_PINS; i++)
        r->state.speed[i] = 1;
    tw_backoff_init(&r->backoff, BACKOFF_INITIAL_US, BACKOFF_MAX_US);
    register_metrics(r, m);
    pthread_mutex_init(&r->lock, NULL);
    tw_mono_cond_init(&r->work);
    pthread_cond_init(&r->turn, NULL);
    pthread_create(&r->thread, NULL, worker, r);
    return r;
}

int rg_robot_submit(rg_robot *r, rg_job *job)
{
    int64_t started_us = tw_mono_us();
    job->error[0] = '\0';
    if (job->action != RG_ACT_READ)
        tw_counter_add(r->commands[job->action], 1);
    uint64_t max_waiting = job->action == RG_ACT_READ ? MAX_QUEUED_READS : MAX_QUEUED_JOBS;
    if (acquire_turn(r, max_waiting) != TW_OK) {
        snprintf(job->error, sizeof job->error, "robot %s is busy or shutting down", r->pins.name);
        job->status = TW_FULL;
        return job->status;
    }
    job->status = run_job(r, job);
    release_turn(r);
    if (job->action != RG_ACT_READ)
        tw_histogram_observe(r->latency, (double)(tw_mono_us() - started_us) / TW_US_PER_S);
    return job->status;
}

void rg_robot_snapshot(rg_robot *r, rg_robot_state *out)
{
    pthread_mutex_lock(&r->lock);
    *out = r->state;
    pthread_mutex_unlock(&r->lock);
}

void rg_robot_stop(rg_robot *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->stopping = true;
    pthread_cond_signal(&r->work);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->work);
    pthread_cond_destroy(&r->turn);
    free(r);
}
