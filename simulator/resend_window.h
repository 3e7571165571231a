/* The re-send window: a bounded ring of the reports Redis confirmed during the last
 * window_ms, each with the stream entry id Redis gave it and its confirmation time
 * (monotonic). When Redis comes back behind what it confirmed (a crash inside appendfsync
 * everysec, a restore from an older backup, a failover to a lagging replica), the writer
 * re-sends the ones it no longer holds. Entries are compact copies, preallocated: the
 * antenna id interned, the run stored once, a traceparent in binary. Entry ids strictly
 * increase from the oldest entry to the newest. */
#ifndef SIMULATOR_RESEND_WINDOW_H
#define SIMULATOR_RESEND_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "antenna_ids.h"
#include "tw_report.h"
#include "tw_trace_id.h"

#define RESEND_WINDOW_ENTRY_BYTES 104 /* memory per report kept (checked at compile time) */
#define STREAM_ID_MAX_LEN 41          /* "<u64>-<u64>" */

/* A stream entry id, <ms>-<seq>. */
typedef struct {
    uint64_t ms;  /* milliseconds part */
    uint64_t seq; /* sequence within the millisecond */
} stream_id;

/* One confirmed report, compact. */
typedef struct {
    stream_id id;           /* entry id Redis returned for it */
    int64_t confirmed_us;   /* when Redis confirmed it (monotonic) */
    int64_t timestamp;      /* report fields, as sent */
    uint64_t packets;       /* " */
    uint64_t loss;          /* " */
    double latency_ms;      /* " */
    uint64_t seq;           /* " */
    int64_t sent_us;        /* " */
    uint32_t antenna;       /* index in the window's antenna_ids */
    bool traced;            /* trace holds the report's traceparent */
    tw_trace_context trace; /* its trace context when traced */
} resend_entry;

typedef struct {
    resend_entry *slots;             /* capacity entries, owned; NULL when the window is off */
    size_t capacity;                 /* reports kept at most */
    size_t head;                     /* index of the oldest entry */
    size_t count;                    /* entries held */
    int64_t window_us;               /* how long an entry is kept after its confirmation; 0 = off */
    antenna_ids antennas;            /* the antenna ids of every entry */
    char run[TW_RUN_ID_MAX_LEN + 1]; /* the run every kept report belongs to */
    bool has_newest;                 /* newest_* describe the last confirmed report */
    stream_id newest_id;     /* entry id of the last confirmed report, kept after it expires */
    uint64_t newest_seq;     /* its seq */
    uint32_t newest_antenna; /* its antenna index */
    uint64_t evicted;        /* entries dropped by the cap while younger than the window */
    uint64_t unkept;         /* confirmed reports not kept (another run, antenna table full) */
} resend_window;

/* Parses "<ms>-<seq>" of exactly len bytes; TW_OK or TW_INVALID. */
int stream_id_parse(const char *text, size_t len, stream_id *out);
/* Writes "<ms>-<seq>" and a NUL into out; returns its length. */
size_t stream_id_format(stream_id id, char out[STREAM_ID_MAX_LEN + 1]);
/* <0, 0 or >0 as a is older than, equal to or newer than b. */
int stream_id_compare(stream_id a, stream_id b);

/* Sets up a window for reports of run, kept window_ms after their confirmation, at most
 * max_reports of them from at most max_antennas antennas; window_ms 0 turns it off (nothing
 * allocated). TW_OK or TW_ERR. */
int resend_window_init(resend_window *window, int64_t window_ms, size_t max_reports,
                       size_t max_antennas, const char *run);
/* Frees the ring. */
void resend_window_free(resend_window *window);
/* True unless the window was turned off. */
bool resend_window_enabled(const resend_window *window);
/* Drops the entries confirmed more than the window before now_us. */
void resend_window_expire(resend_window *window, int64_t now_us);
/* Keeps a report of the window's run that Redis confirmed as entry id at now_us (expiring
 * old entries, evicting the oldest when full). An id not newer than the newest entry
 * empties the window first. */
void resend_window_push(resend_window *window, const tw_report *report, stream_id id,
                        int64_t now_us);
/* The i-th oldest entry (i < count). */
const resend_entry *resend_window_at(const resend_window *window, size_t i);
/* Rebuilds the full report of the i-th oldest entry. */
void resend_window_report(const resend_window *window, size_t i, tw_report *out);
/* How many entries have an id newer than after. */
size_t resend_window_count_after(const resend_window *window, stream_id after);
/* Removes the entries newer than after (they are being re-sent). */
void resend_window_drop_after(resend_window *window, stream_id after);
/* True when report is the last confirmed one (same run, antenna and seq). */
bool resend_window_is_newest(const resend_window *window, const char *run, const char *antenna_id,
                             uint64_t seq);

#endif
