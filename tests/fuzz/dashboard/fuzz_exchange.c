/* Fuzzes the dashboard's side of the replica exchange: the input's first byte picks the
 * window, the next two the length of a first document, the rest is a second one applied
 * after it (a delta after a full one, or anything). Properties: a document the mirror
 * refuses leaves it exactly as it was; one it takes leaves every row findable by id and
 * listed as changed; re-encoding an accepted mirror as a full document and applying it
 * to a fresh mirror gives the same rows (decode after encode is identity); merging the
 * changed rows and building a snapshot from them counts each present id once, and its
 * pages never step outside it. */
#include <string.h>

#include "merged.h"
#include "mirror.h"
#include "snapshot.h"
#include "tw_fuzz.h"
#include "tw_status.h"

static const int64_t windows_s[] = {0, 60, 300, 900};

TW_FUZZ_QUIET_LOGS()

/* A digest of everything a refused document must not change. */
typedef struct {
    bool synced;
    uint64_t version, instance;
    size_t count;
    uint64_t sums;
} mirror_digest;

static mirror_digest digest_of(const dash_mirror *m)
{
    mirror_digest d = {m->synced, m->header.version, m->header.instance, m->count, 0};
    for (size_t i = 0; i < m->count; i++)
        d.sums += m->rows[i].records * 31 + m->rows[i].loss * 7 + m->rows[i].latency.count +
                  (uint64_t)strlen(m->rows[i].antenna_id);
    return d;
}

static bool same_digest(mirror_digest a, mirror_digest b)
{
    return a.synced == b.synced && a.version == b.version && a.instance == b.instance &&
           a.count == b.count && a.sums == b.sums;
}

static void check_rows(const dash_mirror *m, const dash_id_list *changed, size_t first)
{
    for (size_t i = 0; i < m->count; i++)
        TW_FUZZ_CHECK(dash_mirror_find(m, m->rows[i].antenna_id) == &m->rows[i]);
    for (size_t i = first; i < changed->count; i++) {
        const tw_exchange_row *row = dash_mirror_find(m, changed->ids[i]);
        TW_FUZZ_CHECK(!row || !strcmp(row->antenna_id, changed->ids[i]));
    }
}

/* The mirror written back as one full document reads back to the same rows. */
static void check_round_trip(const dash_mirror *m, int64_t window_s)
{
    tw_buf buf;
    tw_buf_init(&buf);
    tw_wire_writer out = {&buf};
    tw_exchange_header header = m->header;
    header.full = true;
    tw_exchange_write_header(&header, &out);
    for (size_t i = 0; i < m->count; i++)
        tw_exchange_write_row(&m->rows[i], &out);
    tw_exchange_write_end(&out);
    dash_mirror again;
    dash_mirror_init(&again);
    dash_id_list changed;
    dash_id_list_init(&changed);
    bool full = false;
    TW_FUZZ_CHECK(dash_mirror_apply(&again, window_s, buf.data, buf.len, &changed, &full) == TW_OK);
    TW_FUZZ_CHECK(full && again.count == m->count);
    for (size_t i = 0; i < m->count; i++) {
        const tw_exchange_row *a = &m->rows[i], *b = dash_mirror_find(&again, a->antenna_id);
        TW_FUZZ_CHECK(b && a->records == b->records && a->packets == b->packets &&
                      a->loss == b->loss && a->last_seen == b->last_seen &&
                      a->latency.count == b->latency.count);
    }
    dash_id_list_free(&changed);
    dash_mirror_free(&again);
    tw_buf_free(&buf);
}

static void check_snapshot(const dash_mirror *m, const dash_id_list *changed, int64_t window_s)
{
    dash_merged merged;
    dash_merged_init(&merged);
    const dash_mirror *mirrors[] = {m};
    for (size_t i = 0; i < changed->count; i++)
        dash_merged_update(&merged, changed->ids[i], mirrors, 1);
    dash_totals totals;
    dash_totals_init(&totals, window_s);
    dash_totals_add(&totals, &m->header);
    dash_snapshot *snapshot = dash_snapshot_build(&merged, &totals);
    TW_FUZZ_CHECK(snapshot->count == m->count && merged.present == m->count);
    const dash_row *rows[8];
    size_t got = 0;
    for (int sort = 0; sort < DASH_SORT_COUNT; sort++) {
        dash_page_query q = {(dash_sort)sort, sort == 1, sort == 2 ? "a" : "", 1, 8};
        size_t total = dash_snapshot_page(snapshot, &q, rows, &got);
        TW_FUZZ_CHECK(total <= snapshot->count && got <= 8);
        for (size_t i = 0; i < got; i++)
            TW_FUZZ_CHECK(rows[i] >= snapshot->rows && rows[i] < snapshot->rows + snapshot->count);
    }
    dash_snapshot_release(snapshot);
    dash_merged_free(&merged);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    int64_t window_s = windows_s[data[0] % 4];
    size_t first_len = (size_t)data[1] | (size_t)data[2] << 8;
    data += 3;
    size -= 3;
    if (first_len > size)
        first_len = size;
    const uint8_t *docs[] = {data, data + first_len};
    size_t lens[] = {first_len, size - first_len};
    dash_mirror m;
    dash_mirror_init(&m);
    dash_id_list changed;
    dash_id_list_init(&changed);
    for (int d = 0; d < 2; d++) {
        mirror_digest before = digest_of(&m);
        size_t first = changed.count;
        bool full = false;
        if (dash_mirror_apply(&m, window_s, docs[d], lens[d], &changed, &full) != TW_OK) {
            TW_FUZZ_CHECK(same_digest(before, digest_of(&m)) && changed.count == first);
            continue;
        }
        TW_FUZZ_CHECK(m.synced);
        check_rows(&m, &changed, first);
        check_round_trip(&m, window_s);
    }
    check_snapshot(&m, &changed, window_s);
    dash_id_list_free(&changed);
    dash_mirror_free(&m);
    return 0;
}
