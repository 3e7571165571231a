/* Bounded name lookups; see lookup.h. The lookup is shared by its caller and its detached
 * thread, each holding one reference under the lookup's lock; the last to let go frees it,
 * so a caller that stopped waiting never touches freed memory nor waits for the thread. */
#include "lookup.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tw_alloc.h"
#include "tw_time.h"

#define HOST_BYTES 256
#define PORT_BYTES 8

struct dash_lookup {
    char host[HOST_BYTES];   /* the name asked for */
    char port[PORT_BYTES];   /* the decimal port */
    pthread_mutex_t lock;    /* guards ended, references */
    pthread_cond_t ended_cv; /* signalled when the lookup ends (monotonic clock) */
    bool ended;              /* getaddrinfo returned: status and found are set */
    int references;          /* the caller's and the thread's, until each lets go */
    int status;              /* getaddrinfo's return value */
    struct addrinfo *found;  /* its addresses on status 0; owned */
};

static void lookup_free(dash_lookup *lookup)
{
    if (lookup->found)
        freeaddrinfo(lookup->found);
    pthread_mutex_destroy(&lookup->lock);
    pthread_cond_destroy(&lookup->ended_cv);
    free(lookup);
}

/* Drops one reference; frees the lookup when it was the last. */
static void let_go(dash_lookup *lookup, bool ending)
{
    pthread_mutex_lock(&lookup->lock);
    if (ending) {
        lookup->ended = true;
        pthread_cond_broadcast(&lookup->ended_cv);
    }
    bool last = --lookup->references == 0;
    pthread_mutex_unlock(&lookup->lock);
    if (last)
        lookup_free(lookup);
}

static void *run_lookup(void *arg)
{
    dash_lookup *lookup = arg;
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    lookup->status = getaddrinfo(lookup->host, lookup->port, &hints, &lookup->found);
    let_go(lookup, true);
    return NULL;
}

dash_lookup *dash_lookup_start(const char *host, const char *port)
{
    dash_lookup *lookup = tw_xcalloc(1, sizeof *lookup);
    snprintf(lookup->host, sizeof lookup->host, "%s", host);
    snprintf(lookup->port, sizeof lookup->port, "%s", port);
    pthread_mutex_init(&lookup->lock, NULL);
    tw_mono_cond_init(&lookup->ended_cv);
    lookup->references = 2;
    pthread_t thread;
    if (pthread_create(&thread, NULL, run_lookup, lookup) != 0) {
        lookup_free(lookup);
        return NULL;
    }
    pthread_detach(thread);
    return lookup;
}

bool dash_lookup_wait(dash_lookup *lookup, int64_t deadline_us)
{
    struct timespec until = tw_mono_timespec(deadline_us);
    pthread_mutex_lock(&lookup->lock);
    while (!lookup->ended && tw_mono_us() < deadline_us)
        pthread_cond_timedwait(&lookup->ended_cv, &lookup->lock, &until);
    bool ended = lookup->ended;
    pthread_mutex_unlock(&lookup->lock);
    return ended;
}

int dash_lookup_result(const dash_lookup *lookup, const struct addrinfo **found)
{
    *found = lookup->found;
    return lookup->status;
}

void dash_lookup_release(dash_lookup *lookup)
{
    if (lookup)
        let_go(lookup, false);
}
