/* Circular buffer of reports; see report_queue.h. An empty queue starts again at slot 0,
 * so at low rates only its first slots are ever touched (resident memory follows what it
 * holds, not its capacity). */
#include "report_queue.h"

#include <assert.h>
#include <stdlib.h>

#include "tw_alloc.h"
#include "tw_status.h"

int report_queue_init(report_queue *queue, size_t capacity)
{
    queue->slots = tw_xcalloc(capacity, sizeof *queue->slots);
    queue->capacity = capacity;
    queue->head = 0;
    queue->count = 0;
    queue->pinned = 0;
    queue->dropped = 0;
    return TW_OK;
}

void report_queue_free(report_queue *queue)
{
    free(queue->slots);
    queue->slots = NULL;
}

static size_t slot_index(const report_queue *queue, size_t i)
{
    return (queue->head + i) % queue->capacity;
}

/* Removes the oldest report that is not pinned: the pinned ones move up one slot over it. */
static void drop_oldest_unpinned(report_queue *queue)
{
    for (size_t i = queue->pinned; i-- > 0;)
        queue->slots[slot_index(queue, i + 1)] = queue->slots[slot_index(queue, i)];
    queue->head = slot_index(queue, 1);
    queue->count--;
}

bool report_queue_push(report_queue *queue, const tw_report *report)
{
    bool dropped = false;
    if (queue->count == queue->capacity) {
        queue->dropped++;
        dropped = true;
        if (queue->pinned >= queue->count)
            return true; /* everything held is in flight: the new report is the one lost */
        drop_oldest_unpinned(queue);
    }
    queue->slots[slot_index(queue, queue->count)] = *report;
    queue->count++;
    return dropped;
}

const tw_report *report_queue_at(const report_queue *queue, size_t i)
{
    return &queue->slots[slot_index(queue, i)];
}

void report_queue_remove_done(report_queue *queue, size_t n, const bool *keep)
{
    /* Walk the batch backwards, moving kept reports toward the end of the batch, then
     * advance head past the slots that were freed. */
    size_t write = n;
    for (size_t read = n; read-- > 0;) {
        if (keep[read]) {
            write--;
            if (write != read)
                queue->slots[slot_index(queue, write)] = queue->slots[slot_index(queue, read)];
        }
    }
    queue->count -= write;
    queue->head = queue->count ? slot_index(queue, write) : 0;
}

void report_queue_pop_front(report_queue *queue, size_t n)
{
    assert(queue->pinned == 0 && n <= queue->count);
    queue->count -= n;
    queue->head = queue->count ? slot_index(queue, n) : 0;
}

size_t report_queue_reserve_front(report_queue *queue, size_t n)
{
    assert(queue->pinned == 0);
    size_t room = n < queue->capacity ? n : queue->capacity;
    size_t overflow =
        queue->count + room > queue->capacity ? queue->count + room - queue->capacity : 0;
    report_queue_pop_front(queue, overflow);
    queue->dropped += overflow + (n - room);
    return room;
}

void report_queue_push_front(report_queue *queue, const tw_report *report)
{
    assert(queue->count < queue->capacity);
    queue->head = slot_index(queue, queue->capacity - 1);
    queue->slots[queue->head] = *report;
    queue->count++;
}
