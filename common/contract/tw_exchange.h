/* The replica exchange: what an analytics replica sends a dashboard so that the
 * dashboard can keep its own merged view and ask only for what changed. One document is
 * a header (the replica's identity and version, its totals for the window) followed by
 * antenna rows and an end mark, all in tw_wire; a document without its end mark (cut, or
 * ended by an abandon mark) must be discarded whole.
 *
 * Versions: every report a replica applies raises its version; a row carries the
 * antenna's figures for the window as they are now. A reply to "since V" (with the same
 * instance) holds every antenna whose figures changed after V, including those whose
 * buckets left a sliding window since the time the client last heard; any other reply is
 * full (every antenna), and replaces what the client held for that replica. */
#ifndef TW_EXCHANGE_H
#define TW_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "tw_report.h"
#include "tw_sketch.h"
#include "tw_wire.h"

/* The document's first varint, then its format version. */
#define TW_EXCHANGE_MAGIC 0x5457584fu
#define TW_EXCHANGE_FORMAT 1
/* The media type of a document. */
#define TW_EXCHANGE_CONTENT_TYPE "application/x-towerwatch-exchange"

typedef struct {
    uint64_t instance;     /* the replica's state identity: a new one means resync */
    uint64_t version;      /* the replica's version when the document was started */
    bool full;             /* every antenna follows (else only changed ones) */
    int64_t window_s;      /* 0, 60, 300 or 900 */
    int64_t now;           /* replica clock (Unix s) the windows were computed at */
    int64_t started_at;    /* replica process start (Unix s) */
    int64_t updated_at_us; /* when its state last changed (Unix us) */
    uint64_t records;      /* valid records in the window */
    uint64_t packets;      /* packets in the window */
    uint64_t loss;         /* loss in the window */
    uint64_t malformed;    /* malformed records since start */
    double throughput_rps; /* records per second over the window */
    int64_t lag;           /* consumer-group lag, -1 unknown */
    int64_t pending;       /* delivered, unacknowledged, -1 unknown */
    uint64_t antennas;     /* antennas the replica tracks */
    uint64_t untracked;    /* records of antennas beyond its cap (in the totals only) */
    tw_sketch latency;     /* latency in the window; owned by whoever filled it */
} tw_exchange_header;

typedef struct {
    char antenna_id[TW_ANTENNA_ID_MAX_LEN + 1]; /* id */
    int64_t last_seen;                          /* newest record (Unix s) */
    double interval_s;                          /* estimated report interval */
    uint64_t records;                           /* records in the window */
    uint64_t packets;                           /* packets in the window */
    uint64_t loss;                              /* loss in the window, <= packets */
    tw_sketch latency;                          /* latency in the window; owned */
} tw_exchange_row;

/* Appends the header (magic and format first). */
void tw_exchange_write_header(const tw_exchange_header *header, tw_wire_writer *out);
/* Appends one row. */
void tw_exchange_write_row(const tw_exchange_row *row, tw_wire_writer *out);
/* Appends the end mark. */
void tw_exchange_write_end(tw_wire_writer *out);
/* Appends the abandon mark: the replica's state was replaced while the rows were sent,
 * so the document must be discarded (and a full one asked for). */
void tw_exchange_write_abandoned(tw_wire_writer *out);
/* Reads a header into out (its sketch initialised, the caller frees it); TW_OK, or
 * TW_INVALID for another format or an inconsistent header. */
int tw_exchange_read_header(tw_wire_reader *in, tw_exchange_header *out);
/* Reads the next item: 1 with a row in out (the caller frees its sketch), 0 at the end
 * mark with nothing after it, TW_INVALID for anything else (out left empty). */
int tw_exchange_read_row(tw_wire_reader *in, tw_exchange_row *out);

#endif
