/* A hash index from antenna id to a row's position in an array the caller owns (open
 * addressing, linear probing, FNV-1a). The index stores positions only; the caller says
 * how to read a row's id, so one index serves every table of rows. */
#ifndef DASH_ID_INDEX_H
#define DASH_ID_INDEX_H

#include <stddef.h>
#include <stdint.h>

#define DASH_ID_NONE UINT32_MAX

/* Returns the id of row i of rows. */
typedef const char *(*dash_id_of)(const void *rows, uint32_t i);

typedef struct {
    uint32_t *slots;   /* position + 1 per slot, 0 = empty; owned */
    size_t slot_count; /* power of two, or 0 before the first insert */
} dash_id_index;

/* Starts an empty index. */
void dash_id_index_init(dash_id_index *index);
/* Frees the slots. */
void dash_id_index_free(dash_id_index *index);
/* The position of id, or DASH_ID_NONE. */
uint32_t dash_id_index_find(const dash_id_index *index, const char *id, const void *rows,
                            dash_id_of id_of);
/* Indexes row `position` by its id. Rows are indexed in order 0, 1, 2 ... (the array
 * only grows), so position + 1 rows exist and the index can grow by re-placing them. */
void dash_id_index_insert(dash_id_index *index, uint32_t position, const void *rows,
                          dash_id_of id_of);

#endif
