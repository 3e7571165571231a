/* Merged rows; see merged.h. */
#include "merged.h"

#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"

#define INITIAL_ROWS 64

static const char *row_id(const void *rows, uint32_t i)
{
    return ((const dash_row *)rows)[i].antenna_id;
}

void dash_merged_init(dash_merged *merged)
{
    memset(merged, 0, sizeof *merged);
    dash_id_index_init(&merged->index);
}

void dash_merged_free(dash_merged *merged)
{
    free(merged->rows);
    free(merged->by_id);
    dash_id_index_free(&merged->index);
    memset(merged, 0, sizeof *merged);
}

static dash_row *row_for(dash_merged *merged, const char *id)
{
    uint32_t at = dash_id_index_find(&merged->index, id, merged->rows, row_id);
    if (at != DASH_ID_NONE)
        return &merged->rows[at];
    if (merged->count == merged->cap) {
        merged->cap = merged->cap ? merged->cap * 2 : INITIAL_ROWS;
        merged->rows = tw_xrealloc(merged->rows, merged->cap * sizeof *merged->rows);
    }
    dash_row *row = &merged->rows[merged->count];
    memset(row, 0, sizeof *row);
    memcpy(row->antenna_id, id, strnlen(id, TW_ANTENNA_ID_MAX_LEN));
    dash_id_index_insert(&merged->index, (uint32_t)merged->count, merged->rows, row_id);
    merged->count++;
    return row;
}

/* Folds one replica's row in; the newest record brings its interval. */
static void fold(dash_row *row, const tw_exchange_row *from, tw_sketch *latency)
{
    row->records += from->records;
    row->packets += from->packets;
    row->loss += from->loss;
    if (from->last_seen > row->last_seen || !row->present) {
        row->last_seen = from->last_seen;
        row->interval_s = from->interval_s;
    }
    row->present = true;
    tw_sketch_merge(latency, &from->latency);
}

void dash_merged_update(dash_merged *merged, const char *id, const dash_mirror *const *mirrors,
                        size_t n)
{
    dash_row *row = row_for(merged, id);
    bool was_present = row->present;
    row->records = row->packets = row->loss = 0;
    row->last_seen = 0;
    row->interval_s = 0;
    row->present = false;
    tw_sketch latency;
    tw_sketch_init(&latency);
    for (size_t i = 0; i < n; i++) {
        const tw_exchange_row *from = dash_mirror_find(mirrors[i], id);
        if (from)
            fold(row, from, &latency);
    }
    row->latency = tw_latency_figures_of(&latency);
    tw_sketch_free(&latency);
    merged->present += (size_t)row->present - (size_t)was_present;
}

/* qsort_r's comparison of two positions by their rows' ids. */
static int compare_positions(const void *a, const void *b, void *rows_arg)
{
    const dash_row *rows = rows_arg;
    return strcmp(rows[*(const uint32_t *)a].antenna_id, rows[*(const uint32_t *)b].antenna_id);
}

const uint32_t *dash_merged_by_id(dash_merged *merged)
{
    if (merged->sorted == merged->count)
        return merged->by_id;
    merged->by_id = tw_xrealloc(merged->by_id, (merged->count + 1) * sizeof *merged->by_id);
    for (size_t i = merged->sorted; i < merged->count; i++)
        merged->by_id[i] = (uint32_t)i;
    qsort_r(merged->by_id, merged->count, sizeof *merged->by_id, compare_positions, merged->rows);
    merged->sorted = merged->count;
    return merged->by_id;
}
