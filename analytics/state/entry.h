/* One stream entry as it travels from the reader thread to the aggregator: its stream
 * id, the parsed report or the reason it is malformed, and, for malformed entries, the
 * raw fields for the dead-letter stream. Fixed size, so it can sit in ring slots. */
#ifndef ANALYTICS_ENTRY_H
#define ANALYTICS_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_report.h"

typedef struct {
    uint64_t ms;  /* milliseconds part */
    uint64_t seq; /* sequence part */
} stream_id;

typedef struct {
    stream_id id;                  /* where the entry is in the stream */
    tw_malformed_reason malformed; /* TW_MALFORMED_NONE for a valid report */
    bool claimed;                  /* came from XAUTOCLAIM (may already be in flight here) */
    bool deleted;                  /* pending entry whose content was trimmed: ack only */
    tw_report report;              /* valid when malformed == TW_MALFORMED_NONE */
    char *dlq_fields;              /* malformed only: raw field/value pairs as a wire blob,
                                      heap-allocated by the reader, freed by the aggregator */
    size_t dlq_fields_len;         /* bytes in dlq_fields */
    int64_t parse_started_ns;      /* with a traceparent: Unix ns when the reader began
                                      parsing its batch (the report.apply span's start) */
    uint32_t epoch;                /* the reader's epoch when it read the entry: one read
                                      before a reload of the state is not applied */
} analytics_entry;

/* Parses "ms-seq"; returns TW_OK or TW_INVALID. */
int stream_id_parse(const char *text, stream_id *out);
/* Formats an id as "ms-seq" into out (>= 48 bytes). */
void stream_id_format(stream_id id, char *out, size_t out_size);
/* Orders two ids: negative, zero or positive. */
int stream_id_compare(stream_id a, stream_id b);

/* Frees what an entry owns (its dead-letter fields). */
void entry_release(analytics_entry *entry);

#endif
