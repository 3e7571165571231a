/* One replica's mirrored rows; see mirror.h. */
#include "mirror.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_status.h"

#define INITIAL_ROWS 64

void dash_id_list_init(dash_id_list *list)
{
    memset(list, 0, sizeof *list);
}

void dash_id_list_free(dash_id_list *list)
{
    free(list->ids);
    dash_id_list_init(list);
}

void dash_id_list_add(dash_id_list *list, const char *id)
{
    if (list->count == list->cap) {
        list->cap = list->cap ? list->cap * 2 : INITIAL_ROWS;
        list->ids = tw_xrealloc(list->ids, list->cap * sizeof *list->ids);
    }
    snprintf(list->ids[list->count++], sizeof list->ids[0], "%s", id);
}

static const char *row_id(const void *rows, uint32_t i)
{
    return ((const tw_exchange_row *)rows)[i].antenna_id;
}

void dash_mirror_init(dash_mirror *mirror)
{
    memset(mirror, 0, sizeof *mirror);
    tw_sketch_init(&mirror->header.latency);
    dash_id_index_init(&mirror->index);
}

static void free_rows(tw_exchange_row *rows, size_t count)
{
    for (size_t i = 0; i < count; i++)
        tw_sketch_free(&rows[i].latency);
    free(rows);
}

void dash_mirror_free(dash_mirror *mirror)
{
    free_rows(mirror->rows, mirror->count);
    tw_sketch_free(&mirror->header.latency);
    dash_id_index_free(&mirror->index);
    memset(mirror, 0, sizeof *mirror);
}

static void list_ids(const dash_mirror *mirror, dash_id_list *changed)
{
    for (size_t i = 0; i < mirror->count; i++)
        dash_id_list_add(changed, mirror->rows[i].antenna_id);
}

void dash_mirror_reset(dash_mirror *mirror, dash_id_list *changed)
{
    list_ids(mirror, changed);
    uint64_t bytes = mirror->bytes;
    dash_mirror_free(mirror);
    dash_mirror_init(mirror);
    mirror->bytes = bytes;
}

const tw_exchange_row *dash_mirror_find(const dash_mirror *mirror, const char *id)
{
    uint32_t at = dash_id_index_find(&mirror->index, id, mirror->rows, row_id);
    return at == DASH_ID_NONE ? NULL : &mirror->rows[at];
}

void dash_mirror_query(const dash_mirror *mirror, char *out, size_t out_size)
{
    if (!mirror->synced) {
        snprintf(out, out_size, "%s", "");
        return;
    }
    snprintf(out, out_size, "since=%" PRIu64 "&instance=%" PRIu64 "&at=%" PRId64,
             mirror->header.version, mirror->header.instance, mirror->header.now);
}

/* Takes row (moved: the caller no longer owns its sketch) into the mirror, replacing a
 * row with the same id. */
static void put_row(dash_mirror *mirror, tw_exchange_row *row)
{
    uint32_t at = dash_id_index_find(&mirror->index, row->antenna_id, mirror->rows, row_id);
    if (at != DASH_ID_NONE) {
        tw_sketch_free(&mirror->rows[at].latency);
        mirror->rows[at] = *row;
        return;
    }
    if (mirror->count == mirror->cap) {
        mirror->cap = mirror->cap ? mirror->cap * 2 : INITIAL_ROWS;
        mirror->rows = tw_xrealloc(mirror->rows, mirror->cap * sizeof *mirror->rows);
    }
    mirror->rows[mirror->count] = *row;
    dash_id_index_insert(&mirror->index, (uint32_t)mirror->count, mirror->rows, row_id);
    mirror->count++;
}

/* Every row of the document, read to its end mark; NULL (nothing kept) when it is not
 * well formed. */
static tw_exchange_row *read_rows(tw_wire_reader *in, size_t *count)
{
    tw_exchange_row *rows = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        tw_exchange_row row;
        int got = tw_exchange_read_row(in, &row);
        if (got == 0) {
            *count = used;
            return rows ? rows : tw_xcalloc(1, sizeof *rows);
        }
        if (got != 1) {
            free_rows(rows, used);
            return NULL;
        }
        if (used == cap) {
            cap = cap ? cap * 2 : INITIAL_ROWS;
            rows = tw_xrealloc(rows, cap * sizeof *rows);
        }
        rows[used++] = row;
    }
}

/* A full document: the old rows go (listed as changed), the new ones come. */
static void replace_all(dash_mirror *mirror, tw_exchange_row *rows, size_t count,
                        dash_id_list *changed)
{
    list_ids(mirror, changed);
    free_rows(mirror->rows, mirror->count);
    dash_id_index_free(&mirror->index);
    mirror->rows = NULL;
    mirror->count = mirror->cap = 0;
    for (size_t i = 0; i < count; i++) {
        dash_id_list_add(changed, rows[i].antenna_id);
        put_row(mirror, &rows[i]);
    }
}

int dash_mirror_apply(dash_mirror *mirror, int64_t window_s, const void *doc, size_t len,
                      dash_id_list *changed, bool *full)
{
    tw_wire_reader in;
    tw_wire_reader_init(&in, doc, len);
    tw_exchange_header header;
    if (tw_exchange_read_header(&in, &header) != TW_OK)
        return TW_INVALID;
    size_t count = 0;
    tw_exchange_row *rows = NULL;
    bool fits = header.window_s == window_s &&
                (header.full || (mirror->synced && header.instance == mirror->header.instance));
    if (!fits || !(rows = read_rows(&in, &count))) {
        tw_sketch_free(&header.latency);
        return TW_INVALID;
    }
    *full = header.full;
    if (header.full) {
        replace_all(mirror, rows, count, changed);
    } else {
        for (size_t i = 0; i < count; i++) {
            dash_id_list_add(changed, rows[i].antenna_id);
            put_row(mirror, &rows[i]);
        }
    }
    free(rows); /* the rows' sketches now belong to the mirror */
    tw_sketch_free(&mirror->header.latency);
    mirror->header = header;
    mirror->synced = true;
    mirror->bytes += len;
    return TW_OK;
}
