/* Fuzzes the latency sketch's two decoders, as a checkpoint (binary, tw_sketch_read) and
 * a replica's JSON (tw_sketch_from_json) carry it; the first byte picks which. Whatever
 * decodes must encode back to what decodes to the same sketch (decode after encode is
 * identity), merge into an empty sketch to an equal one, stay unchanged when an empty
 * one is merged into it, and answer quantiles without fault. */
#include <cjson/cJSON.h>
#include <string.h>

#include "tw_buf.h"
#include "tw_fuzz.h"
#include "tw_json_depth.h"
#include "tw_sketch.h"
#include "tw_status.h"

/* The binary form of a sketch, in out (reset first). */
static void encode(const tw_sketch *sketch, tw_buf *out)
{
    tw_buf_reset(out);
    tw_wire_writer writer = {out};
    tw_sketch_write(sketch, &writer);
}

static bool same_encoding(const tw_buf *a, const tw_buf *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static void check_properties(const tw_sketch *sketch)
{
    tw_buf first, again;
    tw_buf_init(&first);
    tw_buf_init(&again);
    encode(sketch, &first);

    tw_sketch copy;
    tw_wire_reader in;
    tw_wire_reader_init(&in, first.data, first.len);
    TW_FUZZ_CHECK(tw_sketch_read(&copy, &in) == TW_OK && in.pos == first.len);
    encode(&copy, &again);
    TW_FUZZ_CHECK(same_encoding(&first, &again));

    tw_sketch empty, merged;
    tw_sketch_init(&empty);
    tw_sketch_merge(&copy, &empty);
    encode(&copy, &again);
    TW_FUZZ_CHECK(same_encoding(&first, &again));
    tw_sketch_init(&merged);
    tw_sketch_merge(&merged, sketch);
    encode(&merged, &again);
    TW_FUZZ_CHECK(same_encoding(&first, &again));

    static const double qs[] = {0, 0.5, 0.95, 0.99, 1};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++)
        (void)tw_sketch_quantile(sketch, qs[i]);
    (void)tw_sketch_mean(sketch);
    tw_sketch_free(&merged);
    tw_sketch_free(&copy);
    tw_buf_free(&first);
    tw_buf_free(&again);
}

static void fuzz_binary(const uint8_t *data, size_t size)
{
    tw_sketch sketch;
    tw_wire_reader in;
    tw_wire_reader_init(&in, data, size);
    if (tw_sketch_read(&sketch, &in) == TW_OK)
        check_properties(&sketch);
    tw_sketch_free(&sketch);
}

/* JSON: what decodes re-encodes to JSON that decodes to the same sketch. */
static void fuzz_json(const char *text, size_t len)
{
    if (!tw_json_depth_within(text, len, TW_JSON_MAX_DEPTH))
        return;
    cJSON *json = cJSON_ParseWithLength(text, len);
    tw_sketch sketch;
    if (json && tw_sketch_from_json(json, &sketch) == TW_OK) {
        check_properties(&sketch);
        cJSON *encoded = tw_sketch_to_json(&sketch);
        tw_sketch back;
        TW_FUZZ_CHECK(tw_sketch_from_json(encoded, &back) == TW_OK);
        cJSON *again = tw_sketch_to_json(&back);
        char *a = cJSON_PrintUnformatted(encoded), *b = cJSON_PrintUnformatted(again);
        TW_FUZZ_CHECK(strcmp(a, b) == 0);
        cJSON_free(a);
        cJSON_free(b);
        cJSON_Delete(again);
        cJSON_Delete(encoded);
        tw_sketch_free(&back);
        tw_sketch_free(&sketch);
    }
    cJSON_Delete(json);
}

TW_FUZZ_QUIET_LOGS()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_json((const char *)data + 1, size - 1);
    else
        fuzz_binary(data + 1, size - 1);
    return 0;
}
