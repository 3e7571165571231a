/* pigpio-sim: a pigpio daemon emulator on the pigpio socket protocol, the robot
 * gateway's stand-in hardware for tests and demos. */
#include <stdint.h>
#include <stdlib.h>

#include "server.h"
#include "tw_log.h"
#include "tw_options.h"
#include "tw_signal.h"
#include "tw_status.h"

#define SERVICE "pigpio-sim"
#define MIN_PORT 1
#define MAX_PORT 65535

int main(int argc, char **argv)
{
    int64_t port = 0;
    const char *listen_addr = NULL, *log_level = NULL;
    tw_option options[] = {
        {"port", "PIGPIO_PORT", TW_OPT_INT, "8888", "TCP port of the pigpio socket protocol", &port,
         MIN_PORT, MAX_PORT, NULL},
        {"listen", "LISTEN_ADDR", TW_OPT_STR, "0.0.0.0", "IPv4 address to listen on", &listen_addr,
         0, 0, NULL},
        TW_LOG_LEVEL_OPTION(&log_level),
    };
    TW_CLI_PARSE(SERVICE,
                 "Emulates a Raspberry Pi's pigpio daemon: GPIO modes, levels, PWM and servo "
                 "pulses, and stored scripts (PROC, PROCR, PROCU, PROCP, PROCS, PROCD) over "
                 "the pigpio socket protocol, for tests and demos.",
                 options, argc, argv);
    tw_log_start(SERVICE, log_level);
    tw_signal_install();

    pgs_server *server = pgs_server_open(listen_addr, (int)port);
    if (!server)
        return EXIT_FAILURE;
    tw_log_info("listening", TW_STR("listen", listen_addr), TW_INT("port", port));
    pgs_server_run(server);
    pgs_server_close(server);
    tw_log_info("stopped");
    return EXIT_SUCCESS;
}
