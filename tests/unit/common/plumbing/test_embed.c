/* Embedded files: TW_EMBED's bytes and length match the file, and lookup is exact. */
#include <stdio.h>
#include <string.h>

#include "tw_embed.h"
#include "tw_test.h"

#define THIS_FILE "tests/unit/common/plumbing/test_embed.c"
#define FILE_BYTES_MAX 8192

TW_EMBED(test_self, THIS_FILE);

static const tw_embedded files[] = {
    TW_EMBEDDED("/self", "text/x-c", test_self),
};

static void the_embedded_bytes_are_the_file(void)
{
    char expected[FILE_BYTES_MAX];
    FILE *file = fopen(THIS_FILE, "rb");
    TW_CHECK(file != NULL);
    size_t len = file ? fread(expected, 1, sizeof expected, file) : 0;
    if (file)
        fclose(file);
    tw_embedded_file found;
    TW_CHECK_INT(tw_embed_find(files, 1, "/self", &found), 1);
    TW_CHECK_INT(found.len, len);
    TW_CHECK(memcmp(found.data, expected, len) == 0);
    TW_CHECK_STR(found.content_type, "text/x-c");
}

static void only_an_exact_path_is_found(void)
{
    tw_embedded_file found;
    TW_CHECK_INT(tw_embed_find(files, 1, "/self/", &found), 0);
    TW_CHECK_INT(tw_embed_find(files, 1, "/sel", &found), 0);
    TW_CHECK_INT(tw_embed_find(files, 1, "/../self", &found), 0);
}

TW_TEST_MAIN("embed", TW_TEST(the_embedded_bytes_are_the_file),
             TW_TEST(only_an_exact_path_is_found))
