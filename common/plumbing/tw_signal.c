/* Signal handling: the handler only stores to an atomic flag (async-signal-safe). */
#include "tw_signal.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>

static atomic_bool stop_requested;

static void on_stop_signal(int signo)
{
    (void)signo;
    atomic_store(&stop_requested, true);
}

void tw_signal_install(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool tw_signal_stop_requested(void)
{
    return atomic_load(&stop_requested);
}

void tw_signal_request_stop(void)
{
    atomic_store(&stop_requested, true);
}
