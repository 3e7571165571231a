/* Bounded hiredis reply objects: the same replies as hiredis' own, and an array header
 * declaring more than the bound fails the reply instead of allocating it. */
#include <hiredis/hiredis.h>
#include <string.h>

#include "tw_redis_reply.h"
#include "tw_test.h"

static redisReader *bounded_reader(const char *bytes, size_t len)
{
    redisReader *reader = redisReaderCreate();
    tw_redis_bound_reader(reader);
    redisReaderFeed(reader, bytes, len);
    return reader;
}

/* An XREADGROUP-shaped reply, with every kind of element, reads as hiredis reads it. */
static void test_same_replies(void)
{
    static const char bytes[] = "*2\r\n*2\r\n$3\r\nkey\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n"
                                "$1\r\na\r\n$0\r\n\r\n:-42\r\n$-1\r\n+OK\r\n-ERR no\r\n*0\r\n";
    redisReader *reader = bounded_reader(bytes, sizeof bytes - 1);
    redisReply *reply = NULL;
    TW_CHECK_INT(redisReaderGetReply(reader, (void **)&reply), REDIS_OK);
    TW_CHECK_INT(reply->type, REDIS_REPLY_ARRAY);
    TW_CHECK_INT(reply->elements, 2);
    TW_CHECK_STR(reply->element[0]->element[0]->str, "key");
    const redisReply *entry = reply->element[0]->element[1]->element[0];
    TW_CHECK_STR(entry->element[0]->str, "1-0");
    TW_CHECK_INT(entry->element[1]->element[1]->len, 0);
    TW_CHECK_STR(entry->element[1]->element[1]->str, "");
    TW_CHECK_INT(reply->element[1]->type, REDIS_REPLY_INTEGER);
    TW_CHECK_INT(reply->element[1]->integer, -42);
    freeReplyObject(reply);
    const int types[] = {REDIS_REPLY_NIL, REDIS_REPLY_STATUS, REDIS_REPLY_ERROR, REDIS_REPLY_ARRAY};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        TW_CHECK_INT(redisReaderGetReply(reader, (void **)&reply), REDIS_OK);
        TW_CHECK_INT(reply->type, types[i]);
        freeReplyObject(reply);
    }
    TW_CHECK_INT(redisReaderGetReply(reader, (void **)&reply), REDIS_OK);
    TW_CHECK(reply == NULL); /* nothing more */
    redisReaderFree(reader);
}

/* 13 bytes declaring 700 million elements, at the top or nested: an error, no allocation
 * (under ASan an attempt to calloc 5.6 GB fails the test). The bound itself is accepted. */
static void test_huge_arrays_refused(void)
{
    static const char *const hostile[] = {"*700000000\r\n", "*2\r\n$1\r\na\r\n*2147483647\r\n"};
    for (size_t i = 0; i < 2; i++) {
        redisReader *reader = bounded_reader(hostile[i], strlen(hostile[i]));
        void *reply = NULL;
        TW_CHECK_INT(redisReaderGetReply(reader, &reply), REDIS_ERR);
        TW_CHECK(reply == NULL);
        TW_CHECK_INT(reader->err, REDIS_ERR_OOM);
        redisReaderFree(reader);
    }
    char at_bound[32];
    snprintf(at_bound, sizeof at_bound, "*%d\r\n", TW_REDIS_MAX_REPLY_ELEMENTS);
    redisReader *reader = bounded_reader(at_bound, strlen(at_bound));
    void *reply = NULL;
    TW_CHECK_INT(redisReaderGetReply(reader, &reply), REDIS_OK);
    TW_CHECK(reply == NULL); /* waiting for its elements */
    TW_CHECK_INT(reader->err, 0);
    redisReaderFree(reader);
    TW_CHECK_INT(tw_redis_array_refused(TW_REDIS_MAX_REPLY_ELEMENTS), 0);
    TW_CHECK_INT(tw_redis_array_refused(TW_REDIS_MAX_REPLY_ELEMENTS + 1LL), 1);
}

TW_TEST_MAIN("redis_reply", TW_TEST(test_same_replies), TW_TEST(test_huge_arrays_refused))
