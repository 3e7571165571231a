/* The daemon's stored scripts: up to 32 slots and the script commands of the socket
 * protocol (PROC store, PROCR run, PROCU update parameters, PROCP status, PROCS stop,
 * PROCD delete), and running every running script a slice at a time from the server
 * loop. GPIO commands of scripts go through a callback; no sockets here. */
#ifndef PGS_SCRIPT_STORE_H
#define PGS_SCRIPT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "script.h"

#define PGS_PROCP_REPLY_BYTES ((1 + TW_PIGPIO_SCRIPT_PARAMS) * TW_PIGPIO_WORD_BYTES)

typedef struct pgs_scripts pgs_scripts;

/* Creates an empty store whose scripts run GPIO commands through exec(arg, ...). */
pgs_scripts *pgs_scripts_new(pgs_script_exec exec, void *arg);
/* Frees the store. */
void pgs_scripts_free(pgs_scripts *store);
/* True for the script commands the store answers. */
bool pgs_scripts_handles(uint32_t cmd);
/* Executes a script command with its extension bytes (script text or parameters); returns
 * the daemon's result. PROCP's status and parameters go to reply (PGS_PROCP_REPLY_BYTES)
 * and *reply_len; every other command leaves *reply_len 0. */
int32_t pgs_scripts_execute(pgs_scripts *store, const tw_pigpio_frame *request, const uint8_t *ext,
                            size_t ext_len, uint8_t *reply, size_t *reply_len, int64_t now_us);
/* Runs every running script until it sleeps or has used its slice. */
void pgs_scripts_run(pgs_scripts *store, int64_t now_us);
/* Microseconds until a script must run again (0: now), at most limit_us. */
int64_t pgs_scripts_due_in_us(const pgs_scripts *store, int64_t now_us, int64_t limit_us);

#endif
