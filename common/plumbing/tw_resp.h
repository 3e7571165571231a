/* RESP request encoding straight into a tw_buf: array headers, bulk strings and decimal
 * numbers (tw_decimal), without printf parsing. Pipelined writers (the simulator's XADDs, analytics'
 * XACKs) format thousands of arguments per batch, so this is on their hot path. */
#ifndef TW_RESP_H
#define TW_RESP_H

#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"
#include "tw_decimal.h"

/* Appends "*<count>\r\n": the header of a command of count arguments. */
void tw_resp_array(tw_buf *out, size_t count);
/* Appends one bulk-string argument of len bytes. */
void tw_resp_bulk(tw_buf *out, const void *data, size_t len);
/* Appends a NUL-terminated string as one argument. */
void tw_resp_bulk_str(tw_buf *out, const char *text);
/* Appends an unsigned integer as one decimal argument. */
void tw_resp_bulk_u64(tw_buf *out, uint64_t value);
/* Appends a signed integer as one decimal argument. */
void tw_resp_bulk_i64(tw_buf *out, int64_t value);
/* Appends a stream id "<ms>-<seq>" as one argument. */
void tw_resp_bulk_stream_id(tw_buf *out, uint64_t ms, uint64_t seq);

#endif
