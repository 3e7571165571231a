/* The protocol ceiling for ingest: a bare hiredis consumer that only does XREADGROUP
 * COUNT 1000 and XACK until the stream is drained, then prints entries/s.
 * Usage: bare_reader REDIS_URL STREAM GROUP */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>

#include "tw_redis.h"
#include "tw_time.h"

#define READ_COUNT 1000

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bare_reader REDIS_URL STREAM GROUP\n");
        return 2;
    }
    tw_redis_url url;
    char err[256];
    if (tw_redis_url_parse(argv[1], &url, err, sizeof err) != 0) {
        fprintf(stderr, "bare_reader: %s\n", err);
        return 2;
    }
    redisContext *ctx = tw_redis_connect(&url, 10000, err, sizeof err);
    if (!ctx) {
        fprintf(stderr, "bare_reader: %s\n", err);
        return 1;
    }
    freeReplyObject(redisCommand(ctx, "XGROUP CREATE %s %s 0", argv[2], argv[3]));
    const char *ack_argv[2 + READ_COUNT + 1];
    uint64_t total = 0;
    int64_t start = tw_mono_us();
    for (;;) {
        redisReply *reply = redisCommand(ctx, "XREADGROUP GROUP %s bare COUNT %d STREAMS %s >",
                                         argv[3], READ_COUNT, argv[2]);
        if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
            freeReplyObject(reply);
            break;
        }
        redisReply *entries = reply->element[0]->element[1];
        int n = 0;
        ack_argv[n++] = "XACK";
        ack_argv[n++] = argv[2];
        ack_argv[n++] = argv[3];
        for (size_t i = 0; i < entries->elements; i++)
            ack_argv[n++] = entries->element[i]->element[0]->str;
        freeReplyObject(redisCommandArgv(ctx, n, ack_argv, NULL));
        total += entries->elements;
        freeReplyObject(reply);
    }
    double seconds = (double)(tw_mono_us() - start) / 1e6;
    printf("%llu %.3f %.0f\n", (unsigned long long)total, seconds, (double)total / seconds);
    redisFree(ctx);
    return 0;
}
