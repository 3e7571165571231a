/* Stream ids and what an entry owns. */
#include "entry.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_decimal.h"
#include "tw_status.h"
#include "tw_wire.h"

int stream_id_parse(const char *text, stream_id *out)
{
    const char *dash = strchr(text, '-');
    if (!dash || tw_parse_u64(text, (size_t)(dash - text), &out->ms) != TW_DECIMAL_OK ||
        tw_parse_u64(dash + 1, strlen(dash + 1), &out->seq) != TW_DECIMAL_OK)
        return TW_INVALID;
    return TW_OK;
}

void stream_id_format(stream_id id, char *out, size_t out_size)
{
    snprintf(out, out_size, "%" PRIu64 "-%" PRIu64, id.ms, id.seq);
}

int stream_id_compare(stream_id a, stream_id b)
{
    if (a.ms != b.ms)
        return a.ms < b.ms ? -1 : 1;
    return a.seq < b.seq ? -1 : a.seq > b.seq;
}

/* Keeps the raw fields of a malformed entry so the dead-letter copy is exact. */
void entry_release(analytics_entry *entry)
{
    free(entry->dlq_fields);
    entry->dlq_fields = NULL;
}
