/* One name lookup (getaddrinfo) that its caller waits for no longer than a deadline: it
 * runs on a thread of its own, so a DNS server that hangs delays nobody. A lookup the
 * caller stops waiting for finishes alone and is freed by whichever side lets go last. */
#ifndef DASH_LOOKUP_H
#define DASH_LOOKUP_H

#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct dash_lookup dash_lookup;

/* Starts resolving host and port (both copied) for TCP; NULL when no thread can start. */
dash_lookup *dash_lookup_start(const char *host, const char *port);
/* Waits until the lookup has ended or tw_mono_us() reaches deadline_us; true if it ended. */
bool dash_lookup_wait(dash_lookup *lookup, int64_t deadline_us);
/* An ended lookup's getaddrinfo status; on 0, *found are its addresses (the lookup owns them). */
int dash_lookup_result(const dash_lookup *lookup, const struct addrinfo **found);
/* Lets go of the lookup: freed now if it has ended, else by its thread when it does. */
void dash_lookup_release(dash_lookup *lookup);

#endif
