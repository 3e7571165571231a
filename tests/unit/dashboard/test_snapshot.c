/* Merging two replicas' mirrors row by row and the snapshot built from it: sums, latency
 * figures from the merged sketches, the newest last_seen, statuses and antenna counts,
 * the summary's replica report, statuses while a replica is not ready, and paging, sorting
 * and filtering of the list. */
#include <cjson/cJSON.h>

#include "exchange_doc.h"
#include "merged.h"
#include "snapshot.h"
#include "tw_status.h"
#include "tw_test.h"

/* a-0 on both replicas (split), a-1 only on the first (lossy), a-2 and a-3 silent for long. */
static const doc_row first_rows[] = {
    {"a-0", 2, 200, 2, 1, 1}, {"a-1", 1, 100, 30, 2, 1}, {"a-3", 1, 100, 1, 600, 1}};
static const doc_row second_rows[] = {{"a-0", 1, 100, 8, 3, 2}, {"a-2", 1, 50, 0, 600, 3}};

static void load(dash_mirror *m, const doc_row *rows, size_t n, dash_id_list *changed)
{
    tw_buf buf;
    tw_buf_init(&buf);
    doc_write(&buf, 1, 10, true, 0, rows, n);
    bool full;
    dash_mirror_init(m);
    TW_CHECK_INT(dash_mirror_apply(m, 0, buf.data, buf.len, changed, &full), TW_OK);
    tw_buf_free(&buf);
}

typedef struct {
    dash_mirror mirrors[2];
    dash_merged merged;
    dash_snapshot *snapshot;
} fixture;

/* Builds the fixture; with not_ready, the first replica says its broker is unreachable. */
static void build_with(fixture *f, bool not_ready)
{
    dash_id_list changed;
    dash_id_list_init(&changed);
    load(&f->mirrors[0], first_rows, 3, &changed);
    load(&f->mirrors[1], second_rows, 2, &changed);
    const dash_mirror *both[] = {&f->mirrors[0], &f->mirrors[1]};
    dash_merged_init(&f->merged);
    for (size_t i = 0; i < changed.count; i++)
        dash_merged_update(&f->merged, changed.ids[i], both, 2);
    dash_id_list_free(&changed);
    dash_totals totals;
    dash_totals_init(&totals, 0);
    totals.expected = 3;
    totals.answered = 2;
    dash_totals_add(&totals, &f->mirrors[0].header);
    dash_totals_add(&totals, &f->mirrors[1].header);
    dash_totals_add_down(&totals, "10.0.0.9:8001");
    dash_totals_add_stale(&totals, "10.0.0.8:8001", 4);
    if (not_ready)
        dash_totals_add_not_ready(&totals, "10.0.0.1:8001", "redis not connected");
    f->snapshot = dash_snapshot_build(&f->merged, &totals);
}

static void build(fixture *f)
{
    build_with(f, false);
}

static void release(fixture *f)
{
    dash_snapshot_release(f->snapshot);
    dash_merged_free(&f->merged);
    dash_mirror_free(&f->mirrors[0]);
    dash_mirror_free(&f->mirrors[1]);
}

static void test_rows_merged_by_id(void)
{
    fixture f;
    build(&f);
    TW_CHECK_INT(f.snapshot->count, 4);
    TW_CHECK_INT(f.merged.present, 4);
    const dash_row *a0 = dash_snapshot_find(f.snapshot, "a-0");
    TW_CHECK(a0 != NULL);
    if (a0) {
        TW_CHECK_INT(a0->records, 3);
        TW_CHECK_INT(a0->packets, 300);
        TW_CHECK_INT(a0->loss, 10);
        TW_CHECK_INT(a0->last_seen, DOC_NOW_S - 1);
        /* latencies 10, 20 (first) and 20 (second, scale 2): the union's figures */
        TW_CHECK_NEAR(a0->latency.avg, 50.0 / 3, 1e-9);
        TW_CHECK_NEAR(a0->latency.max, 20, 1e-9);
        TW_CHECK_NEAR(a0->latency.p50, 20, 0.2);
        TW_CHECK_STR(a0->status, "ok");
    }
    TW_CHECK_STR(dash_snapshot_find(f.snapshot, "a-1")->status, "degraded");
    TW_CHECK_STR(dash_snapshot_find(f.snapshot, "a-2")->status, "offline");
    TW_CHECK(dash_snapshot_find(f.snapshot, "a-9") == NULL);
    TW_CHECK_INT(f.snapshot->antennas_active, 4);
    TW_CHECK_INT(f.snapshot->antennas_offline, 2);
    release(&f);
}

static void test_a_row_no_replica_holds_is_absent(void)
{
    fixture f;
    build(&f);
    dash_id_list changed;
    dash_id_list_init(&changed);
    dash_mirror_reset(&f.mirrors[1], &changed); /* the second replica's rows go */
    const dash_mirror *both[] = {&f.mirrors[0], &f.mirrors[1]};
    for (size_t i = 0; i < changed.count; i++)
        dash_merged_update(&f.merged, changed.ids[i], both, 2);
    dash_id_list_free(&changed);
    TW_CHECK_INT(f.merged.present, 3);
    dash_totals totals;
    dash_totals_init(&totals, 0);
    dash_snapshot *after = dash_snapshot_build(&f.merged, &totals);
    TW_CHECK_INT(after->count, 3);
    TW_CHECK(dash_snapshot_find(after, "a-2") == NULL);
    TW_CHECK_INT(dash_snapshot_find(after, "a-0")->records, 2);
    dash_snapshot_release(after);
    release(&f);
}

/* Checks integer members of a JSON object, given as "name=value name=value ...". */
static void check_counts(const cJSON *object, const char *expected)
{
    char name[32];
    long value;
    int used;
    while (sscanf(expected, " %31[^=]=%ld%n", name, &value, &used) == 2) {
        const cJSON *member = cJSON_GetObjectItem(object, name);
        TW_CHECK(member != NULL);
        if (member)
            TW_CHECK_INT(member->valuedouble, value);
        expected += used;
    }
}

static void test_summary_reports_replicas(void)
{
    fixture f;
    build(&f);
    cJSON *json = cJSON_Parse(f.snapshot->summary_json);
    check_counts(json, "records=6 packets=550 loss=41");
    check_counts(cJSON_GetObjectItem(json, "antennas"),
                 "active=4 offline=2 tracked=4 reporting=2 unknown=0");
    cJSON *replicas = cJSON_GetObjectItem(json, "replicas");
    check_counts(replicas, "expected=3 answered=2");
    TW_CHECK_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(replicas, "down"), 0)->valuestring,
                 "10.0.0.9:8001");
    cJSON *stale = cJSON_GetArrayItem(cJSON_GetObjectItem(replicas, "stale"), 0);
    TW_CHECK_STR(cJSON_GetObjectItem(stale, "address")->valuestring, "10.0.0.8:8001");
    TW_CHECK_INT(cJSON_GetObjectItem(stale, "age_s")->valuedouble, 4);
    TW_CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(replicas, "not_ready")), 0);
    cJSON_Delete(json);
    release(&f);
}

/* A replica without its broker: silent antennas are unknown, not offline; the rest stand. */
static void test_not_ready_replica_makes_silent_antennas_unknown(void)
{
    fixture f;
    build_with(&f, true);
    TW_CHECK_STR(dash_snapshot_find(f.snapshot, "a-0")->status, "ok");
    TW_CHECK_STR(dash_snapshot_find(f.snapshot, "a-1")->status, "degraded");
    TW_CHECK_STR(dash_snapshot_find(f.snapshot, "a-2")->status, "unknown");
    TW_CHECK_STR(dash_snapshot_find(f.snapshot, "a-3")->status, "unknown");
    TW_CHECK_INT(f.snapshot->antennas_offline, 0);
    TW_CHECK_INT(f.snapshot->antennas_unknown, 2);
    cJSON *json = cJSON_Parse(f.snapshot->summary_json);
    check_counts(cJSON_GetObjectItem(json, "antennas"), "offline=0 unknown=2 reporting=2");
    cJSON *replicas = cJSON_GetObjectItem(json, "replicas");
    cJSON *not_ready = cJSON_GetArrayItem(cJSON_GetObjectItem(replicas, "not_ready"), 0);
    TW_CHECK_STR(cJSON_GetObjectItem(not_ready, "address")->valuestring, "10.0.0.1:8001");
    TW_CHECK_STR(cJSON_GetObjectItem(not_ready, "reason")->valuestring, "redis not connected");
    cJSON_Delete(json);
    release(&f);
}

static size_t page(dash_snapshot *snapshot, dash_sort sort, const char *filter, size_t offset,
                   size_t limit, const dash_row **rows, size_t *got)
{
    dash_page_query q = {sort, false, filter, offset, limit};
    return dash_snapshot_page(snapshot, &q, rows, got);
}

static void test_pages_sorted_and_filtered(void)
{
    fixture f;
    build(&f);
    const dash_row *rows[4];
    size_t got = 0;
    /* loss rate: a-1 0.30, a-0 0.033, a-3 0.01, a-2 0 */
    size_t total = page(f.snapshot, DASH_SORT_LOSS_RATE, "", 0, 4, rows, &got);
    TW_CHECK_INT(total, 4);
    TW_CHECK_INT(got, 4);
    const char *by_loss[] = {"a-1", "a-0", "a-3", "a-2"};
    for (size_t i = 0; i < got; i++)
        TW_CHECK_STR(rows[i]->antenna_id, by_loss[i]);
    total = page(f.snapshot, DASH_SORT_LOSS_RATE, "", 1, 2, rows, &got);
    TW_CHECK_INT(total, 4);
    TW_CHECK_INT(got, 2);
    TW_CHECK_STR(rows[0]->antenna_id, "a-0");
    TW_CHECK_STR(rows[1]->antenna_id, "a-3");
    total = page(f.snapshot, DASH_SORT_ANTENNA_ID, "", 3, 4, rows, &got);
    TW_CHECK_INT(total, 4);
    TW_CHECK_INT(got, 1);
    TW_CHECK_STR(rows[0]->antenna_id, "a-3");
    /* latency (p95): a-2 30 ms, a-0 and a-1 ... ; the filter keeps ids containing "a-2" */
    total = page(f.snapshot, DASH_SORT_LATENCY, "", 0, 1, rows, &got);
    TW_CHECK_STR(rows[0]->antenna_id, "a-2");
    total = page(f.snapshot, DASH_SORT_LATENCY, "a-2", 0, 4, rows, &got);
    TW_CHECK_INT(total, 1);
    TW_CHECK_INT(got, 1);
    total = page(f.snapshot, DASH_SORT_ANTENNA_ID, "zz", 0, 4, rows, &got);
    TW_CHECK_INT(total, 0);
    TW_CHECK_INT(got, 0);
    total = page(f.snapshot, DASH_SORT_ANTENNA_ID, "", 9, 4, rows, &got);
    TW_CHECK_INT(total, 4);
    TW_CHECK_INT(got, 0);
    dash_page_query backwards = {DASH_SORT_LOSS_RATE, true, "", 0, 4};
    dash_snapshot_page(f.snapshot, &backwards, rows, &got);
    for (size_t i = 0; i < got; i++)
        TW_CHECK_STR(rows[i]->antenna_id, by_loss[3 - i]);
    release(&f);
}

TW_TEST_MAIN("snapshot", TW_TEST(test_rows_merged_by_id),
             TW_TEST(test_a_row_no_replica_holds_is_absent), TW_TEST(test_summary_reports_replicas),
             TW_TEST(test_not_ready_replica_makes_silent_antennas_unknown),
             TW_TEST(test_pages_sorted_and_filtered))
