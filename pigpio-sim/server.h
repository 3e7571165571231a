/* pigpio-sim's socket server: one poll loop serving many clients at once, framing the
 * pigpio protocol, the notification handles (NOIB, NB, NC) with in-band level reports,
 * and the GPIO commands through gpio_state. */
#ifndef PGS_SERVER_H
#define PGS_SERVER_H

typedef struct pgs_server pgs_server;

/* Binds listen_addr:port; returns NULL (after logging) when it cannot. */
pgs_server *pgs_server_open(const char *listen_addr, int port);
/* Serves clients until a stop signal arrives; returns TW_OK. */
int pgs_server_run(pgs_server *server);
/* Closes every socket and frees the server. */
void pgs_server_close(pgs_server *server);

#endif
