/* Fuzzes the gateway's side of the pigpio socket protocol: the input is what a daemon
 * answers, already waiting in a socket pair (end of input = the daemon closed), and the
 * gateway does what it does on every (re)connection: installs the dead-man's script (32
 * PROCP queries with their status words, PROCD, PROC with the script text, PROCR) and
 * then drives (a pipelined batch). Replies that do not echo their request, are short,
 * or announce more data than asked for must fail cleanly, never over-read. */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "deadman.h"
#include "pigpio_conn.h"
#include "pins.h"
#include "tw_fuzz.h"
#include "tw_status.h"

#define MAX_INPUT 4096 /* fits in a socket pair's buffer */
#define ERR_BYTES 160

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        abort();
    if (size && write(fds[1], data, size) != (ssize_t)size)
        abort();
    shutdown(fds[1], SHUT_WR);
    rg_pigpio_conn conn = {fds[0], 1000};
    rg_pins pins;
    rg_pins_defaults(&pins);
    char err[ERR_BYTES] = "";
    int id = -1;
    int rc = rg_deadman_install(&conn, &pins.robots[0], &id, err, sizeof err);
    TW_FUZZ_CHECK(rc == TW_OK || rc == TW_ERR || rc == TW_AGAIN);
    TW_FUZZ_CHECK(rc != TW_OK || (id >= 0 && err[0] == '\0'));
    TW_FUZZ_CHECK(rc != TW_ERR || err[0] != '\0');
    tw_pigpio_frame batch[RG_MOTOR_PINS];
    int32_t results[RG_MOTOR_PINS];
    for (int i = 0; i < RG_MOTOR_PINS; i++)
        batch[i] = (tw_pigpio_frame){TW_PI_CMD_WRITE, (uint32_t)pins.robots[0].motor[i], 0, 0};
    (void)rg_pigpio_batch(&conn, batch, RG_MOTOR_PINS, results);
    rg_pigpio_close(&conn);
    close(fds[1]);
    return 0;
}
