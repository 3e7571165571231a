/* Antenna id interning; see antenna_ids.h. FNV-1a hash, linear probing, at most half full
 * so a probe ends quickly. */
#include "antenna_ids.h"

#include <stdlib.h>
#include <string.h>

#include "tw_alloc.h"
#include "tw_status.h"

#define FNV_OFFSET_BASIS 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL
#define SLOTS_PER_ID 2 /* load factor at most 1/2 */

int antenna_ids_init(antenna_ids *ids, size_t max_ids)
{
    size_t slots = 1;
    while (slots < max_ids * SLOTS_PER_ID)
        slots *= 2;
    ids->names = tw_xcalloc(slots, sizeof *ids->names);
    ids->followed_by = tw_xmalloc(slots * sizeof *ids->followed_by);
    ids->slots = slots;
    ids->max_ids = max_ids;
    ids->last = ANTENNA_IDS_NONE;
    ids->count = 0;
    for (size_t i = 0; i < slots; i++)
        ids->followed_by[i] = ANTENNA_IDS_NONE;
    return TW_OK;
}

void antenna_ids_free(antenna_ids *ids)
{
    free(ids->names);
    free(ids->followed_by);
    ids->names = NULL;
    ids->followed_by = NULL;
}

static uint64_t hash_of(const char *id)
{
    uint64_t hash = FNV_OFFSET_BASIS;
    for (const unsigned char *c = (const unsigned char *)id; *c; c++)
        hash = (hash ^ *c) * FNV_PRIME;
    return hash;
}

/* The slot of id by hash and linear probe, adding it when new. */
static uint32_t lookup(antenna_ids *ids, const char *id)
{
    size_t mask = ids->slots - 1;
    for (size_t slot = (size_t)hash_of(id) & mask;; slot = (slot + 1) & mask) {
        char *name = ids->names[slot];
        if (!name[0]) {
            if (ids->count == ids->max_ids || !id[0])
                return ANTENNA_IDS_NONE;
            memcpy(name, id, strnlen(id, TW_ANTENNA_ID_MAX_LEN));
            ids->count++;
            return (uint32_t)slot;
        }
        if (!strcmp(name, id))
            return (uint32_t)slot;
    }
}

uint32_t antenna_ids_intern(antenna_ids *ids, const char *id)
{
    uint32_t guess = ids->last == ANTENNA_IDS_NONE ? ANTENNA_IDS_NONE : ids->followed_by[ids->last];
    if (guess != ANTENNA_IDS_NONE && !strcmp(ids->names[guess], id))
        return ids->last = guess;
    uint32_t slot = lookup(ids, id);
    if (slot == ANTENNA_IDS_NONE)
        return slot;
    if (ids->last != ANTENNA_IDS_NONE)
        ids->followed_by[ids->last] = slot;
    return ids->last = slot;
}

const char *antenna_ids_name(const antenna_ids *ids, uint32_t i)
{
    return ids->names[i];
}
