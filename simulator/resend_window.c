/* The re-send window's ring; see resend_window.h. Pushing costs a copy of the report's
 * fields, one antenna id lookup and, for the few traced reports, a traceparent parse:
 * nothing is allocated after init. */
#include "resend_window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_status.h"
#include "tw_time.h"

#define U64_DIGITS_MAX 20 /* 18446744073709551615 */

_Static_assert(sizeof(resend_entry) == RESEND_WINDOW_ENTRY_BYTES,
               "RESEND_WINDOW_ENTRY_BYTES must state the real entry size");

/* Parses the decimal digits of text[0..len) into *out; TW_INVALID when empty, not
 * digits, or beyond 64 bits. This runs for every confirmed report: no division, and
 * overflow checks only for numbers long enough to overflow. */
static int parse_u64(const char *text, size_t len, uint64_t *out)
{
    uint64_t value = 0;
    if (len == 0 || len > U64_DIGITS_MAX)
        return TW_INVALID;
    bool may_overflow = len == U64_DIGITS_MAX;
    for (size_t i = 0; i < len; i++) {
        unsigned digit = (unsigned)(text[i] - '0');
        if (digit > 9)
            return TW_INVALID;
        if (!may_overflow)
            value = value * 10 + digit;
        else if (__builtin_mul_overflow(value, 10, &value) ||
                 __builtin_add_overflow(value, digit, &value))
            return TW_INVALID;
    }
    *out = value;
    return TW_OK;
}

int stream_id_parse(const char *text, size_t len, stream_id *out)
{
    const char *dash = memchr(text, '-', len);
    if (!dash)
        return TW_INVALID;
    size_t ms_len = (size_t)(dash - text);
    if (parse_u64(text, ms_len, &out->ms) != TW_OK ||
        parse_u64(dash + 1, len - ms_len - 1, &out->seq) != TW_OK)
        return TW_INVALID;
    return TW_OK;
}

size_t stream_id_format(stream_id id, char out[STREAM_ID_MAX_LEN + 1])
{
    return (size_t)snprintf(out, STREAM_ID_MAX_LEN + 1, "%llu-%llu", (unsigned long long)id.ms,
                            (unsigned long long)id.seq);
}

int stream_id_compare(stream_id a, stream_id b)
{
    if (a.ms != b.ms)
        return a.ms < b.ms ? -1 : 1;
    if (a.seq != b.seq)
        return a.seq < b.seq ? -1 : 1;
    return 0;
}

int resend_window_init(resend_window *window, int64_t window_ms, size_t max_reports,
                       size_t max_antennas, const char *run)
{
    memset(window, 0, sizeof *window);
    snprintf(window->run, sizeof window->run, "%s", run);
    if (window_ms <= 0 || max_reports == 0)
        return TW_OK;
    window->slots = tw_xcalloc(max_reports, sizeof *window->slots);
    if (antenna_ids_init(&window->antennas, max_antennas) != TW_OK) {
        resend_window_free(window);
        return TW_ERR;
    }
    window->capacity = max_reports;
    window->window_us = window_ms * TW_US_PER_MS;
    return TW_OK;
}

void resend_window_free(resend_window *window)
{
    free(window->slots);
    window->slots = NULL;
    antenna_ids_free(&window->antennas);
}

bool resend_window_enabled(const resend_window *window)
{
    return window->slots != NULL;
}

static size_t slot_index(const resend_window *window, size_t i)
{
    size_t slot = window->head + i;
    return slot < window->capacity ? slot : slot - window->capacity;
}

const resend_entry *resend_window_at(const resend_window *window, size_t i)
{
    return &window->slots[slot_index(window, i)];
}

/* An empty window starts again at slot 0: at low rates only the first slots are ever
 * touched, so the memory in use follows what the window holds, not its cap. */
static void drop_oldest(resend_window *window)
{
    window->count--;
    window->head = window->count ? slot_index(window, 1) : 0;
}

void resend_window_expire(resend_window *window, int64_t now_us)
{
    while (window->count > 0 &&
           now_us - resend_window_at(window, 0)->confirmed_us > window->window_us)
        drop_oldest(window);
}

/* Copies the report (of the window's run: not checked, this runs for every confirmed
 * report) into entry; false when its antenna id does not fit. */
static bool compact(resend_window *window, const tw_report *report, resend_entry *entry)
{
    entry->antenna = antenna_ids_intern(&window->antennas, report->antenna_id);
    if (entry->antenna == ANTENNA_IDS_NONE)
        return false;
    entry->timestamp = report->timestamp;
    entry->packets = report->packets;
    entry->loss = report->loss;
    entry->latency_ms = report->latency_ms;
    entry->seq = report->seq;
    entry->sent_us = report->sent_us;
    entry->traced =
        report->traceparent[0] &&
        tw_traceparent_parse(report->traceparent, TW_TRACEPARENT_LEN, &entry->trace) == TW_OK;
    return true;
}

void resend_window_push(resend_window *window, const tw_report *report, stream_id id,
                        int64_t now_us)
{
    if (!window->slots)
        return;
    if (window->has_newest && stream_id_compare(id, window->newest_id) <= 0)
        window->count = window->head = 0; /* another history: older ids no longer order */
    resend_entry entry;
    if (!compact(window, report, &entry)) {
        window->unkept++;
        return;
    }
    entry.id = id;
    entry.confirmed_us = now_us;
    resend_window_expire(window, now_us);
    if (window->count == window->capacity) {
        drop_oldest(window);
        window->evicted++;
    }
    window->slots[slot_index(window, window->count)] = entry;
    window->count++;
    window->has_newest = true;
    window->newest_id = id;
    window->newest_seq = entry.seq;
    window->newest_antenna = entry.antenna;
}

void resend_window_report(const resend_window *window, size_t i, tw_report *out)
{
    const resend_entry *entry = resend_window_at(window, i);
    memset(out, 0, sizeof *out);
    snprintf(out->antenna_id, sizeof out->antenna_id, "%s",
             antenna_ids_name(&window->antennas, entry->antenna));
    out->timestamp = entry->timestamp;
    out->packets = entry->packets;
    out->loss = entry->loss;
    out->latency_ms = entry->latency_ms;
    out->seq = entry->seq;
    memcpy(out->run, window->run, sizeof out->run);
    out->sent_us = entry->sent_us;
    if (entry->traced)
        tw_traceparent_format(&entry->trace, out->traceparent);
}

size_t resend_window_count_after(const resend_window *window, stream_id after)
{
    /* ids increase from oldest to newest: binary search for the first one newer */
    size_t low = 0, high = window->count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (stream_id_compare(resend_window_at(window, mid)->id, after) > 0)
            high = mid;
        else
            low = mid + 1;
    }
    return window->count - low;
}

void resend_window_drop_after(resend_window *window, stream_id after)
{
    window->count -= resend_window_count_after(window, after);
    if (window->count == 0) {
        window->head = 0;
        window->has_newest = false;
        return;
    }
    const resend_entry *newest = resend_window_at(window, window->count - 1);
    window->newest_id = newest->id;
    window->newest_seq = newest->seq;
    window->newest_antenna = newest->antenna;
}

bool resend_window_is_newest(const resend_window *window, const char *run, const char *antenna_id,
                             uint64_t seq)
{
    return window->has_newest && seq == window->newest_seq && !strcmp(run, window->run) &&
           !strcmp(antenna_id, antenna_ids_name(&window->antennas, window->newest_antenna));
}
