/* The analytics replicas to ask: ANALYTICS_ADDR's comma-separated host:port entries, each
 * resolved to every address it has (a headless Service lists one per replica), and
 * re-resolved on demand so replicas that come and go are followed. A DNS server that is
 * slow or down changes nothing: each entry keeps its last addresses until an answer. */
#ifndef DASH_UPSTREAM_H
#define DASH_UPSTREAM_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#include "tw_metrics.h"

#define DASH_ADDRESS_NAME_BYTES 80

typedef struct {
    struct sockaddr_storage addr;       /* where to connect */
    socklen_t addr_len;                 /* bytes used in addr; 0 when the host did not resolve */
    char name[DASH_ADDRESS_NAME_BYTES]; /* "ip:port", or the entry "host:port" if unresolved */
} dash_target;

typedef struct dash_upstreams dash_upstreams;

/* Parses the list ("host:port,host:port"); NULL with a reason in err when it is malformed.
 * Each entry's lookups are counted in metrics, by result. */
dash_upstreams *dash_upstreams_new(const char *list, tw_metrics *metrics, char *err,
                                   size_t err_size);
/* Frees the list. */
void dash_upstreams_free(dash_upstreams *upstreams);
/* Resolves every entry again, waiting at most timeout_ms: an entry whose name has no
 * address becomes one unresolved target; one whose lookup fails or is not over keeps its
 * last addresses (its lookup, still running, is looked at in the next call). */
void dash_upstreams_resolve(dash_upstreams *upstreams, int timeout_ms);
/* Copies the current targets into *out (caller frees it); returns how many. */
size_t dash_upstreams_targets(dash_upstreams *upstreams, dash_target **out);

#endif
