/* Reconnection resolution; see stream_resolve.h. Redis' stream after a rollback is a prefix
 * of what it was (entry ids grow in the order of appends), so one lookup of the last
 * confirmed entry tells whether anything confirmed was lost, and one reverse lookup finds
 * where the surviving prefix ends. Pipelined commands on one connection are applied in
 * order, so the in-flight reports Redis applied are the ones of ours found after the last
 * confirmed entry. */
#include "stream_resolve.h"

#include <stdio.h>
#include <string.h>

#include "tw_status.h"
#include "tw_time.h"

#define SCAN_PAGE_ENTRIES 1000 /* entries per XRANGE page of the in-flight scan */
#define SCAN_MAX_PAGES 64      /* pages read at most; beyond, the rest is re-sent */
#define SCAN_MAX_US 2000000    /* time the scan may take at most */
#define ENTRY_ID_TEXT_MAX (STREAM_ID_MAX_LEN + 2) /* "(" id NUL */

/* The fields of one XRANGE entry this resolution looks at. */
typedef struct {
    stream_id id;           /* entry id */
    const char *antenna_id; /* antenna_id field, "" when absent */
    const char *run;        /* run field, "" when absent */
    uint64_t seq;           /* seq field, 0 when absent or not a number */
} entry_view;

/* Errors a Redis gives while it cannot answer yet (still loading its data after a
 * restart, busy with a script, a replica without its master): the read-back is tried
 * again after the next reconnection, not given up. */
static bool is_transient(const char *error)
{
    static const char *const transient[] = {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN"};
    for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++) {
        if (!strncmp(error, transient[i], strlen(transient[i])))
            return true;
    }
    return false;
}

/* TW_OK for an array reply; TW_ERR for a failed connection or a transient refusal (try
 * again on a new connection); TW_INVALID for anything else (a lasting error reply such as
 * NOPERM, or a failure that is not the connection's). */
static int reply_status(redisContext *ctx, const redisReply *reply, char *err, size_t err_size)
{
    if (!reply) {
        snprintf(err, err_size, "%s", ctx->errstr[0] ? ctx->errstr : "no reply");
        return ctx->err == REDIS_ERR_IO || ctx->err == REDIS_ERR_EOF ? TW_ERR : TW_INVALID;
    }
    if (reply->type == REDIS_REPLY_ARRAY)
        return TW_OK;
    snprintf(err, err_size, "%s",
             reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
    return reply->type == REDIS_REPLY_ERROR && is_transient(reply->str) ? TW_ERR : TW_INVALID;
}

/* XRANGE or XREVRANGE key from to COUNT count. */
static redisReply *range(redisContext *ctx, const char *command, const char *key, const char *from,
                         const char *to, size_t count)
{
    char count_text[24];
    snprintf(count_text, sizeof count_text, "%zu", count);
    return redisCommand(ctx, "%s %s %s %s COUNT %s", command, key, from, to, count_text);
}

static uint64_t parse_seq(const redisReply *value)
{
    stream_id id; /* "<seq>-0" reuses the id parser's strict decimal check */
    char text[STREAM_ID_MAX_LEN + 1];
    if (value->len >= sizeof text - 2)
        return 0;
    memcpy(text, value->str, value->len);
    memcpy(text + value->len, "-0", 3);
    return stream_id_parse(text, value->len + 2, &id) == TW_OK ? id.ms : 0;
}

/* Reads one [id, [name, value, ...]] entry; false when it is not shaped so. */
static bool view_entry(const redisReply *entry, entry_view *out)
{
    out->antenna_id = out->run = "";
    out->seq = 0;
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[0]->type != REDIS_REPLY_STRING ||
        entry->element[1]->type != REDIS_REPLY_ARRAY ||
        stream_id_parse(entry->element[0]->str, entry->element[0]->len, &out->id) != TW_OK)
        return false;
    const redisReply *fields = entry->element[1];
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const redisReply *name = fields->element[i], *value = fields->element[i + 1];
        if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING)
            continue;
        if (!strcmp(name->str, "antenna_id"))
            out->antenna_id = value->str;
        else if (!strcmp(name->str, "run"))
            out->run = value->str;
        else if (!strcmp(name->str, "seq"))
            out->seq = parse_seq(value);
    }
    return true;
}

/* Is the last confirmed report still there? Sets *held. */
static int newest_held(redisContext *ctx, const char *key, const resend_window *window, bool *held,
                       char *err, size_t err_size)
{
    char id[ENTRY_ID_TEXT_MAX];
    stream_id_format(window->newest_id, id);
    redisReply *reply = range(ctx, "XRANGE", key, id, id, 1);
    int status = reply_status(ctx, reply, err, err_size);
    entry_view view;
    *held = status == TW_OK && reply->elements == 1 && view_entry(reply->element[0], &view) &&
            resend_window_is_newest(window, view.run, view.antenna_id, view.seq);
    freeReplyObject(reply);
    return status;
}

/* Finds the newest entry at or below the last confirmed one. */
static int find_survivor(redisContext *ctx, const char *key, const resend_window *window,
                         stream_resolve_result *out, char *err, size_t err_size)
{
    char id[ENTRY_ID_TEXT_MAX];
    stream_id_format(window->newest_id, id);
    redisReply *reply = range(ctx, "XREVRANGE", key, id, "-", 1);
    int status = reply_status(ctx, reply, err, err_size);
    entry_view view;
    out->has_survivor =
        status == TW_OK && reply->elements == 1 && view_entry(reply->element[0], &view);
    if (out->has_survivor)
        out->survivor = view.id;
    freeReplyObject(reply);
    return status;
}

/* Puts the window's reports newer than the survivor back at the front of the queue, oldest
 * first, and removes them from the window. */
static void requeue_lost(resend_window *window, report_queue *queue, stream_resolve_result *out)
{
    stream_id after = out->has_survivor ? out->survivor : (stream_id){0, 0};
    size_t lost = resend_window_count_after(window, after);
    size_t room = report_queue_reserve_front(queue, lost);
    for (size_t i = window->count; i-- > window->count - room;) {
        tw_report report;
        resend_window_report(window, i, &report);
        report_queue_push_front(queue, &report);
    }
    resend_window_drop_after(window, after);
    out->resent = room;
}

/* The applied in-flight reports found so far: the queue's first n, flags, the cursor. */
typedef struct {
    resend_window *window;     /* where applied reports go, with the id found */
    const report_queue *queue; /* the reports the scan looks for */
    size_t n;                  /* how many at the queue's front may have been applied */
    size_t next;               /* first of them not matched yet */
    bool *keep;                /* false for the ones found applied */
    int64_t now_us;            /* confirmation time given to them */
} in_flight_scan;

/* Settles the queued report (from the cursor on) that entry is, if any. */
static void match_entry(in_flight_scan *scan, const entry_view *entry)
{
    for (size_t i = scan->next; i < scan->n; i++) {
        const tw_report *report = report_queue_at(scan->queue, i);
        if (report->seq == entry->seq && !strcmp(report->antenna_id, entry->antenna_id)) {
            resend_window_push(scan->window, report, entry->id, scan->now_us);
            scan->keep[i] = false;
            scan->next = i + 1;
            return;
        }
    }
}

/* Reads one page of entries after *from, settling ours; advances from. Sets *last_page
 * when the stream ended. */
static int scan_page(redisContext *ctx, const char *key, in_flight_scan *scan,
                     char from[ENTRY_ID_TEXT_MAX], bool *last_page, char *err, size_t err_size)
{
    redisReply *reply = range(ctx, "XRANGE", key, from, "+", SCAN_PAGE_ENTRIES);
    int status = reply_status(ctx, reply, err, err_size);
    *last_page = status != TW_OK || reply->elements < SCAN_PAGE_ENTRIES;
    for (size_t i = 0; status == TW_OK && i < reply->elements && scan->next < scan->n; i++) {
        entry_view view;
        if (!view_entry(reply->element[i], &view))
            continue;
        if (!strcmp(view.run, scan->window->run))
            match_entry(scan, &view);
        from[0] = '(';
        stream_id_format(view.id, from + 1);
    }
    freeReplyObject(reply);
    return status;
}

/* Finds which of the first n queued reports Redis applied after the last confirmed entry;
 * moves them into the window and out of the queue. */
static int settle_in_flight(redisContext *ctx, const char *key, resend_window *window,
                            report_queue *queue, size_t n, bool *keep, stream_resolve_result *out,
                            char *err, size_t err_size)
{
    char from[ENTRY_ID_TEXT_MAX] = "(";
    stream_id_format(window->newest_id, from + 1);
    in_flight_scan scan = {window, queue, n, 0, keep, tw_mono_us()};
    for (size_t i = 0; i < n; i++)
        keep[i] = true;
    int64_t deadline_us = scan.now_us + SCAN_MAX_US;
    int status = TW_OK;
    bool last_page = n == 0;
    for (int page = 0; !last_page && scan.next < n; page++) {
        if (page == SCAN_MAX_PAGES || tw_mono_us() > deadline_us) {
            out->scan_cut = true;
            break;
        }
        status = scan_page(ctx, key, &scan, from, &last_page, err, err_size);
    }
    for (size_t i = 0; i < n; i++)
        out->resolved += !keep[i];
    report_queue_remove_done(queue, n, keep);
    return status;
}

int stream_resolve(redisContext *ctx, const char *key, resend_window *window, report_queue *queue,
                   size_t in_flight_max, bool *keep, stream_resolve_result *out, char *err,
                   size_t err_size)
{
    memset(out, 0, sizeof *out);
    resend_window_expire(window, tw_mono_us());
    if (!window->has_newest)
        return TW_OK; /* nothing confirmed to look for: queued reports are sent as they are */
    bool held = false;
    int status = newest_held(ctx, key, window, &held, err, err_size);
    if (status != TW_OK)
        return status;
    out->checked = true;
    if (!held) {
        status = find_survivor(ctx, key, window, out, err, err_size);
        if (status == TW_OK) {
            out->rollback = true;
            requeue_lost(window, queue, out);
        }
        return status;
    }
    size_t n = queue->count < in_flight_max ? queue->count : in_flight_max;
    return settle_in_flight(ctx, key, window, queue, n, keep, out, err, err_size);
}
