/* Stream entries read from Redis: an XREADGROUP/XAUTOCLAIM/XCLAIM item parsed into the
 * entry the aggregator applies, with the raw fields kept for the dead-letter copy of a
 * malformed one. */
#include "stream_entry.h"

#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>

#include "tw_decimal.h"
#include "tw_status.h"
#include "tw_wire.h"

#define ENTRY_MAX_FIELDS 64 /* fields read per entry (a report has at most 9; more are ignored) */

static void keep_raw_fields(analytics_entry *out, const redisReply *fields)
{
    tw_buf blob;
    tw_buf_init(&blob);
    tw_wire_writer writer = {&blob};
    tw_wire_put_varint(&writer, fields->elements);
    for (size_t i = 0; i < fields->elements; i++) {
        const redisReply *item = fields->element[i];
        bool text = item->type == REDIS_REPLY_STRING;
        tw_wire_put_bytes(&writer, text ? item->str : "", text ? item->len : 0);
    }
    out->dlq_fields_len = blob.len;
    out->dlq_fields = tw_buf_steal(&blob);
}

int entry_from_reply(const redisReply *item, analytics_entry *out, int *ignored_optional)
{
    memset(out, 0, sizeof *out);
    if (!item || item->type != REDIS_REPLY_ARRAY || item->elements != 2 ||
        item->element[0]->type != REDIS_REPLY_STRING ||
        stream_id_parse(item->element[0]->str, &out->id) != TW_OK)
        return TW_INVALID;
    const redisReply *fields = item->element[1];
    if (fields->type == REDIS_REPLY_NIL) {
        out->deleted = true;
        return TW_OK;
    }
    if (fields->type != REDIS_REPLY_ARRAY)
        return TW_INVALID;
    size_t pairs = fields->elements / 2;
    const char *names[ENTRY_MAX_FIELDS], *values[ENTRY_MAX_FIELDS];
    size_t name_lens[ENTRY_MAX_FIELDS], value_lens[ENTRY_MAX_FIELDS];
    size_t used = 0;
    for (size_t i = 0; i < pairs && used < ENTRY_MAX_FIELDS; i++) {
        const redisReply *name = fields->element[2 * i], *value = fields->element[2 * i + 1];
        if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING)
            continue;
        names[used] = name->str;
        name_lens[used] = name->len;
        values[used] = value->str;
        value_lens[used] = value->len;
        used++;
    }
    out->malformed =
        tw_report_parse(&out->report, used, names, name_lens, values, value_lens, ignored_optional);
    if (out->malformed != TW_MALFORMED_NONE)
        keep_raw_fields(out, fields);
    return TW_OK;
}
