/* The pigpio daemon socket protocol, shared by the robot gateway (client) and pigpio-sim
 * (server): 16-byte little-endian frames of four 32-bit words. A request is cmd, p1, p2,
 * p3, where p3 counts extension bytes that follow; a reply echoes cmd, p1, p2 and carries
 * the int32 result in the last word (negative = pigpio error code). This file knows
 * nothing of sockets. Numbers are the published values of the pigpio socket interface. */
#ifndef TW_PIGPIO_H
#define TW_PIGPIO_H

#include <stddef.h>
#include <stdint.h>

#define TW_PIGPIO_FRAME_BYTES 16      /* request and reply size */
#define TW_PIGPIO_DEFAULT_PORT 8888   /* the daemon's usual TCP port */
#define TW_PIGPIO_MAX_GPIO 53         /* GPIO 0..53 exist */
#define TW_PIGPIO_MAX_USER_GPIO 31    /* PWM and servos work on GPIO 0..31 */
#define TW_PIGPIO_SERVO_MIN_US 500    /* shortest servo pulse */
#define TW_PIGPIO_SERVO_MAX_US 2500   /* longest servo pulse */
#define TW_PIGPIO_DEFAULT_RANGE 255   /* PWM dutycycle range until PRS changes it */
#define TW_PIGPIO_MIN_RANGE 25        /* smallest PRS range */
#define TW_PIGPIO_MAX_RANGE 40000     /* largest PRS range */
#define TW_PIGPIO_DEFAULT_FREQ_HZ 800 /* PWM frequency until PFS changes it */
#define TW_PIGPIO_WORD_BYTES 4        /* every word on the wire is 32-bit little-endian */
#define TW_PIGPIO_MAX_SCRIPTS 32      /* scripts the daemon stores at once */
#define TW_PIGPIO_SCRIPT_PARAMS 10    /* parameters p0..p9 of a script */
#define TW_PIGPIO_SCRIPT_VARS 150     /* variables v0..v149 of a script */
#define TW_PIGPIO_MAX_MILS 60000      /* longest MILS delay in a script */
#define TW_PIGPIO_MAX_MICS 1000000    /* longest MICS delay in a script */

/* Command numbers. */
enum {
    TW_PI_CMD_MODES = 0,
    TW_PI_CMD_MODEG = 1,
    TW_PI_CMD_PUD = 2,
    TW_PI_CMD_READ = 3,
    TW_PI_CMD_WRITE = 4,
    TW_PI_CMD_PWM = 5,
    TW_PI_CMD_PRS = 6,
    TW_PI_CMD_PFS = 7,
    TW_PI_CMD_SERVO = 8,
    TW_PI_CMD_BR1 = 10,
    TW_PI_CMD_BR2 = 11,
    TW_PI_CMD_TICK = 16,
    TW_PI_CMD_HWVER = 17,
    TW_PI_CMD_NB = 19,
    TW_PI_CMD_NC = 21,
    TW_PI_CMD_PRG = 22,
    TW_PI_CMD_PFG = 23,
    TW_PI_CMD_PRRG = 24,
    TW_PI_CMD_PIGPV = 26,
    TW_PI_CMD_PROC = 38,
    TW_PI_CMD_PROCD = 39,
    TW_PI_CMD_PROCR = 40,
    TW_PI_CMD_PROCS = 41,
    TW_PI_CMD_PROCP = 45,
    TW_PI_CMD_MICS = 46,
    TW_PI_CMD_MILS = 47,
    TW_PI_CMD_GDC = 83,
    TW_PI_CMD_GPW = 84,
    TW_PI_CMD_NOIB = 99,
    TW_PI_CMD_PROCU = 117,
};

/* Script status as PROCP reports it. */
enum {
    TW_PI_SCRIPT_INITING = 0,
    TW_PI_SCRIPT_HALTED = 1,
    TW_PI_SCRIPT_RUNNING = 2,
    TW_PI_SCRIPT_WAITING = 3,
    TW_PI_SCRIPT_FAILED = 4,
};

/* Error results (negative). */
enum {
    TW_PI_BAD_USER_GPIO = -2,
    TW_PI_BAD_GPIO = -3,
    TW_PI_BAD_MODE = -4,
    TW_PI_BAD_LEVEL = -5,
    TW_PI_BAD_PUD = -6,
    TW_PI_BAD_PULSEWIDTH = -7,
    TW_PI_BAD_DUTYCYCLE = -8,
    TW_PI_BAD_DUTYRANGE = -21,
    TW_PI_NO_HANDLE = -24,
    TW_PI_BAD_HANDLE = -25,
    TW_PI_BAD_SCRIPT = -47,
    TW_PI_BAD_SCRIPT_ID = -48,
    TW_PI_BAD_PARAM_NUM = -52,
    TW_PI_DUP_TAG = -53,
    TW_PI_TOO_MANY_TAGS = -54,
    TW_PI_BAD_SCRIPT_CMD = -55,
    TW_PI_BAD_VAR_NUM = -56,
    TW_PI_NO_SCRIPT_ROOM = -57,
    TW_PI_TOO_MANY_PARAM = -61,
    TW_PI_SCRIPT_NOT_READY = -62,
    TW_PI_BAD_TAG = -63,
    TW_PI_BAD_MICS_DELAY = -64,
    TW_PI_BAD_MILS_DELAY = -65,
    TW_PI_UNKNOWN_COMMAND = -88,
    TW_PI_NOT_PWM_GPIO = -92,
    TW_PI_NOT_SERVO_GPIO = -93,
};

/* GPIO modes as MODES takes them and MODEG returns them. */
enum {
    TW_PI_INPUT = 0,
    TW_PI_OUTPUT = 1,
    TW_PI_ALT3 = 7, /* highest mode number */
};

/* Pull-up/down settings for PUD. */
enum { TW_PI_PUD_OFF = 0, TW_PI_PUD_DOWN = 1, TW_PI_PUD_UP = 2 };

typedef struct {
    uint32_t cmd; /* command number */
    uint32_t p1;  /* first parameter (usually the GPIO) */
    uint32_t p2;  /* second parameter */
    uint32_t p3;  /* request: extension byte count; reply: the result as uint32 */
} tw_pigpio_frame;

/* Writes word into out as 4 little-endian bytes. */
void tw_pigpio_put_word(uint8_t *out, uint32_t word);
/* Reads 4 little-endian bytes. */
uint32_t tw_pigpio_get_word(const uint8_t *in);
/* Writes frame into out as 16 little-endian bytes. */
void tw_pigpio_encode(const tw_pigpio_frame *frame, uint8_t out[TW_PIGPIO_FRAME_BYTES]);
/* Reads 16 little-endian bytes into frame. */
void tw_pigpio_decode(const uint8_t in[TW_PIGPIO_FRAME_BYTES], tw_pigpio_frame *frame);
/* Builds the reply to request carrying result in the last word. */
tw_pigpio_frame tw_pigpio_reply(const tw_pigpio_frame *request, int32_t result);
/* The signed result carried by a reply. */
int32_t tw_pigpio_result(const tw_pigpio_frame *reply);
/* Short name of a command ("WRITE"), or "UNKNOWN". */
const char *tw_pigpio_command_name(uint32_t cmd);
/* Short name of an error result ("PI_BAD_GPIO"), "OK" for results >= 0, or "PI_ERROR". */
const char *tw_pigpio_error_name(int32_t result);

#endif
