/* Graceful shutdown: SIGTERM/SIGINT set one process-wide stop flag that every loop polls. */
#ifndef TW_SIGNAL_H
#define TW_SIGNAL_H

#include <stdbool.h>

/* Installs SIGTERM/SIGINT handlers and ignores SIGPIPE. */
void tw_signal_install(void);
/* True once a stop signal arrived (or tw_signal_request_stop was called). */
bool tw_signal_stop_requested(void);
/* Asks every loop to stop, as a signal would. */
void tw_signal_request_stop(void);

#endif
