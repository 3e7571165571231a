/* The replica exchange codec; see tw_exchange.h. Every number read is checked against
 * what its field can hold before it is used. */
#include "tw_exchange.h"

#include <math.h>
#include <string.h>

#include "tw_status.h"

#define ITEM_END 0
#define ITEM_ROW 1
#define ITEM_ABANDONED 2
#define LAG_UNKNOWN (-1)

void tw_exchange_write_header(const tw_exchange_header *header, tw_wire_writer *out)
{
    tw_wire_put_varint(out, TW_EXCHANGE_MAGIC);
    tw_wire_put_varint(out, TW_EXCHANGE_FORMAT);
    tw_wire_put_varint(out, header->instance);
    tw_wire_put_varint(out, header->version);
    tw_wire_put_varint(out, header->full);
    tw_wire_put_svarint(out, header->window_s);
    tw_wire_put_svarint(out, header->now);
    tw_wire_put_svarint(out, header->started_at);
    tw_wire_put_svarint(out, header->updated_at_us);
    tw_wire_put_varint(out, header->records);
    tw_wire_put_varint(out, header->packets);
    tw_wire_put_varint(out, header->loss);
    tw_wire_put_varint(out, header->malformed);
    tw_wire_put_double(out, header->throughput_rps);
    tw_wire_put_svarint(out, header->lag);
    tw_wire_put_svarint(out, header->pending);
    tw_wire_put_varint(out, header->antennas);
    tw_wire_put_varint(out, header->untracked);
    tw_sketch_write(&header->latency, out);
}

void tw_exchange_write_row(const tw_exchange_row *row, tw_wire_writer *out)
{
    tw_wire_put_varint(out, ITEM_ROW);
    tw_wire_put_string(out, row->antenna_id);
    tw_wire_put_svarint(out, row->last_seen);
    tw_wire_put_double(out, row->interval_s);
    tw_wire_put_varint(out, row->records);
    tw_wire_put_varint(out, row->packets);
    tw_wire_put_varint(out, row->loss);
    tw_sketch_write(&row->latency, out);
}

void tw_exchange_write_end(tw_wire_writer *out)
{
    tw_wire_put_varint(out, ITEM_END);
}

void tw_exchange_write_abandoned(tw_wire_writer *out)
{
    tw_wire_put_varint(out, ITEM_ABANDONED);
}

static bool header_consistent(const tw_exchange_header *h)
{
    return h->window_s >= 0 && h->loss <= h->packets && isfinite(h->throughput_rps) &&
           h->throughput_rps >= 0 && h->lag >= LAG_UNKNOWN && h->pending >= LAG_UNKNOWN;
}

int tw_exchange_read_header(tw_wire_reader *in, tw_exchange_header *out)
{
    memset(out, 0, sizeof *out);
    tw_sketch_init(&out->latency);
    if (tw_wire_get_varint(in) != TW_EXCHANGE_MAGIC || tw_wire_get_varint(in) != TW_EXCHANGE_FORMAT)
        return TW_INVALID;
    out->instance = tw_wire_get_varint(in);
    out->version = tw_wire_get_varint(in);
    uint64_t full = tw_wire_get_varint(in);
    out->full = full == 1;
    out->window_s = tw_wire_get_svarint(in);
    out->now = tw_wire_get_svarint(in);
    out->started_at = tw_wire_get_svarint(in);
    out->updated_at_us = tw_wire_get_svarint(in);
    out->records = tw_wire_get_varint(in);
    out->packets = tw_wire_get_varint(in);
    out->loss = tw_wire_get_varint(in);
    out->malformed = tw_wire_get_varint(in);
    out->throughput_rps = tw_wire_get_double(in);
    out->lag = tw_wire_get_svarint(in);
    out->pending = tw_wire_get_svarint(in);
    out->antennas = tw_wire_get_varint(in);
    out->untracked = tw_wire_get_varint(in);
    if (in->failed || full > 1 || !header_consistent(out) ||
        tw_sketch_read(&out->latency, in) != TW_OK) {
        tw_sketch_free(&out->latency);
        return TW_INVALID;
    }
    return TW_OK;
}

static bool row_consistent(const tw_exchange_row *row)
{
    return tw_antenna_id_valid(row->antenna_id, strlen(row->antenna_id)) &&
           row->loss <= row->packets && isfinite(row->interval_s) && row->interval_s >= 0 &&
           row->latency.count == row->records;
}

int tw_exchange_read_row(tw_wire_reader *in, tw_exchange_row *out)
{
    memset(out, 0, sizeof *out);
    tw_sketch_init(&out->latency);
    uint64_t item = tw_wire_get_varint(in);
    if (!in->failed && item == ITEM_END)
        return in->pos == in->len ? 0 : TW_INVALID;
    if (in->failed || item != ITEM_ROW)
        return TW_INVALID;
    tw_wire_get_string(in, out->antenna_id, sizeof out->antenna_id);
    out->last_seen = tw_wire_get_svarint(in);
    out->interval_s = tw_wire_get_double(in);
    out->records = tw_wire_get_varint(in);
    out->packets = tw_wire_get_varint(in);
    out->loss = tw_wire_get_varint(in);
    if (in->failed || tw_sketch_read(&out->latency, in) != TW_OK || !row_consistent(out)) {
        tw_sketch_free(&out->latency);
        tw_sketch_init(&out->latency);
        return TW_INVALID;
    }
    return 1;
}
