/* ANALYTICS_ADDR parsing and resolution; see upstream.h. Each entry keeps the addresses of
 * its last answer, replaced only by a newer answer (a name with no address counts as one);
 * the target list is replaced whole under a mutex so readers always copy a consistent set. */
#include "upstream.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"
#include "tw_alloc.h"
#include "tw_log.h"
#include "tw_net.h"
#include "tw_status.h"
#include "tw_time.h"

#define MAX_ENTRIES 32
#define MAX_TARGETS 256
#define HOST_MAX_BYTES 254
#define PORT_MAX_BYTES 6

typedef struct {
    char host[HOST_MAX_BYTES]; /* name or literal address */
    char port[PORT_MAX_BYTES]; /* decimal port */
    dash_target *known;        /* its last addresses, kept while the DNS fails; owned */
    size_t known_count;        /* entries in known */
    dash_lookup *pending;      /* a lookup that outlived its round, still running, or NULL */
} entry;

struct dash_upstreams {
    entry entries[MAX_ENTRIES]; /* parsed list */
    int entry_count;            /* entries used */
    pthread_mutex_t lock;       /* guards targets */
    dash_target *targets;       /* current resolution; owned */
    size_t target_count;        /* entries in targets */
    tw_counter *found;          /* lookups that gave addresses */
    tw_counter *no_address;     /* lookups told the name has no address */
    tw_counter *failed;         /* lookups the DNS failed (last addresses kept) */
    tw_counter *timed_out;      /* lookups not over within the timeout (last addresses kept) */
};

static void register_metrics(dash_upstreams *upstreams, tw_metrics *m)
{
    const char *help = "Lookups of ANALYTICS_ADDR's names, by result (failed and timed_out "
                       "keep the last addresses).";
    const char *name = "dashboard_resolutions_total";
    upstreams->found = tw_metrics_counter(m, name, help, "result=\"addresses\"");
    upstreams->no_address = tw_metrics_counter(m, name, help, "result=\"no_address\"");
    upstreams->failed = tw_metrics_counter(m, name, help, "result=\"failed\"");
    upstreams->timed_out = tw_metrics_counter(m, name, help, "result=\"timed_out\"");
}

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

dash_upstreams *dash_upstreams_new(const char *list, tw_metrics *metrics, char *err,
                                   size_t err_size)
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
    register_metrics(upstreams, metrics);
    return upstreams;
}

void dash_upstreams_free(dash_upstreams *upstreams)
{
    if (!upstreams)
        return;
    for (int i = 0; i < upstreams->entry_count; i++) {
        dash_lookup_release(upstreams->entries[i].pending);
        free(upstreams->entries[i].known);
    }
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

static void replace_known(entry *e, dash_target *targets, size_t count)
{
    free(e->known);
    e->known = targets;
    e->known_count = count;
}

/* The entry becomes one unresolved target, named by the entry itself. */
static void set_unresolved(entry *e)
{
    dash_target *target = tw_xcalloc(1, sizeof *target);
    /* a long name is cut to what the report shows, the port kept */
    int host_shown = (int)(sizeof target->name - PORT_MAX_BYTES - 1);
    snprintf(target->name, sizeof target->name, "%.*s:%s", host_shown, e->host, e->port);
    replace_known(e, target, 1);
}

/* The entry's targets become every address found (unresolved when none is usable). */
static void set_addresses(entry *e, const struct addrinfo *found)
{
    dash_target *targets = tw_xcalloc(MAX_TARGETS, sizeof *targets);
    size_t count = 0;
    for (const struct addrinfo *ai = found; ai && count < MAX_TARGETS; ai = ai->ai_next) {
        dash_target *t = &targets[count];
        memset(t, 0, sizeof *t);
        format_name(ai->ai_addr, e->port, t->name, sizeof t->name);
        if (already_listed(targets, count, t->name) || ai->ai_addrlen > sizeof t->addr)
            continue;
        memcpy(&t->addr, ai->ai_addr, ai->ai_addrlen);
        t->addr_len = ai->ai_addrlen;
        count++;
    }
    if (count == 0) {
        free(targets);
        set_unresolved(e);
        return;
    }
    replace_known(e, targets, count);
}

/* A lookup's failure that says the name has no address, as opposed to a DNS server that
 * failed to answer. */
static bool says_no_address(int status)
{
    return status == EAI_NONAME || status == EAI_NODATA;
}

/* The DNS failed to answer: the entry keeps its last addresses (unresolved if it has none). */
static void keep_known(entry *e, const char *why)
{
    size_t kept = 0;
    for (size_t i = 0; i < e->known_count; i++)
        kept += e->known[i].addr_len > 0;
    tw_log_warn("cannot resolve analytics address, keeping its last addresses",
                TW_STR("host", e->host), TW_STR("error", why), TW_INT("kept", (int64_t)kept));
    if (e->known_count == 0)
        set_unresolved(e);
}

/* Applies the entry's lookup if it ends by deadline_us; one still running stays pending,
 * to be looked at in the next round instead of starting another. */
static void settle_entry(dash_upstreams *upstreams, entry *e, int64_t deadline_us)
{
    if (!e->pending) {
        tw_counter_add(upstreams->failed, 1);
        keep_known(e, "cannot start a lookup thread");
        return;
    }
    if (!dash_lookup_wait(e->pending, deadline_us)) {
        tw_counter_add(upstreams->timed_out, 1);
        keep_known(e, "no answer within the resolve timeout");
        return;
    }
    const struct addrinfo *found = NULL;
    int status = dash_lookup_result(e->pending, &found);
    if (status == 0) {
        tw_counter_add(upstreams->found, 1);
        set_addresses(e, found);
    } else if (says_no_address(status)) {
        tw_counter_add(upstreams->no_address, 1);
        tw_log_warn("analytics host has no address", TW_STR("host", e->host),
                    TW_STR("error", gai_strerror(status)));
        set_unresolved(e);
    } else {
        tw_counter_add(upstreams->failed, 1);
        keep_known(e, gai_strerror(status));
    }
    dash_lookup_release(e->pending);
    e->pending = NULL;
}

/* Replaces the published targets by every entry's, in entry order, each address once. */
static void publish_targets(dash_upstreams *upstreams)
{
    dash_target *targets = tw_xcalloc(MAX_TARGETS, sizeof *targets);
    size_t count = 0;
    for (int i = 0; i < upstreams->entry_count; i++) {
        const entry *e = &upstreams->entries[i];
        for (size_t j = 0; j < e->known_count && count < MAX_TARGETS; j++) {
            if (!already_listed(targets, count, e->known[j].name))
                targets[count++] = e->known[j];
        }
    }
    pthread_mutex_lock(&upstreams->lock);
    dash_target *old = upstreams->targets;
    upstreams->targets = targets;
    upstreams->target_count = count;
    pthread_mutex_unlock(&upstreams->lock);
    free(old);
}

void dash_upstreams_resolve(dash_upstreams *upstreams, int timeout_ms)
{
    int64_t deadline_us = tw_mono_us() + (int64_t)timeout_ms * TW_US_PER_MS;
    for (int i = 0; i < upstreams->entry_count; i++) {
        entry *e = &upstreams->entries[i];
        if (!e->pending)
            e->pending = dash_lookup_start(e->host, e->port);
    }
    for (int i = 0; i < upstreams->entry_count; i++)
        settle_entry(upstreams, &upstreams->entries[i], deadline_us);
    publish_targets(upstreams);
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
