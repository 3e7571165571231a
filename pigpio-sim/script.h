/* pigpio scripts: the daemon's script language parsed into a program, and the virtual
 * machine that runs one (accumulator A, flags F, program counter, 10 parameters, 150
 * variables, a call stack). GPIO commands inside a script go through a callback, so this
 * file knows nothing of GPIO state or sockets; time comes from the caller. */
#ifndef PGS_SCRIPT_H
#define PGS_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_pigpio.h"

#define PGS_SCRIPT_MAX_INSTRUCTIONS 512 /* instructions in one script */
#define PGS_SCRIPT_MAX_TAGS 50          /* tags in one script (the daemon's limit) */
#define PGS_SCRIPT_STACK_DEPTH 64       /* CALL/PUSH stack entries */
#define PGS_SCRIPT_MAX_TEXT_BYTES 8192  /* longest script text accepted */

/* Where an operand's value lives. */
typedef enum { PGS_ARG_NONE, PGS_ARG_CONST, PGS_ARG_PARAM, PGS_ARG_VAR } pgs_arg_kind;

typedef struct {
    pgs_arg_kind kind; /* constant, parameter or variable */
    int32_t value;     /* the constant, or the parameter/variable number */
} pgs_arg;

typedef struct {
    int op;          /* opcode (script.c) or, for GPIO commands, the command number + 1000 */
    pgs_arg args[2]; /* operands */
    int target;      /* jumps and calls: instruction index */
} pgs_instruction;

typedef struct {
    pgs_instruction code[PGS_SCRIPT_MAX_INSTRUCTIONS]; /* the program */
    int count;                                         /* instructions in code */
} pgs_program;

/* Executes one GPIO command for a script; returns the daemon's result. */
typedef int32_t (*pgs_script_exec)(void *arg, const tw_pigpio_frame *request);

typedef struct {
    pgs_program program;                     /* parsed text */
    int status;                              /* TW_PI_SCRIPT_HALTED, _RUNNING or _FAILED */
    int32_t params[TW_PIGPIO_SCRIPT_PARAMS]; /* p0..p9 */
    int32_t vars[TW_PIGPIO_SCRIPT_VARS];     /* v0..v149 */
    int32_t a;                               /* accumulator */
    int32_t f;                               /* flags */
    int pc;                                  /* next instruction */
    int32_t stack[PGS_SCRIPT_STACK_DEPTH];   /* CALL return addresses and PUSHed values */
    int sp;                                  /* entries on stack */
    int64_t wake_us;                         /* MILS/MICS: sleeping until this time */
} pgs_script;

/* Parses script text (len bytes) into program; 0, or the daemon's error (PI_BAD_TAG ...). */
int32_t pgs_script_parse(const char *text, size_t len, pgs_program *program);
/* Starts (or restarts) script from its first instruction; count parameters replace p0.. */
void pgs_script_start(pgs_script *script, const int32_t *params, int count);
/* Runs script until it sleeps, halts, fails or has executed budget instructions. */
void pgs_script_run(pgs_script *script, int64_t now_us, int budget, pgs_script_exec exec,
                    void *arg);

#endif
