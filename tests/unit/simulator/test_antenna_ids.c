/* Antenna id interning: one index per distinct id, stable, bounded. */
#include "antenna_ids.h"
#include "tw_status.h"
#include "tw_test.h"

static void test_same_id_same_index(void)
{
    antenna_ids ids;
    TW_CHECK_INT(antenna_ids_init(&ids, 3), TW_OK);
    uint32_t a = antenna_ids_intern(&ids, "tower-0");
    uint32_t b = antenna_ids_intern(&ids, "tower-1");
    TW_CHECK(a != b);
    TW_CHECK_INT(antenna_ids_intern(&ids, "tower-0"), a);
    TW_CHECK_STR(antenna_ids_name(&ids, b), "tower-1");
    TW_CHECK_INT(ids.count, 2);
    antenna_ids_free(&ids);
}

static void test_full_table_refuses_new_ids(void)
{
    antenna_ids ids;
    antenna_ids_init(&ids, 2);
    TW_CHECK(antenna_ids_intern(&ids, "a") != ANTENNA_IDS_NONE);
    TW_CHECK(antenna_ids_intern(&ids, "b") != ANTENNA_IDS_NONE);
    TW_CHECK_INT(antenna_ids_intern(&ids, "c"), ANTENNA_IDS_NONE);
    TW_CHECK(antenna_ids_intern(&ids, "a") != ANTENNA_IDS_NONE);
    TW_CHECK_INT(antenna_ids_intern(&ids, ""), ANTENNA_IDS_NONE);
    TW_CHECK_INT(ids.count, 2);
    antenna_ids_free(&ids);
}

static void test_many_ids_stay_distinct(void)
{
    antenna_ids ids;
    antenna_ids_init(&ids, 1000);
    uint32_t first[1000];
    for (int i = 0; i < 1000; i++) {
        char id[16];
        snprintf(id, sizeof id, "t-%d", i);
        first[i] = antenna_ids_intern(&ids, id);
    }
    int same = 0;
    for (int i = 0; i < 1000; i++) {
        char id[16];
        snprintf(id, sizeof id, "t-%d", i);
        same += antenna_ids_intern(&ids, id) == first[i] &&
                !strcmp(antenna_ids_name(&ids, first[i]), id);
    }
    TW_CHECK_INT(same, 1000);
    TW_CHECK_INT(ids.count, 1000);
    TW_CHECK_INT(ids.slots, 2048);
    antenna_ids_free(&ids);
}

/* The remembered successor is only a guess: any order gives the same indices. */
static void test_order_changes_keep_indices(void)
{
    antenna_ids ids;
    antenna_ids_init(&ids, 3);
    uint32_t a = antenna_ids_intern(&ids, "a"), b = antenna_ids_intern(&ids, "b");
    uint32_t c = antenna_ids_intern(&ids, "c");
    const char *order[] = {"a", "b", "c", "a", "c", "b", "b", "a", "c", "a", "b", "c"};
    const uint32_t expected[] = {a, b, c, a, c, b, b, a, c, a, b, c};
    int same = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        same += antenna_ids_intern(&ids, order[i]) == expected[i];
    TW_CHECK_INT(same, 12);
    TW_CHECK_INT(antenna_ids_intern(&ids, "d"), ANTENNA_IDS_NONE);
    TW_CHECK_INT(antenna_ids_intern(&ids, "a"), a);
    TW_CHECK_INT(ids.count, 3);
    antenna_ids_free(&ids);
}

TW_TEST_MAIN("antenna_ids", TW_TEST(test_order_changes_keep_indices),
             TW_TEST(test_same_id_same_index), TW_TEST(test_full_table_refuses_new_ids),
             TW_TEST(test_many_ids_stay_distinct))
