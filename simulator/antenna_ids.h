/* Interned antenna ids: a fixed-size open-addressing table that gives each distinct id a
 * small index, so the re-send window stores 4 bytes per report instead of the 65-byte id.
 * Sized once for the antennas this process simulates; never allocates afterwards. Ids
 * mostly come round-robin, so the table remembers which id followed each one last time
 * and tries that first: one string comparison instead of a hash and a probe. */
#ifndef SIMULATOR_ANTENNA_IDS_H
#define SIMULATOR_ANTENNA_IDS_H

#include <stddef.h>
#include <stdint.h>

#include "tw_report.h"

#define ANTENNA_IDS_NONE UINT32_MAX /* no index: the table is full */

typedef struct {
    char (*names)[TW_ANTENNA_ID_MAX_LEN + 1]; /* slot names, "" when free; owned */
    size_t slots;                             /* table size, a power of two */
    size_t max_ids;                           /* distinct ids accepted at most */
    uint32_t *followed_by; /* per slot: the slot interned right after it last time; owned */
    uint32_t last;         /* slot interned last, or ANTENNA_IDS_NONE */
    size_t count;          /* distinct ids held */
} antenna_ids;

/* Allocates a table for at most max_ids distinct ids; TW_OK or TW_ERR. */
int antenna_ids_init(antenna_ids *ids, size_t max_ids);
/* Frees the table. */
void antenna_ids_free(antenna_ids *ids);
/* The index of id, adding it when new; ANTENNA_IDS_NONE when it is new and the table full. */
uint32_t antenna_ids_intern(antenna_ids *ids, const char *id);
/* The id with index i (an index antenna_ids_intern returned). */
const char *antenna_ids_name(const antenna_ids *ids, uint32_t i);

#endif
