/* The gateway's HTTP API: the control page, robot state with pins read back from the
 * daemons, and the authenticated drive/eyes/servo commands. */
#ifndef RG_API_H
#define RG_API_H

#include "robot.h"
#include "tw_buf.h"
#include "tw_http.h"

typedef struct {
    rg_robot *robots[RG_ROBOT_COUNT]; /* linus, torvalds */
    const char *token;                /* bearer token every POST must carry */
    const char *addr[RG_ROBOT_COUNT]; /* each robot's pigpio "host:port", for display */
    const char *dashboard_url;        /* the dashboard's address for the page's link, or "" */
} rg_api;

/* Registers the page and API routes on http; api must outlive the server. */
void rg_api_register(tw_http *http, rg_api *api);
/* /readyz: ready while at least one robot's daemon is connected; names the ones down. */
int rg_api_ready(void *arg, tw_buf *reason);

#endif
