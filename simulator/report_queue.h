/* Bounded FIFO of reports waiting to be written to the stream. When Redis is away the
 * queue holds reports; when it is full the oldest report is dropped (and counted), so
 * memory stays bounded and the freshest data survives. The oldest `pinned` reports are in
 * flight (sent, reply pending) and are never dropped: the writer matches replies to them
 * by position. Reports Redis lost after confirming them come back at the front. */
#ifndef SIMULATOR_REPORT_QUEUE_H
#define SIMULATOR_REPORT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_report.h"

typedef struct {
    tw_report *slots; /* capacity slots, owned */
    size_t capacity;  /* maximum reports held */
    size_t head;      /* index of the oldest report */
    size_t count;     /* reports held */
    size_t pinned;    /* oldest reports that are in flight and may not be dropped */
    uint64_t dropped; /* reports dropped because the queue was full */
} report_queue;

/* Allocates a queue for capacity reports; TW_OK or TW_ERR. */
int report_queue_init(report_queue *queue, size_t capacity);
/* Frees the slots. */
void report_queue_free(report_queue *queue);
/* Appends a report; when full, drops the oldest one that is not pinned, or this one when
 * every held report is pinned. Returns true when a report was dropped. */
bool report_queue_push(report_queue *queue, const tw_report *report);
/* The i-th oldest report (i < count). */
const tw_report *report_queue_at(const report_queue *queue, size_t i);
/* Removes the first n reports whose keep[i] is false, keeping the rest in order at the
 * front (used after a pipelined batch in which some writes failed). */
void report_queue_remove_done(report_queue *queue, size_t n, const bool *keep);
/* Removes the n oldest reports (none may be pinned). */
void report_queue_pop_front(report_queue *queue, size_t n);
/* Makes room for n reports to be put back at the front (none may be pinned): drops the
 * oldest held reports as needed, and when n exceeds the capacity, counts the n - capacity
 * that cannot come back as dropped too. Returns how many may be put back. */
size_t report_queue_reserve_front(report_queue *queue, size_t n);
/* Puts a report back ahead of every held one (room reserved first). */
void report_queue_push_front(report_queue *queue, const tw_report *report);

#endif
