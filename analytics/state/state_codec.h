/* The binary form of the aggregate state's totals; see state_codec.c. */
#ifndef ANALYTICS_STATE_CODEC_H
#define ANALYTICS_STATE_CODEC_H

#include "aggregator.h"
#include "tw_wire.h"

#define STATE_CODEC_VERSION 1 /* first field of every encoded totals part */

/* Appends the totals part of the state (totals, latency sketch, malformed counts). */
void state_codec_write_meta(const aggregator *agg, tw_wire_writer *out);
/* Reads what state_codec_write_meta wrote into agg; TW_OK or TW_INVALID. */
int state_codec_read_meta(aggregator *agg, tw_wire_reader *in);

#endif
