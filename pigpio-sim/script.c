/* The pigpio script language: a parser from whitespace-separated text to instructions
 * with resolved tags, and the virtual machine. Operands x are constants, parameters p0..p9
 * or variables v0..v149; registers y are parameters or variables (a bare number is a
 * variable). GPIO commands in a script set A (and F) to their result; an error result
 * fails the script. */
#include "script.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tw_time.h"

#define GPIO_OP_BASE 1000 /* instruction op for a GPIO command = command number + this */
#define TOKEN_BYTES 32    /* longest token (names and numbers are short) */

enum {
    OP_ADD,
    OP_AND,
    OP_CALL,
    OP_CMP,
    OP_DCR,
    OP_DCRA,
    OP_DIV,
    OP_HALT,
    OP_INR,
    OP_INRA,
    OP_JM,
    OP_JMP,
    OP_JNZ,
    OP_JP,
    OP_JZ,
    OP_LD,
    OP_LDA,
    OP_MICS,
    OP_MILS,
    OP_MLT,
    OP_MOD,
    OP_OR,
    OP_POP,
    OP_POPA,
    OP_PUSH,
    OP_PUSHA,
    OP_RET,
    OP_STA,
    OP_SUB,
    OP_TAG,
    OP_X,
    OP_XA,
    OP_XOR,
};

typedef struct {
    const char *name; /* lower-case script name */
    int op;           /* opcode, or GPIO_OP_BASE + command number */
    const char *args; /* operand kinds: x value, y register, L tag */
} op_info;

static const op_info ops[] = {
    {"add", OP_ADD, "x"},
    {"and", OP_AND, "x"},
    {"call", OP_CALL, "L"},
    {"cmp", OP_CMP, "x"},
    {"dcr", OP_DCR, "y"},
    {"dcra", OP_DCRA, ""},
    {"div", OP_DIV, "x"},
    {"halt", OP_HALT, ""},
    {"inr", OP_INR, "y"},
    {"inra", OP_INRA, ""},
    {"jm", OP_JM, "L"},
    {"jmp", OP_JMP, "L"},
    {"jnz", OP_JNZ, "L"},
    {"jp", OP_JP, "L"},
    {"jz", OP_JZ, "L"},
    {"ld", OP_LD, "yx"},
    {"lda", OP_LDA, "x"},
    {"mics", OP_MICS, "x"},
    {"mils", OP_MILS, "x"},
    {"mlt", OP_MLT, "x"},
    {"mod", OP_MOD, "x"},
    {"or", OP_OR, "x"},
    {"pop", OP_POP, "y"},
    {"popa", OP_POPA, ""},
    {"push", OP_PUSH, "y"},
    {"pusha", OP_PUSHA, ""},
    {"ret", OP_RET, ""},
    {"sta", OP_STA, "y"},
    {"sub", OP_SUB, "x"},
    {"tag", OP_TAG, "L"},
    {"x", OP_X, "yy"},
    {"xa", OP_XA, "y"},
    {"xor", OP_XOR, "x"},
    {"m", GPIO_OP_BASE + TW_PI_CMD_MODES, "xx"},
    {"modes", GPIO_OP_BASE + TW_PI_CMD_MODES, "xx"},
    {"mg", GPIO_OP_BASE + TW_PI_CMD_MODEG, "x"},
    {"modeg", GPIO_OP_BASE + TW_PI_CMD_MODEG, "x"},
    {"pud", GPIO_OP_BASE + TW_PI_CMD_PUD, "xx"},
    {"r", GPIO_OP_BASE + TW_PI_CMD_READ, "x"},
    {"read", GPIO_OP_BASE + TW_PI_CMD_READ, "x"},
    {"w", GPIO_OP_BASE + TW_PI_CMD_WRITE, "xx"},
    {"write", GPIO_OP_BASE + TW_PI_CMD_WRITE, "xx"},
    {"p", GPIO_OP_BASE + TW_PI_CMD_PWM, "xx"},
    {"pwm", GPIO_OP_BASE + TW_PI_CMD_PWM, "xx"},
    {"prs", GPIO_OP_BASE + TW_PI_CMD_PRS, "xx"},
    {"pfs", GPIO_OP_BASE + TW_PI_CMD_PFS, "xx"},
    {"s", GPIO_OP_BASE + TW_PI_CMD_SERVO, "xx"},
    {"servo", GPIO_OP_BASE + TW_PI_CMD_SERVO, "xx"},
    {"gdc", GPIO_OP_BASE + TW_PI_CMD_GDC, "x"},
    {"gpw", GPIO_OP_BASE + TW_PI_CMD_GPW, "x"},
    {"prg", GPIO_OP_BASE + TW_PI_CMD_PRG, "x"},
    {"pfg", GPIO_OP_BASE + TW_PI_CMD_PFG, "x"},
    {"prrg", GPIO_OP_BASE + TW_PI_CMD_PRRG, "x"},
    {"br1", GPIO_OP_BASE + TW_PI_CMD_BR1, ""},
    {"br2", GPIO_OP_BASE + TW_PI_CMD_BR2, ""},
    {"t", GPIO_OP_BASE + TW_PI_CMD_TICK, ""},
    {"tick", GPIO_OP_BASE + TW_PI_CMD_TICK, ""},
    {"hwver", GPIO_OP_BASE + TW_PI_CMD_HWVER, ""},
    {"pigpv", GPIO_OP_BASE + TW_PI_CMD_PIGPV, ""},
};

/* Tags seen while parsing: tag number and the instruction index it names. */
typedef struct {
    int32_t label[PGS_SCRIPT_MAX_TAGS]; /* tag numbers */
    int index[PGS_SCRIPT_MAX_TAGS];     /* instruction each names */
    int count;                          /* tags seen */
} tag_table;

typedef struct {
    const char *p;   /* next character */
    const char *end; /* end of the text */
} cursor;

/* Copies the next whitespace-separated token into out; false at the end of the text. */
static bool next_token(cursor *c, char out[TOKEN_BYTES], bool *too_long)
{
    while (c->p < c->end && isspace((unsigned char)*c->p))
        c->p++;
    size_t n = 0;
    *too_long = false;
    while (c->p < c->end && !isspace((unsigned char)*c->p)) {
        if (n + 1 < TOKEN_BYTES)
            out[n++] = *c->p;
        else
            *too_long = true;
        c->p++;
    }
    out[n] = '\0';
    return n > 0;
}

static const op_info *find_op(const char *name)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (!strcasecmp(ops[i].name, name))
            return &ops[i];
    }
    return NULL;
}

static bool parse_number(const char *text, int32_t *out)
{
    char *end = NULL;
    long long value = strtoll(text, &end, 0);
    if (end == text || *end || value < INT32_MIN || value > UINT32_MAX)
        return false;
    *out = (int32_t)(uint32_t)value;
    return true;
}

/* Parses an operand of kind 'x' (value), 'y' (register) or 'L' (tag number). */
static int32_t parse_arg(const char *text, char kind, pgs_arg *out)
{
    char first = (char)tolower((unsigned char)text[0]);
    if (kind != 'L' && (first == 'p' || first == 'v')) {
        int32_t n;
        if (!parse_number(text + 1, &n))
            return TW_PI_BAD_SCRIPT;
        bool param = first == 'p';
        if (param && (n < 0 || n >= TW_PIGPIO_SCRIPT_PARAMS))
            return TW_PI_BAD_PARAM_NUM;
        if (!param && (n < 0 || n >= TW_PIGPIO_SCRIPT_VARS))
            return TW_PI_BAD_VAR_NUM;
        *out = (pgs_arg){param ? PGS_ARG_PARAM : PGS_ARG_VAR, n};
        return 0;
    }
    int32_t n;
    if (!parse_number(text, &n))
        return TW_PI_BAD_SCRIPT;
    if (kind == 'y' && (n < 0 || n >= TW_PIGPIO_SCRIPT_VARS))
        return TW_PI_BAD_VAR_NUM;
    *out = (pgs_arg){kind == 'y' ? PGS_ARG_VAR : PGS_ARG_CONST, n};
    return 0;
}

static int32_t add_tag(tag_table *tags, int32_t label, int index)
{
    for (int i = 0; i < tags->count; i++) {
        if (tags->label[i] == label)
            return TW_PI_DUP_TAG;
    }
    if (tags->count == PGS_SCRIPT_MAX_TAGS)
        return TW_PI_TOO_MANY_TAGS;
    tags->label[tags->count] = label;
    tags->index[tags->count++] = index;
    return 0;
}

/* Points every jump and call at its tag's instruction. */
static int32_t resolve_tags(pgs_program *program, const tag_table *tags)
{
    for (int i = 0; i < program->count; i++) {
        pgs_instruction *in = &program->code[i];
        const op_info *info = NULL;
        for (size_t k = 0; k < sizeof ops / sizeof ops[0] && !info; k++) {
            if (ops[k].op == in->op)
                info = &ops[k];
        }
        if (!info || strcmp(info->args, "L") != 0)
            continue;
        in->target = -1;
        for (int t = 0; t < tags->count; t++) {
            if (tags->label[t] == in->args[0].value)
                in->target = tags->index[t];
        }
        if (in->target < 0)
            return TW_PI_BAD_TAG;
    }
    return 0;
}

/* Parses the operands of one command into in. */
static int32_t parse_operands(cursor *c, const op_info *info, pgs_instruction *in)
{
    for (size_t a = 0; a < strlen(info->args); a++) {
        char token[TOKEN_BYTES];
        bool too_long;
        if (!next_token(c, token, &too_long) || too_long)
            return TW_PI_BAD_SCRIPT;
        int32_t rc = parse_arg(token, info->args[a], &in->args[a]);
        if (rc)
            return rc;
    }
    if ((info->op == OP_MILS || info->op == OP_MICS) && in->args[0].kind == PGS_ARG_CONST) {
        uint32_t delay = (uint32_t)in->args[0].value;
        if (info->op == OP_MILS && delay > TW_PIGPIO_MAX_MILS)
            return TW_PI_BAD_MILS_DELAY;
        if (info->op == OP_MICS && delay > TW_PIGPIO_MAX_MICS)
            return TW_PI_BAD_MICS_DELAY;
    }
    return 0;
}

int32_t pgs_script_parse(const char *text, size_t len, pgs_program *program)
{
    if (len > PGS_SCRIPT_MAX_TEXT_BYTES)
        return TW_PI_BAD_SCRIPT;
    cursor c = {text, text + len};
    tag_table tags = {.count = 0};
    program->count = 0;
    char token[TOKEN_BYTES];
    bool too_long;
    while (next_token(&c, token, &too_long)) {
        const op_info *info = too_long ? NULL : find_op(token);
        if (!info)
            return TW_PI_BAD_SCRIPT_CMD;
        pgs_instruction in = {.op = info->op, .target = -1};
        int32_t rc = parse_operands(&c, info, &in);
        if (rc)
            return rc;
        if (info->op == OP_TAG) {
            rc = add_tag(&tags, in.args[0].value, program->count);
            if (rc)
                return rc;
            continue;
        }
        if (program->count == PGS_SCRIPT_MAX_INSTRUCTIONS)
            return TW_PI_BAD_SCRIPT;
        program->code[program->count++] = in;
    }
    return resolve_tags(program, &tags);
}

void pgs_script_start(pgs_script *s, const int32_t *params, int count)
{
    for (int i = 0; i < count && i < TW_PIGPIO_SCRIPT_PARAMS; i++)
        s->params[i] = params[i];
    s->status = TW_PI_SCRIPT_RUNNING;
    s->pc = 0;
    s->sp = 0;
    s->wake_us = 0;
}

/* The register an operand names (parameter or variable). */
static int32_t *reg(pgs_script *s, const pgs_arg *arg)
{
    return arg->kind == PGS_ARG_PARAM ? &s->params[arg->value] : &s->vars[arg->value];
}

static int32_t value(pgs_script *s, const pgs_arg *arg)
{
    return arg->kind == PGS_ARG_CONST ? arg->value : *reg(s, arg);
}

/* Arithmetic on A; false when it must fail the script (division by zero). */
static bool arith(pgs_script *s, int op, int32_t x)
{
    uint32_t a = (uint32_t)s->a, ux = (uint32_t)x;
    switch (op) {
    case OP_ADD:
        a += ux;
        break;
    case OP_SUB:
        a -= ux;
        break;
    case OP_MLT:
        a *= ux;
        break;
    case OP_AND:
        a &= ux;
        break;
    case OP_OR:
        a |= ux;
        break;
    case OP_XOR:
        a ^= ux;
        break;
    default: /* OP_DIV, OP_MOD */
        if (x == 0)
            return false;
        a = (uint32_t)(op == OP_DIV ? s->a / x : s->a % x);
        break;
    }
    s->a = (int32_t)a;
    s->f = s->a;
    return true;
}

static bool push(pgs_script *s, int32_t v)
{
    if (s->sp == PGS_SCRIPT_STACK_DEPTH)
        return false;
    s->stack[s->sp++] = v;
    return true;
}

static bool pop(pgs_script *s, int32_t *v)
{
    if (s->sp == 0)
        return false;
    *v = s->stack[--s->sp];
    return true;
}

/* Flow control and registers; false when the script must fail. */
static bool step_control(pgs_script *s, const pgs_instruction *in)
{
    bool is_reg = in->args[0].kind == PGS_ARG_PARAM || in->args[0].kind == PGS_ARG_VAR;
    int32_t *y = is_reg ? reg(s, &in->args[0]) : NULL;
    int32_t t;
    switch (in->op) {
    case OP_JMP:
        s->pc = in->target;
        return true;
    case OP_JZ:
    case OP_JNZ:
    case OP_JP:
    case OP_JM: {
        bool take = in->op == OP_JZ    ? s->f == 0
                    : in->op == OP_JNZ ? s->f != 0
                    : in->op == OP_JP  ? s->f >= 0
                                       : s->f < 0;
        if (take)
            s->pc = in->target;
        return true;
    }
    case OP_CALL:
        if (!push(s, s->pc))
            return false;
        s->pc = in->target;
        return true;
    case OP_RET:
        if (!pop(s, &t))
            return false;
        s->pc = t;
        return true;
    case OP_DCR:
    case OP_INR:
        *y = (int32_t)((uint32_t)*y + (in->op == OP_INR ? 1u : UINT32_MAX));
        s->f = *y;
        return true;
    case OP_LD:
        *y = value(s, &in->args[1]);
        return true;
    case OP_STA:
        *y = s->a;
        return true;
    case OP_PUSH:
        return push(s, *y);
    case OP_POP:
        return pop(s, y);
    case OP_XA:
        t = s->a;
        s->a = *y;
        *y = t;
        return true;
    case OP_X:
        t = *y;
        *y = *reg(s, &in->args[1]);
        *reg(s, &in->args[1]) = t;
        return true;
    default:
        return false;
    }
}

/* Executes one instruction; false when the script must fail. */
static bool step(pgs_script *s, const pgs_instruction *in, int64_t now_us, pgs_script_exec exec,
                 void *arg)
{
    if (in->op >= GPIO_OP_BASE) {
        tw_pigpio_frame req = {(uint32_t)(in->op - GPIO_OP_BASE), (uint32_t)value(s, &in->args[0]),
                               (uint32_t)value(s, &in->args[1]), 0};
        int32_t result = exec(arg, &req);
        s->a = result;
        s->f = result;
        return result >= 0;
    }
    switch (in->op) {
    case OP_MILS:
    case OP_MICS: {
        uint32_t delay = (uint32_t)value(s, &in->args[0]);
        if (delay > (in->op == OP_MILS ? TW_PIGPIO_MAX_MILS : TW_PIGPIO_MAX_MICS))
            return false;
        s->wake_us = now_us + (in->op == OP_MILS ? (int64_t)delay * TW_US_PER_MS : delay);
        return true;
    }
    case OP_HALT:
        s->status = TW_PI_SCRIPT_HALTED;
        return true;
    case OP_LDA:
        s->a = value(s, &in->args[0]);
        return true;
    case OP_CMP:
        s->f = (int32_t)((uint32_t)s->a - (uint32_t)value(s, &in->args[0]));
        return true;
    case OP_DCRA:
    case OP_INRA:
        s->a = (int32_t)((uint32_t)s->a + (in->op == OP_INRA ? 1u : UINT32_MAX));
        s->f = s->a;
        return true;
    case OP_PUSHA:
        return push(s, s->a);
    case OP_POPA:
        return pop(s, &s->a);
    case OP_ADD:
    case OP_SUB:
    case OP_MLT:
    case OP_DIV:
    case OP_MOD:
    case OP_AND:
    case OP_OR:
    case OP_XOR:
        return arith(s, in->op, value(s, &in->args[0]));
    default:
        return step_control(s, in);
    }
}

void pgs_script_run(pgs_script *s, int64_t now_us, int budget, pgs_script_exec exec, void *arg)
{
    while (budget-- > 0 && s->status == TW_PI_SCRIPT_RUNNING) {
        if (s->wake_us > now_us)
            return;
        if (s->pc >= s->program.count) {
            s->status = TW_PI_SCRIPT_HALTED;
            return;
        }
        const pgs_instruction *in = &s->program.code[s->pc++];
        if (!step(s, in, now_us, exec, arg))
            s->status = TW_PI_SCRIPT_FAILED;
    }
}
