/* Antenna id index; see id_index.h. Kept at most half full, so probes stay short. */
#include "id_index.h"

#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"

#define INITIAL_SLOTS 64
#define FNV_OFFSET 1469598103934665603ull
#define FNV_PRIME 1099511628211ull

static uint64_t hash_id(const char *id)
{
    uint64_t hash = FNV_OFFSET;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        hash = (hash ^ *p) * FNV_PRIME;
    return hash;
}

void dash_id_index_init(dash_id_index *index)
{
    index->slots = NULL;
    index->slot_count = 0;
}

void dash_id_index_free(dash_id_index *index)
{
    free(index->slots);
    dash_id_index_init(index);
}

uint32_t dash_id_index_find(const dash_id_index *index, const char *id, const void *rows,
                            dash_id_of id_of)
{
    if (!index->slot_count)
        return DASH_ID_NONE;
    size_t mask = index->slot_count - 1;
    for (size_t s = hash_id(id) & mask;; s = (s + 1) & mask) {
        uint32_t held = index->slots[s];
        if (!held)
            return DASH_ID_NONE;
        if (!strcmp(id_of(rows, held - 1), id))
            return held - 1;
    }
}

static void place(dash_id_index *index, uint32_t position, const char *id)
{
    size_t mask = index->slot_count - 1;
    size_t s = hash_id(id) & mask;
    while (index->slots[s])
        s = (s + 1) & mask;
    index->slots[s] = position + 1;
}

/* Doubles the slots and places every row already indexed (those below position). */
static void grow(dash_id_index *index, uint32_t indexed, const void *rows, dash_id_of id_of)
{
    size_t slots = index->slot_count ? index->slot_count * 2 : INITIAL_SLOTS;
    free(index->slots);
    index->slots = tw_xcalloc(slots, sizeof *index->slots);
    index->slot_count = slots;
    for (uint32_t i = 0; i < indexed; i++)
        place(index, i, id_of(rows, i));
}

void dash_id_index_insert(dash_id_index *index, uint32_t position, const void *rows,
                          dash_id_of id_of)
{
    if (((size_t)position + 1) * 2 > index->slot_count)
        grow(index, position, rows, id_of);
    place(index, position, id_of(rows, position));
}
