/* pigpio-sim's socket server: one poll loop serving many clients at once, framing the
 * pigpio protocol, the notification handles (NOIB, NB, NC) with in-band level reports,
 * and the GPIO commands through gpio_state. */
#ifndef SIM_SERVER_H
#define SIM_SERVER_H

typedef struct sim_server sim_server;

/* Binds listen_addr:port; returns NULL (after logging) when it cannot. */
sim_server *sim_server_open(const char *listen_addr, int port);
/* Serves clients until a stop signal arrives; returns TW_OK. */
int sim_server_run(sim_server *server);
/* Closes every socket and frees the server. */
void sim_server_close(sim_server *server);

#endif
