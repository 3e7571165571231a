/* Robot wiring: which BCM pins drive each robot's motors, enables, eyes and servos, the
 * level pattern each drive direction writes, and the conversions from API values (speed,
 * servo angle) to pigpio values (dutycycle, pulse width). Defaults are the contract's
 * pins; a JSON file may override any of them. */
#ifndef RG_PINS_H
#define RG_PINS_H

#include <stddef.h>
#include <stdint.h>

#define RG_ROBOT_COUNT 2      /* linus and torvalds */
#define RG_MOTOR_PINS 4       /* IN1..IN4 of the motor driver */
#define RG_MAX_ENABLE_PINS 2  /* PWM enable pins */
#define RG_MAX_SERVOS 2       /* servo pins */
#define RG_NAME_BYTES 16      /* robot name storage */
#define RG_SPEED_RANGE 255    /* dutycycle for speed 1.0 (the daemon's default range) */
#define RG_ANGLE_MAX_DEG 90.0 /* servo angles are -90..90 degrees */
#define RG_SERVO_MIN_US 1000  /* gpiozero AngularServo default pulse at -90 degrees */
#define RG_SERVO_MAX_US 2000  /* gpiozero AngularServo default pulse at +90 degrees */

typedef enum {
    RG_DIR_STOP,
    RG_DIR_FORWARD,
    RG_DIR_BACKWARD,
    RG_DIR_LEFT,
    RG_DIR_RIGHT,
    RG_DIR_COUNT,
} rg_direction;

typedef struct {
    int gpio;              /* BCM pin */
    uint32_t min_pulse_us; /* pulse width at -90 degrees */
    uint32_t max_pulse_us; /* pulse width at +90 degrees */
} rg_servo_pins;

typedef struct {
    char name[RG_NAME_BYTES];                     /* "linus" or "torvalds" */
    int motor[RG_MOTOR_PINS];                     /* IN1..IN4 */
    int enable[RG_MAX_ENABLE_PINS];               /* PWM enables: motor 1 (left), motor 2 */
    int enable_count;                             /* entries in enable (0 = no speed) */
    int eyes;                                     /* eyes LED pin */
    rg_servo_pins servos[RG_MAX_SERVOS];          /* servos, servo 1 first */
    int servo_count;                              /* entries in servos */
    uint8_t pattern[RG_DIR_COUNT][RG_MOTOR_PINS]; /* IN1..IN4 levels per direction */
} rg_robot_pins;

typedef struct {
    rg_robot_pins robots[RG_ROBOT_COUNT]; /* linus first, then torvalds */
} rg_pins;

/* Fills pins with the contract's defaults. */
void rg_pins_defaults(rg_pins *pins);
/* Overrides defaults from a JSON file; TW_OK, or TW_INVALID with the reason in err. */
int rg_pins_load(rg_pins *pins, const char *path, char *err, size_t err_size);
/* Overrides defaults from JSON text; TW_OK, or TW_INVALID with the reason in err. */
int rg_pins_parse(rg_pins *pins, const char *json, char *err, size_t err_size);
/* Index of the robot called name, or -1. */
int rg_robot_index(const char *name);
/* Parses "forward" etc.; TW_OK or TW_INVALID. */
int rg_direction_parse(const char *text, rg_direction *out);
/* Name of a direction ("stop"). */
const char *rg_direction_name(rg_direction direction);
/* Servo pulse width in microseconds for angle -90..90 (clamped) within the servo's range. */
uint32_t rg_servo_pulse_us(const rg_servo_pins *servo, double angle_deg);
/* Angle in degrees (to 0.1) that pulse_us stands for on the servo; may exceed -90..90. */
double rg_servo_angle(const rg_servo_pins *servo, uint32_t pulse_us);
/* PWM dutycycle 0..RG_SPEED_RANGE for speed 0..1. */
uint32_t rg_speed_dutycycle(double speed);

#endif
