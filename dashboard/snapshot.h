/* An immutable, reference-counted picture of the merged data for one window, built by
 * the refresher and read by any number of requests: the summary (encoded once), every
 * present antenna row with its status, sorted by id, and every order the list can be
 * asked in, all made before it is published, so no request sorts. Paging and the id
 * filter run on it, so a page costs its rows, not the table. */
#ifndef DASH_SNAPSHOT_H
#define DASH_SNAPSHOT_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "merged.h"
#include "tw_sketch.h"

typedef enum {
    DASH_SORT_ANTENNA_ID, /* ascending id */
    DASH_SORT_LOSS_RATE,  /* highest loss rate first, then id */
    DASH_SORT_LATENCY,    /* highest p95 latency first, then id */
    DASH_SORT_COUNT
} dash_sort;

/* A replica that stopped answering but whose last answer is still counted. */
typedef struct {
    char *address; /* "ip:port"; owned */
    int64_t age_s; /* seconds since it last answered */
} dash_stale;

/* Room for the reason a replica gives for not being ready. */
#define DASH_REASON_BYTES 128

/* A replica that answers but whose own dependencies are not (its /readyz says 503, e.g.
 * "redis not connected"): it serves the state it has while no report reaches it. */
typedef struct {
    char *address; /* "ip:port"; owned */
    char *reason;  /* its /readyz reason; owned */
} dash_not_ready;

/* The replica-wide figures of a window, summed over the replicas counted. */
typedef struct {
    int64_t window_s;          /* 0, 60, 300 or 900 */
    int64_t now;               /* newest replica clock (Unix s) */
    uint64_t records;          /* summed */
    uint64_t packets;          /* summed */
    uint64_t loss;             /* summed */
    uint64_t malformed;        /* summed */
    double throughput_rps;     /* summed */
    int64_t lag;               /* largest report (one group: every replica sees the same), -1 */
    int64_t updated_at_us;     /* newest */
    tw_sketch latency;         /* merged; owned */
    int expected;              /* addresses asked */
    int answered;              /* addresses that answered with a valid document */
    char **down;               /* addresses neither answering nor counted; owned */
    int down_count;            /* entries in down */
    dash_stale *stale;         /* addresses counted from their last answer; owned */
    int stale_count;           /* entries in stale */
    dash_not_ready *not_ready; /* counted replicas whose broker is unreachable; owned */
    int not_ready_count;       /* entries in not_ready */
} dash_totals;

typedef struct {
    atomic_int refs;                   /* holders; freed at 0 */
    dash_totals totals;                /* owned */
    tw_latency_figures latency;        /* of totals.latency */
    uint64_t antennas_active;          /* rows with records in the window */
    uint64_t antennas_offline;         /* rows whose status is offline */
    uint64_t antennas_unknown;         /* rows whose status is unknown (see status_of) */
    dash_row *rows;                    /* present rows by id, status set; owned */
    size_t count;                      /* rows */
    uint32_t *orders[DASH_SORT_COUNT]; /* row positions per order; owned */
    char *summary_json;                /* the summary document; owned */
    size_t summary_len;                /* its length */
    int64_t built_us;                  /* monotonic time it was built */
} dash_snapshot;

/* Starts empty totals for a window. */
void dash_totals_init(dash_totals *totals, int64_t window_s);
/* Frees what totals own. */
void dash_totals_free(dash_totals *totals);
/* Folds one replica's header in (counted: answered or stale). */
void dash_totals_add(dash_totals *totals, const tw_exchange_header *header);
/* Lists an address as down (copied). */
void dash_totals_add_down(dash_totals *totals, const char *address);
/* Lists an address as stale (copied). */
void dash_totals_add_stale(dash_totals *totals, const char *address, int64_t age_s);
/* Lists a counted address as not ready, with its reason (both copied). */
void dash_totals_add_not_ready(dash_totals *totals, const char *address, const char *reason);

/* Builds a snapshot (one reference) of merged with totals (moved in). */
dash_snapshot *dash_snapshot_build(dash_merged *merged, dash_totals *totals);
/* Takes one more reference. */
dash_snapshot *dash_snapshot_take(dash_snapshot *snapshot);
/* Drops one reference. */
void dash_snapshot_release(dash_snapshot *snapshot);
/* Adds {"expected","answered","down":[...],"stale":[{"address","age_s"}],
 * "not_ready":[{"address","reason"}]} as "replicas". */
void dash_snapshot_add_replicas(const dash_snapshot *snapshot, cJSON *parent);
/* The row of id, or NULL. */
const dash_row *dash_snapshot_find(const dash_snapshot *snapshot, const char *id);
/* Which rows a list request wants, in which order. */
typedef struct {
    dash_sort sort;     /* order */
    bool reversed;      /* the order backwards */
    const char *filter; /* ids containing this; "" for every row */
    size_t offset;      /* matching rows skipped */
    size_t limit;       /* most rows returned */
} dash_page_query;

/* Fills rows (room for q->limit) with the page q asks for and *got with its length;
 * returns how many rows match the filter in all. */
size_t dash_snapshot_page(dash_snapshot *snapshot, const dash_page_query *q, const dash_row **rows,
                          size_t *got);
/* One row as the contract's antenna JSON (caller owns it). */
cJSON *dash_row_json(const dash_row *row);
/* Parses "loss_rate|latency|antenna_id"; TW_OK or TW_INVALID. */
int dash_sort_parse(const char *text, dash_sort *out);

#endif
