/* pigpio socket protocol codec: frame encoding, reply building, and names for logs. */
#include "tw_pigpio.h"

#include <stddef.h>

#define WORD_BYTES TW_PIGPIO_WORD_BYTES
#define BITS_PER_BYTE 8

typedef struct {
    int32_t code;     /* command number or error result */
    const char *name; /* its name */
} named_code;

static const named_code command_names[] = {
    {TW_PI_CMD_MODES, "MODES"}, {TW_PI_CMD_MODEG, "MODEG"}, {TW_PI_CMD_PUD, "PUD"},
    {TW_PI_CMD_READ, "READ"},   {TW_PI_CMD_WRITE, "WRITE"}, {TW_PI_CMD_PWM, "PWM"},
    {TW_PI_CMD_PRS, "PRS"},     {TW_PI_CMD_PFS, "PFS"},     {TW_PI_CMD_SERVO, "SERVO"},
    {TW_PI_CMD_BR1, "BR1"},     {TW_PI_CMD_BR2, "BR2"},     {TW_PI_CMD_TICK, "TICK"},
    {TW_PI_CMD_HWVER, "HWVER"}, {TW_PI_CMD_NB, "NB"},       {TW_PI_CMD_NC, "NC"},
    {TW_PI_CMD_PRG, "PRG"},     {TW_PI_CMD_PFG, "PFG"},     {TW_PI_CMD_PRRG, "PRRG"},
    {TW_PI_CMD_PIGPV, "PIGPV"}, {TW_PI_CMD_GDC, "GDC"},     {TW_PI_CMD_GPW, "GPW"},
    {TW_PI_CMD_NOIB, "NOIB"},   {TW_PI_CMD_PROC, "PROC"},   {TW_PI_CMD_PROCD, "PROCD"},
    {TW_PI_CMD_PROCR, "PROCR"}, {TW_PI_CMD_PROCS, "PROCS"}, {TW_PI_CMD_PROCP, "PROCP"},
    {TW_PI_CMD_PROCU, "PROCU"}, {TW_PI_CMD_MICS, "MICS"},   {TW_PI_CMD_MILS, "MILS"},
};

static const named_code error_names[] = {
    {TW_PI_BAD_USER_GPIO, "PI_BAD_USER_GPIO"},
    {TW_PI_BAD_GPIO, "PI_BAD_GPIO"},
    {TW_PI_BAD_MODE, "PI_BAD_MODE"},
    {TW_PI_BAD_LEVEL, "PI_BAD_LEVEL"},
    {TW_PI_BAD_PUD, "PI_BAD_PUD"},
    {TW_PI_BAD_PULSEWIDTH, "PI_BAD_PULSEWIDTH"},
    {TW_PI_BAD_DUTYCYCLE, "PI_BAD_DUTYCYCLE"},
    {TW_PI_BAD_DUTYRANGE, "PI_BAD_DUTYRANGE"},
    {TW_PI_NO_HANDLE, "PI_NO_HANDLE"},
    {TW_PI_BAD_HANDLE, "PI_BAD_HANDLE"},
    {TW_PI_BAD_SCRIPT, "PI_BAD_SCRIPT"},
    {TW_PI_BAD_SCRIPT_ID, "PI_BAD_SCRIPT_ID"},
    {TW_PI_BAD_PARAM_NUM, "PI_BAD_PARAM_NUM"},
    {TW_PI_DUP_TAG, "PI_DUP_TAG"},
    {TW_PI_TOO_MANY_TAGS, "PI_TOO_MANY_TAGS"},
    {TW_PI_BAD_SCRIPT_CMD, "PI_BAD_SCRIPT_CMD"},
    {TW_PI_BAD_VAR_NUM, "PI_BAD_VAR_NUM"},
    {TW_PI_NO_SCRIPT_ROOM, "PI_NO_SCRIPT_ROOM"},
    {TW_PI_TOO_MANY_PARAM, "PI_TOO_MANY_PARAM"},
    {TW_PI_SCRIPT_NOT_READY, "PI_SCRIPT_NOT_READY"},
    {TW_PI_BAD_TAG, "PI_BAD_TAG"},
    {TW_PI_BAD_MICS_DELAY, "PI_BAD_MICS_DELAY"},
    {TW_PI_BAD_MILS_DELAY, "PI_BAD_MILS_DELAY"},
    {TW_PI_UNKNOWN_COMMAND, "PI_UNKNOWN_COMMAND"},
    {TW_PI_NOT_PWM_GPIO, "PI_NOT_PWM_GPIO"},
    {TW_PI_NOT_SERVO_GPIO, "PI_NOT_SERVO_GPIO"},
};

void tw_pigpio_put_word(uint8_t *out, uint32_t word)
{
    for (int i = 0; i < WORD_BYTES; i++)
        out[i] = (uint8_t)(word >> (BITS_PER_BYTE * i));
}

uint32_t tw_pigpio_get_word(const uint8_t *in)
{
    uint32_t word = 0;
    for (int i = 0; i < WORD_BYTES; i++)
        word |= (uint32_t)in[i] << (BITS_PER_BYTE * i);
    return word;
}

void tw_pigpio_encode(const tw_pigpio_frame *frame, uint8_t out[TW_PIGPIO_FRAME_BYTES])
{
    tw_pigpio_put_word(out, frame->cmd);
    tw_pigpio_put_word(out + WORD_BYTES, frame->p1);
    tw_pigpio_put_word(out + 2 * WORD_BYTES, frame->p2);
    tw_pigpio_put_word(out + 3 * WORD_BYTES, frame->p3);
}

void tw_pigpio_decode(const uint8_t in[TW_PIGPIO_FRAME_BYTES], tw_pigpio_frame *frame)
{
    frame->cmd = tw_pigpio_get_word(in);
    frame->p1 = tw_pigpio_get_word(in + WORD_BYTES);
    frame->p2 = tw_pigpio_get_word(in + 2 * WORD_BYTES);
    frame->p3 = tw_pigpio_get_word(in + 3 * WORD_BYTES);
}

tw_pigpio_frame tw_pigpio_reply(const tw_pigpio_frame *request, int32_t result)
{
    return (tw_pigpio_frame){request->cmd, request->p1, request->p2, (uint32_t)result};
}

int32_t tw_pigpio_result(const tw_pigpio_frame *reply)
{
    return (int32_t)reply->p3;
}

static const char *find_name(const named_code *table, size_t count, int32_t code,
                             const char *missing)
{
    for (size_t i = 0; i < count; i++) {
        if (table[i].code == code)
            return table[i].name;
    }
    return missing;
}

const char *tw_pigpio_command_name(uint32_t cmd)
{
    if (cmd > (uint32_t)INT32_MAX)
        return "UNKNOWN";
    return find_name(command_names, sizeof command_names / sizeof command_names[0], (int32_t)cmd,
                     "UNKNOWN");
}

const char *tw_pigpio_error_name(int32_t result)
{
    if (result >= 0)
        return "OK";
    return find_name(error_names, sizeof error_names / sizeof error_names[0], result, "PI_ERROR");
}
