/* One replica's mirror: a full document replaces everything, a delta replaces the rows it
 * carries and keeps the others, a malformed, cut or foreign document changes nothing, and
 * the changed ids are exactly those a merge must look at again. */
#include "exchange_doc.h"
#include "mirror.h"
#include "tw_status.h"
#include "tw_test.h"

static int apply(dash_mirror *m, int64_t window_s, const tw_buf *buf, dash_id_list *changed,
                 bool *full)
{
    return dash_mirror_apply(m, window_s, buf->data, buf->len, changed, full);
}

static void test_full_then_delta(void)
{
    dash_mirror m;
    dash_mirror_init(&m);
    char query[96];
    dash_mirror_query(&m, query, sizeof query);
    TW_CHECK_STR(query, "");
    tw_buf buf;
    tw_buf_init(&buf);
    doc_row first[] = {{"a-0", 2, 200, 4, 1, 1}, {"a-1", 1, 100, 0, 1, 1}};
    doc_write(&buf, 9, 100, true, 0, first, 2);
    dash_id_list changed;
    dash_id_list_init(&changed);
    bool full = false;
    TW_CHECK_INT(apply(&m, 0, &buf, &changed, &full), TW_OK);
    TW_CHECK(full);
    TW_CHECK_INT(m.count, 2);
    TW_CHECK_INT(changed.count, 2);
    dash_mirror_query(&m, query, sizeof query);
    TW_CHECK_STR(query, "since=100&instance=9&at=1700000000");
    /* a delta: a-1 changes, a-2 appears, a-0 stays */
    tw_buf_reset(&buf);
    doc_row delta[] = {{"a-1", 3, 300, 30, 0, 1}, {"a-2", 1, 10, 0, 0, 1}};
    doc_write(&buf, 9, 150, false, 0, delta, 2);
    changed.count = 0;
    TW_CHECK_INT(apply(&m, 0, &buf, &changed, &full), TW_OK);
    TW_CHECK(!full);
    TW_CHECK_INT(changed.count, 2);
    TW_CHECK_STR(changed.ids[0], "a-1");
    TW_CHECK_STR(changed.ids[1], "a-2");
    TW_CHECK_INT(m.count, 3);
    TW_CHECK_INT(dash_mirror_find(&m, "a-0")->records, 2);
    TW_CHECK_INT(dash_mirror_find(&m, "a-1")->loss, 30);
    TW_CHECK_INT(dash_mirror_find(&m, "a-1")->latency.count, 3);
    TW_CHECK_INT(m.header.version, 150);
    /* a full document from a new instance: a-0 and a-2 vanish, all five ids changed */
    tw_buf_reset(&buf);
    doc_row resync[] = {{"a-1", 1, 100, 1, 0, 1}};
    doc_write(&buf, 10, 5, true, 0, resync, 1);
    changed.count = 0;
    TW_CHECK_INT(apply(&m, 0, &buf, &changed, &full), TW_OK);
    TW_CHECK_INT(m.count, 1);
    TW_CHECK_INT(changed.count, 4);
    TW_CHECK(dash_mirror_find(&m, "a-0") == NULL);
    TW_CHECK_INT(dash_mirror_find(&m, "a-1")->records, 1);
    dash_id_list_free(&changed);
    tw_buf_free(&buf);
    dash_mirror_free(&m);
}

static void test_bad_documents_change_nothing(void)
{
    dash_mirror m;
    dash_mirror_init(&m);
    tw_buf buf;
    tw_buf_init(&buf);
    dash_id_list changed;
    dash_id_list_init(&changed);
    bool full;
    doc_row rows[] = {{"a-0", 2, 200, 4, 1, 1}};
    /* a delta before any full document */
    doc_write(&buf, 9, 100, false, 0, rows, 1);
    TW_CHECK_INT(apply(&m, 0, &buf, &changed, &full), TW_INVALID);
    TW_CHECK(!m.synced);
    tw_buf_reset(&buf);
    doc_write(&buf, 9, 100, true, 0, rows, 1);
    TW_CHECK_INT(apply(&m, 60, &buf, &changed, &full), TW_INVALID); /* another window */
    TW_CHECK_INT(apply(&m, 0, &buf, &changed, &full), TW_OK);
    /* a cut delta, and a delta of another instance */
    tw_buf_reset(&buf);
    doc_row later[] = {{"a-0", 9, 900, 9, 0, 1}};
    doc_write(&buf, 9, 200, false, 0, later, 1);
    changed.count = 0;
    TW_CHECK_INT(dash_mirror_apply(&m, 0, buf.data, buf.len - 1, &changed, &full), TW_INVALID);
    tw_buf_reset(&buf);
    doc_write(&buf, 8, 200, false, 0, later, 1);
    TW_CHECK_INT(apply(&m, 0, &buf, &changed, &full), TW_INVALID);
    TW_CHECK_INT(changed.count, 0);
    TW_CHECK_INT(dash_mirror_find(&m, "a-0")->records, 2);
    TW_CHECK_INT(m.header.version, 100);
    /* a reset lists what it drops and asks for a full document next */
    dash_mirror_reset(&m, &changed);
    TW_CHECK_INT(changed.count, 1);
    TW_CHECK(!m.synced && m.count == 0);
    dash_id_list_free(&changed);
    tw_buf_free(&buf);
    dash_mirror_free(&m);
}

static void test_many_rows_stay_findable(void)
{
    enum { ROWS = 5000 };
    static doc_row rows[ROWS];
    static char ids[ROWS][24];
    for (int i = 0; i < ROWS; i++) {
        snprintf(ids[i], sizeof ids[i], "antenna-%d", i);
        rows[i] = (doc_row){ids[i], 1, 10, (uint64_t)(i % 3), 0, 1};
    }
    tw_buf buf;
    tw_buf_init(&buf);
    doc_write(&buf, 1, 1, true, 0, rows, ROWS);
    dash_mirror m;
    dash_mirror_init(&m);
    dash_id_list changed;
    dash_id_list_init(&changed);
    bool full;
    TW_CHECK_INT(apply(&m, 0, &buf, &changed, &full), TW_OK);
    int found = 0;
    for (int i = 0; i < ROWS; i++) {
        const tw_exchange_row *row = dash_mirror_find(&m, ids[i]);
        found += row && row->loss == (uint64_t)(i % 3);
    }
    TW_CHECK_INT(found, ROWS);
    dash_id_list_free(&changed);
    tw_buf_free(&buf);
    dash_mirror_free(&m);
}

TW_TEST_MAIN("mirror", TW_TEST(test_full_then_delta), TW_TEST(test_bad_documents_change_nothing),
             TW_TEST(test_many_rows_stay_findable))
