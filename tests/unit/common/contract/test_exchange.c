/* The replica exchange codec: a document reads back as written, a cut or trailing-garbage
 * document and inconsistent rows are rejected, and the abandon mark is not an end. */
#include "tw_exchange.h"
#include "tw_status.h"
#include "tw_test.h"

static void header_of(tw_exchange_header *h)
{
    memset(h, 0, sizeof *h);
    *h = (tw_exchange_header){.instance = 77,
                              .version = 1234,
                              .full = true,
                              .window_s = 60,
                              .now = 1700000000,
                              .started_at = 1699999000,
                              .updated_at_us = 1700000000123456,
                              .records = 3,
                              .packets = 300,
                              .loss = 7,
                              .malformed = 2,
                              .throughput_rps = 0.05,
                              .lag = -1,
                              .pending = 12,
                              .antennas = 2,
                              .untracked = 1};
    tw_sketch_init(&h->latency);
    tw_sketch_add(&h->latency, 10);
    tw_sketch_add(&h->latency, 20);
    tw_sketch_add(&h->latency, 30);
}

static void row_of(tw_exchange_row *row, const char *id, uint64_t records)
{
    memset(row, 0, sizeof *row);
    snprintf(row->antenna_id, sizeof row->antenna_id, "%s", id);
    row->last_seen = 1699999990;
    row->interval_s = 5;
    row->records = records;
    row->packets = records * 100;
    row->loss = records;
    tw_sketch_init(&row->latency);
    for (uint64_t i = 0; i < records; i++)
        tw_sketch_add(&row->latency, 10.0 * (double)(i + 1));
}

/* A document with rows a-0 (2 records) and a-1 (1 record), ended by end (or abandoned). */
static void write_doc(tw_buf *buf, bool end)
{
    tw_wire_writer out = {buf};
    tw_exchange_header h;
    header_of(&h);
    tw_exchange_write_header(&h, &out);
    tw_sketch_free(&h.latency);
    tw_exchange_row row;
    row_of(&row, "a-0", 2);
    tw_exchange_write_row(&row, &out);
    tw_sketch_free(&row.latency);
    row_of(&row, "a-1", 1);
    tw_exchange_write_row(&row, &out);
    tw_sketch_free(&row.latency);
    if (end)
        tw_exchange_write_end(&out);
    else
        tw_exchange_write_abandoned(&out);
}

/* Reads every item; the count of rows, or TW_INVALID. */
static int read_doc(const tw_buf *buf, size_t len)
{
    tw_wire_reader in;
    tw_wire_reader_init(&in, buf->data, len);
    tw_exchange_header h;
    if (tw_exchange_read_header(&in, &h) != TW_OK)
        return TW_INVALID;
    tw_sketch_free(&h.latency);
    for (int rows = 0;; rows++) {
        tw_exchange_row row;
        int got = tw_exchange_read_row(&in, &row);
        tw_sketch_free(&row.latency);
        if (got != 1)
            return got == 0 ? rows : TW_INVALID;
    }
}

static void test_round_trip(void)
{
    tw_buf buf;
    tw_buf_init(&buf);
    write_doc(&buf, true);
    tw_wire_reader in;
    tw_wire_reader_init(&in, buf.data, buf.len);
    tw_exchange_header h;
    TW_CHECK_INT(tw_exchange_read_header(&in, &h), TW_OK);
    TW_CHECK_INT(h.instance, 77);
    TW_CHECK_INT(h.version, 1234);
    TW_CHECK(h.full);
    TW_CHECK_INT(h.window_s, 60);
    TW_CHECK_INT(h.updated_at_us, 1700000000123456);
    TW_CHECK_INT(h.loss, 7);
    TW_CHECK_INT(h.lag, -1);
    TW_CHECK_INT(h.pending, 12);
    TW_CHECK_INT(h.untracked, 1);
    TW_CHECK_NEAR(h.throughput_rps, 0.05, 0);
    TW_CHECK_INT(h.latency.count, 3);
    TW_CHECK_NEAR(tw_sketch_quantile(&h.latency, 0.5), 20, 0.2);
    tw_sketch_free(&h.latency);
    tw_exchange_row row;
    TW_CHECK_INT(tw_exchange_read_row(&in, &row), 1);
    TW_CHECK_STR(row.antenna_id, "a-0");
    TW_CHECK_INT(row.records, 2);
    TW_CHECK_INT(row.packets, 200);
    TW_CHECK_INT(row.latency.count, 2);
    tw_sketch_free(&row.latency);
    TW_CHECK_INT(tw_exchange_read_row(&in, &row), 1);
    TW_CHECK_STR(row.antenna_id, "a-1");
    tw_sketch_free(&row.latency);
    TW_CHECK_INT(tw_exchange_read_row(&in, &row), 0);
    tw_buf_free(&buf);
}

static void test_cut_and_abandoned_documents_are_rejected(void)
{
    tw_buf buf;
    tw_buf_init(&buf);
    write_doc(&buf, true);
    TW_CHECK_INT(read_doc(&buf, buf.len), 2);
    for (size_t len = 0; len < buf.len; len++)
        TW_CHECK_INT(read_doc(&buf, len), TW_INVALID);
    tw_buf_append(&buf, "x", 1); /* bytes after the end mark */
    TW_CHECK_INT(read_doc(&buf, buf.len), TW_INVALID);
    tw_buf_reset(&buf);
    write_doc(&buf, false);
    TW_CHECK_INT(read_doc(&buf, buf.len), TW_INVALID);
    tw_buf_free(&buf);
}

static void test_inconsistent_rows_are_rejected(void)
{
    const char *bad_ids[] = {"", "has space", "x/y"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        tw_buf buf;
        tw_buf_init(&buf);
        tw_wire_writer out = {&buf};
        tw_exchange_row row;
        row_of(&row, bad_ids[i], 1);
        tw_exchange_write_row(&row, &out);
        tw_sketch_free(&row.latency);
        tw_wire_reader in;
        tw_wire_reader_init(&in, buf.data, buf.len);
        TW_CHECK_INT(tw_exchange_read_row(&in, &row), TW_INVALID);
        TW_CHECK_INT(row.latency.count, 0);
        tw_buf_free(&buf);
    }
    /* loss above packets, and a sketch that does not hold the row's records */
    for (int fault = 0; fault < 2; fault++) {
        tw_buf buf;
        tw_buf_init(&buf);
        tw_wire_writer out = {&buf};
        tw_exchange_row row;
        row_of(&row, "a-0", 2);
        if (fault == 0)
            row.loss = row.packets + 1;
        else
            row.records = 3;
        tw_exchange_write_row(&row, &out);
        tw_sketch_free(&row.latency);
        tw_wire_reader in;
        tw_wire_reader_init(&in, buf.data, buf.len);
        TW_CHECK_INT(tw_exchange_read_row(&in, &row), TW_INVALID);
        tw_buf_free(&buf);
    }
}

TW_TEST_MAIN("exchange", TW_TEST(test_round_trip),
             TW_TEST(test_cut_and_abandoned_documents_are_rejected),
             TW_TEST(test_inconsistent_rows_are_rejected))
