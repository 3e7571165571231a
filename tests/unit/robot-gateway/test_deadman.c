/* Unit tests for the dead-man's script: its text for each robot's pins, the countdown for
 * a watchdog period, and the refresh request's bytes. */
#include "deadman.h"
#include "tw_status.h"
#include "tw_test.h"

static void linus_script_stops_motors_and_enables(void)
{
    rg_pins pins;
    rg_pins_defaults(&pins);
    char text[RG_DEADMAN_TEXT_BYTES];
    TW_CHECK_INT(rg_deadman_script(&pins.robots[0], text, sizeof text), TW_OK);
    TW_CHECK_STR(text, "tag 0 mils 20 lda p0 cmp 0 jz 0 dcr p0 jnz 0"
                       " w 13 0 w 21 0 w 17 0 w 27 0 pwm 12 0 pwm 26 0 inr p1 jmp 0");
}

static void torvalds_script_has_no_enables(void)
{
    rg_pins pins;
    rg_pins_defaults(&pins);
    char text[RG_DEADMAN_TEXT_BYTES];
    TW_CHECK_INT(rg_deadman_script(&pins.robots[1], text, sizeof text), TW_OK);
    TW_CHECK_STR(text, "tag 0 mils 20 lda p0 cmp 0 jz 0 dcr p0 jnz 0"
                       " w 7 0 w 8 0 w 9 0 w 10 0 inr p1 jmp 0");
    char small[40];
    TW_CHECK_INT(rg_deadman_script(&pins.robots[1], small, sizeof small), TW_INVALID);
}

static void steps_round_up(void)
{
    TW_CHECK_INT(rg_deadman_steps(500), 25);
    TW_CHECK_INT(rg_deadman_steps(50), 3);
    TW_CHECK_INT(rg_deadman_steps(60000), 3000);
}

static void refresh_is_procu_of_p0(void)
{
    tw_pigpio_frame frame;
    uint8_t ext[TW_PIGPIO_WORD_BYTES];
    rg_deadman_refresh(3, 25, &frame, ext);
    TW_CHECK_INT(frame.cmd, 117);
    TW_CHECK_INT(frame.p1, 3);
    TW_CHECK_INT(frame.p3, 4);
    TW_CHECK_INT(ext[0], 25);
    TW_CHECK_INT(ext[1] | ext[2] | ext[3], 0);
}

TW_TEST_MAIN("robot-gateway dead-man's script", TW_TEST(linus_script_stops_motors_and_enables),
             TW_TEST(torvalds_script_has_no_enables), TW_TEST(steps_round_up),
             TW_TEST(refresh_is_procu_of_p0))
