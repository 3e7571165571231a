/* Lookup in a table of embedded files; see tw_embed.h for how files get there. */
#include "tw_embed.h"

#include <string.h>

int tw_embed_find(const tw_embedded *table, size_t count, const char *path, tw_embedded_file *out)
{
    for (size_t i = 0; i < count; i++) {
        if (!strcmp(table[i].path, path)) {
            *out = (tw_embedded_file){table[i].content_type, table[i].data, (size_t)*table[i].len};
            return 1;
        }
    }
    return 0;
}
