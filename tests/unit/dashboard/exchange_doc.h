/* Builds replica exchange documents for the dashboard's unit tests. */
#ifndef DASH_TEST_EXCHANGE_DOC_H
#define DASH_TEST_EXCHANGE_DOC_H

#include <stdio.h>
#include <string.h>

#include "tw_exchange.h"

#define DOC_NOW_S 1700000000

/* One row to put in a document: id, records, packets, loss, last_seen offset, and its
 * records' latencies (10, 20, 30 ... ms times scale). */
typedef struct {
    const char *id;
    uint64_t records, packets, loss;
    int64_t seen_ago_s;
    double scale;
} doc_row;

static inline void doc_write(tw_buf *buf, uint64_t instance, uint64_t version, bool full,
                             int64_t window_s, const doc_row *rows, size_t n)
{
    tw_wire_writer out = {buf};
    tw_exchange_header h = {.instance = instance,
                            .version = version,
                            .full = full,
                            .window_s = window_s,
                            .now = DOC_NOW_S,
                            .lag = -1,
                            .pending = -1};
    tw_sketch_init(&h.latency);
    for (size_t i = 0; i < n; i++) {
        h.records += rows[i].records;
        h.packets += rows[i].packets;
        h.loss += rows[i].loss;
        for (uint64_t r = 0; r < rows[i].records; r++)
            tw_sketch_add(&h.latency, 10.0 * (double)(r + 1) * rows[i].scale);
    }
    tw_exchange_write_header(&h, &out);
    tw_sketch_free(&h.latency);
    for (size_t i = 0; i < n; i++) {
        tw_exchange_row row = {.last_seen = DOC_NOW_S - rows[i].seen_ago_s,
                               .interval_s = 5,
                               .records = rows[i].records,
                               .packets = rows[i].packets,
                               .loss = rows[i].loss};
        snprintf(row.antenna_id, sizeof row.antenna_id, "%s", rows[i].id);
        tw_sketch_init(&row.latency);
        for (uint64_t r = 0; r < rows[i].records; r++)
            tw_sketch_add(&row.latency, 10.0 * (double)(r + 1) * rows[i].scale);
        tw_exchange_write_row(&row, &out);
        tw_sketch_free(&row.latency);
    }
    tw_exchange_write_end(&out);
}

#endif
