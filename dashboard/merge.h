/* Exact merge of analytics replicas: each replica's /api/v1/merge document is folded into
 * one view (counts summed, latency sketches merged, antenna rows merged by id), then the
 * view is encoded with the contract's encoders so the dashboard speaks like analytics. */
#ifndef DASH_MERGE_H
#define DASH_MERGE_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_sketch.h"

#define DASH_ANTENNA_ID_MAX_BYTES 64

typedef struct {
    char antenna_id[DASH_ANTENNA_ID_MAX_BYTES + 1]; /* id, NUL-terminated */
    int64_t last_seen;                              /* newest record (Unix s) */
    double interval_s;                              /* from the row with the newest last_seen */
    uint64_t records;                               /* records in the window */
    uint64_t packets;                               /* packets in the window */
    uint64_t loss;                                  /* loss in the window */
    tw_sketch latency;                              /* latency in the window; owned */
    const char *status;                             /* set by dash_view_finish */
} dash_antenna;

typedef enum {
    DASH_SORT_ANTENNA_ID, /* ascending id */
    DASH_SORT_LOSS_RATE,  /* highest loss rate first, then id */
    DASH_SORT_LATENCY,    /* highest p95 latency first, then id */
} dash_sort;

typedef struct {
    int64_t window_s;        /* 0, 60, 300 or 900 */
    int64_t now;             /* newest analytics clock among replicas (Unix s) */
    uint64_t records;        /* summed */
    uint64_t packets;        /* summed */
    uint64_t loss;           /* summed */
    uint64_t malformed;      /* summed */
    int64_t lag;             /* consumer-group lag: the largest report (every replica reads the
                                same group, so each reports the same lag); -1 when unknown */
    int64_t updated_at_us;   /* newest updated_at (Unix us) */
    double throughput_rps;   /* summed */
    tw_sketch latency;       /* merged; owned */
    dash_antenna *antennas;  /* rows; owned; sorted by id after dash_view_finish */
    size_t antenna_count;    /* rows used */
    size_t antenna_cap;      /* rows allocated */
    uint64_t antennas_active;  /* rows with records > 0, after finish */
    uint64_t antennas_offline; /* rows whose status is offline, after finish */
    int replicas_expected;   /* addresses asked */
    int replicas_answered;   /* addresses that answered with a valid document */
    char **down;             /* addresses that did not answer; owned */
    int down_count;          /* entries in down */
} dash_view;

/* Starts an empty view for a window. */
void dash_view_init(dash_view *view, int64_t window_s);
/* Frees everything the view owns. */
void dash_view_free(dash_view *view);
/* Folds one replica's merge document in; TW_OK, or TW_INVALID (view unchanged) when the
 * document does not have the expected shape. */
int dash_view_add_replica(dash_view *view, const cJSON *doc);
/* Records an address that did not answer (copied). */
void dash_view_add_down(dash_view *view, const char *address);
/* Merges rows by id and computes statuses and antenna counts; call once, after adding. */
void dash_view_finish(dash_view *view);
/* The summary JSON with a "replicas" object (caller owns it). */
cJSON *dash_view_summary_json(const dash_view *view);
/* Adds {"expected","answered","down":[...]} under "replicas" to parent. */
void dash_view_add_replicas(const dash_view *view, cJSON *parent);
/* The antenna rows as a JSON array, sorted, at most limit rows (caller owns it). */
cJSON *dash_view_antennas_json(const dash_view *view, dash_sort sort, size_t limit);
/* The row for id after finish, or NULL. */
const dash_antenna *dash_view_find(const dash_view *view, const char *id);
/* One row as the contract's antenna JSON (caller owns it). */
cJSON *dash_antenna_json(const dash_antenna *row);
/* Parses "loss_rate|latency|antenna_id"; TW_OK or TW_INVALID. */
int dash_sort_parse(const char *text, dash_sort *out);
/* Parses RFC 3339 UTC "YYYY-MM-DDTHH:MM:SS[.fff]Z" into Unix us; TW_OK or TW_INVALID. */
int dash_parse_rfc3339(const char *text, int64_t *out_us);

#endif
