/* Unit tests for the pigpio socket protocol codec. */
#include "tw_pigpio.h"
#include "tw_test.h"

static void encodes_little_endian_words(void)
{
    tw_pigpio_frame frame = {TW_PI_CMD_WRITE, 17, 1, 0x01020304};
    uint8_t bytes[TW_PIGPIO_FRAME_BYTES];
    tw_pigpio_encode(&frame, bytes);
    static const uint8_t expected[TW_PIGPIO_FRAME_BYTES] = {4, 0, 0, 0, 17, 0, 0, 0,
                                                            1, 0, 0, 0, 4,  3, 2, 1};
    TW_CHECK(memcmp(bytes, expected, sizeof expected) == 0);
}

static void decodes_what_it_encodes(void)
{
    tw_pigpio_frame in = {TW_PI_CMD_SERVO, 23, 2500, 0xdeadbeef}, out;
    uint8_t bytes[TW_PIGPIO_FRAME_BYTES];
    tw_pigpio_encode(&in, bytes);
    tw_pigpio_decode(bytes, &out);
    TW_CHECK_INT(out.cmd, TW_PI_CMD_SERVO);
    TW_CHECK_INT(out.p1, 23);
    TW_CHECK_INT(out.p2, 2500);
    TW_CHECK_INT(out.p3, 0xdeadbeef);
}

static void reply_carries_signed_result(void)
{
    tw_pigpio_frame req = {TW_PI_CMD_READ, 60, 0, 0};
    tw_pigpio_frame reply = tw_pigpio_reply(&req, TW_PI_BAD_GPIO);
    uint8_t bytes[TW_PIGPIO_FRAME_BYTES];
    tw_pigpio_encode(&reply, bytes);
    TW_CHECK_INT(bytes[12], 0xfd);
    TW_CHECK_INT(bytes[15], 0xff);
    tw_pigpio_frame back;
    tw_pigpio_decode(bytes, &back);
    TW_CHECK_INT(tw_pigpio_result(&back), -3);
    TW_CHECK_INT(back.cmd, TW_PI_CMD_READ);
    TW_CHECK_INT(back.p1, 60);
}

static void protocol_numbers_match_the_daemon(void)
{
    TW_CHECK_INT(TW_PI_CMD_GDC, 83);
    TW_CHECK_INT(TW_PI_CMD_GPW, 84);
    TW_CHECK_INT(TW_PI_CMD_NOIB, 99);
    TW_CHECK_INT(TW_PI_CMD_NC, 21);
    TW_CHECK_INT(TW_PI_BAD_PULSEWIDTH, -7);
    TW_CHECK_INT(TW_PI_NOT_SERVO_GPIO, -93);
}

static void names_commands_and_errors(void)
{
    TW_CHECK_STR(tw_pigpio_command_name(TW_PI_CMD_PWM), "PWM");
    TW_CHECK_STR(tw_pigpio_command_name(12345), "UNKNOWN");
    TW_CHECK_STR(tw_pigpio_error_name(TW_PI_BAD_DUTYCYCLE), "PI_BAD_DUTYCYCLE");
    TW_CHECK_STR(tw_pigpio_error_name(5), "OK");
    TW_CHECK_STR(tw_pigpio_error_name(-1000), "PI_ERROR");
}

TW_TEST_MAIN("pigpio codec", TW_TEST(encodes_little_endian_words), TW_TEST(decodes_what_it_encodes),
             TW_TEST(reply_carries_signed_result), TW_TEST(protocol_numbers_match_the_daemon),
             TW_TEST(names_commands_and_errors))
