/* ANALYTICS_ADDR parsing and resolution with getaddrinfo; see upstream.h. The target list
 * is replaced whole under a mutex so readers always copy a consistent set. */
#include "upstream.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_log.h"
#include "tw_net.h"
#include "tw_status.h"

#define MAX_ENTRIES 32
#define MAX_TARGETS 256
#define HOST_MAX_BYTES 254
#define PORT_MAX_BYTES 6

typedef struct {
    char host[HOST_MAX_BYTES]; /* name or literal address */
    char port[PORT_MAX_BYTES]; /* decimal port */
} entry;

struct dash_upstreams {
    entry entries[MAX_ENTRIES]; /* parsed list */
    int entry_count;            /* entries used */
    pthread_mutex_t lock;       /* guards targets */
    dash_target *targets;       /* current resolution; owned */
    size_t target_count;        /* entries in targets */
};

static int parse_entry(const char *text, size_t len, entry *out, char *err, size_t err_size)
{
    char item[HOST_MAX_BYTES + PORT_MAX_BYTES + 2];
    while (len && (*text == ' ')) {
        text++;
        len--;
    }
    while (len && text[len - 1] == ' ')
        len--;
    if (len == 0 || len >= sizeof item) {
        snprintf(err, err_size, "bad ANALYTICS_ADDR entry length");
        return -1;
    }
    memcpy(item, text, len);
    item[len] = 0;
    char *colon = strrchr(item, ':');
    int port = 0;
    if (!colon || colon == item ||
        tw_net_parse_port(colon + 1, strlen(colon + 1), &port) != TW_OK) {
        snprintf(err, err_size, "ANALYTICS_ADDR entry '%s' is not host:port", item);
        return -1;
    }
    *colon = 0;
    char *host = item;
    size_t host_len = strlen(host);
    if (host[0] == '[' && host[host_len - 1] == ']') {
        host[host_len - 1] = 0;
        host++;
    }
    size_t copy = strlen(host);
    if (copy >= sizeof out->host)
        copy = sizeof out->host - 1;
    memcpy(out->host, host, copy);
    out->host[copy] = 0;
    snprintf(out->port, sizeof out->port, "%d", port);
    return 0;
}

dash_upstreams *dash_upstreams_new(const char *list, char *err, size_t err_size)
{
    dash_upstreams *upstreams = tw_xcalloc(1, sizeof *upstreams);
    const char *p = list;
    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (upstreams->entry_count == MAX_ENTRIES) {
            snprintf(err, err_size, "ANALYTICS_ADDR has more than %d entries", MAX_ENTRIES);
            free(upstreams);
            return NULL;
        }
        if (parse_entry(p, len, &upstreams->entries[upstreams->entry_count++], err, err_size)) {
            free(upstreams);
            return NULL;
        }
        p = comma ? comma + 1 : NULL;
    }
    if (upstreams->entry_count == 0) {
        snprintf(err, err_size, "ANALYTICS_ADDR is empty");
        free(upstreams);
        return NULL;
    }
    pthread_mutex_init(&upstreams->lock, NULL);
    return upstreams;
}

void dash_upstreams_free(dash_upstreams *upstreams)
{
    if (!upstreams)
        return;
    pthread_mutex_destroy(&upstreams->lock);
    free(upstreams->targets);
    free(upstreams);
}

static void format_name(const struct sockaddr *addr, const char *port, char *out, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, ip, sizeof ip);
    else
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, ip, sizeof ip);
    snprintf(out, size, addr->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", ip, port);
}

static int already_listed(const dash_target *targets, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (!strcmp(targets[i].name, name))
            return 1;
    }
    return 0;
}

/* Appends every address of e to targets; one unresolved target when it has none. */
static size_t resolve_entry(const entry *e, dash_target *targets, size_t count)
{
    struct addrinfo hints, *found = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(e->host, e->port, &hints, &found);
    if (rc != 0) {
        tw_log_warn("cannot resolve analytics address", TW_STR("host", e->host),
                    TW_STR("error", gai_strerror(rc)));
        if (count < MAX_TARGETS) {
            memset(&targets[count], 0, sizeof targets[count]);
            snprintf(targets[count].name, sizeof targets[count].name, "%s:%s", e->host, e->port);
            count++;
        }
        return count;
    }
    for (struct addrinfo *ai = found; ai && count < MAX_TARGETS; ai = ai->ai_next) {
        dash_target *t = &targets[count];
        memset(t, 0, sizeof *t);
        format_name(ai->ai_addr, e->port, t->name, sizeof t->name);
        if (already_listed(targets, count, t->name) || ai->ai_addrlen > sizeof t->addr)
            continue;
        memcpy(&t->addr, ai->ai_addr, ai->ai_addrlen);
        t->addr_len = ai->ai_addrlen;
        count++;
    }
    freeaddrinfo(found);
    return count;
}

void dash_upstreams_resolve(dash_upstreams *upstreams)
{
    dash_target *targets = tw_xcalloc(MAX_TARGETS, sizeof *targets);
    size_t count = 0;
    for (int i = 0; i < upstreams->entry_count; i++)
        count = resolve_entry(&upstreams->entries[i], targets, count);
    pthread_mutex_lock(&upstreams->lock);
    dash_target *old = upstreams->targets;
    upstreams->targets = targets;
    upstreams->target_count = count;
    pthread_mutex_unlock(&upstreams->lock);
    free(old);
}

size_t dash_upstreams_targets(dash_upstreams *upstreams, dash_target **out)
{
    pthread_mutex_lock(&upstreams->lock);
    size_t count = upstreams->target_count;
    *out = tw_xcalloc(count, sizeof **out);
    if (count)
        memcpy(*out, upstreams->targets, count * sizeof **out);
    pthread_mutex_unlock(&upstreams->lock);
    return count;
}
