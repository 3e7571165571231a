/* Entries removed from the stream before the group read them; see stream_loss.h. */
#include "stream_loss.h"

/* Entries in the stream after the group's position, or -1 when the view cannot tell. */
static int64_t unread_in_stream(const stream_loss_view *view)
{
    if (view->after_complete) {
        int64_t unread = 0;
        for (size_t i = 0; i < view->after_count; i++)
            unread += stream_id_compare(view->after[i], view->last_delivered) > 0;
        return unread;
    }
    if (view->length == 0 ||
        (view->length > 0 && stream_id_compare(view->first_entry, view->last_delivered) > 0))
        return view->length; /* the group's position lies before the whole stream */
    return -1;
}

int64_t stream_loss_removed_unread(const stream_loss_view *view)
{
    if (view->lag < 0)
        return -1;
    int64_t unread = unread_in_stream(view);
    if (unread < 0)
        return -1;
    return view->lag > unread ? view->lag - unread : 0;
}

bool stream_loss_ids_exhausted(const stream_loss_view *view)
{
    return view->last_generated.ms == UINT64_MAX && view->last_generated.seq == UINT64_MAX;
}
