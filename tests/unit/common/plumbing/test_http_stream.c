/* Streamed replies' JSON pieces: an element printed compactly into the chunk buffer, and
 * a print that fails leaves the buffer as it was. */
#include <cjson/cJSON.h>

#include "tw_http_stream.h"
#include "tw_status.h"
#include "tw_test.h"

static void an_element_is_appended_compactly(void)
{
    tw_buf buf;
    tw_buf_init(&buf);
    tw_buf_puts(&buf, "[");
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "antenna_id", "a-1");
    cJSON_AddNumberToObject(json, "records", 3);
    TW_CHECK_INT(tw_http_stream_put_json(&buf, json), TW_OK);
    cJSON_Delete(json);
    TW_CHECK_STR(buf.data, "[{\"antenna_id\":\"a-1\",\"records\":3}");
    tw_buf_free(&buf);
}

static void a_failed_print_leaves_the_buffer_unchanged(void)
{
    tw_buf buf;
    tw_buf_init(&buf);
    tw_buf_puts(&buf, "[1,");
    TW_CHECK_INT(tw_http_stream_put_json(&buf, NULL), TW_ERR); /* what cJSON leaves on OOM */
    TW_CHECK_STR(buf.data, "[1,");
    TW_CHECK_INT(buf.len, 3);
    tw_buf_free(&buf);
}

TW_TEST_MAIN("http_stream", TW_TEST(an_element_is_appended_compactly),
             TW_TEST(a_failed_print_leaves_the_buffer_unchanged))
