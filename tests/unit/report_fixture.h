/* Valid reports for the unit tests: fixture_report_of builds one from the fields a test
 * names (the rest absent); fixture_report is the analytics tests' usual one, with
 * antenna, run, seq and packets chosen by the test, loss a tenth of the packets, 5 ms
 * latency, timestamp FIXTURE_NOW_S. */
#ifndef REPORT_FIXTURE_H
#define REPORT_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "tw_report.h"

#define FIXTURE_NOW_S 1700000000LL

/* The fields of a report a test sets; name them with designated initialisers. */
typedef struct {
    const char *id;
    const char *run;
    uint64_t seq;
    int64_t timestamp;
    uint64_t packets;
    uint64_t loss;
    double latency_ms;
    int64_t sent_us;
} fixture_fields;

static inline tw_report fixture_report_of(fixture_fields f)
{
    tw_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.antenna_id, sizeof r.antenna_id, "%s", f.id);
    snprintf(r.run, sizeof r.run, "%s", f.run ? f.run : "");
    r.seq = f.seq;
    r.timestamp = f.timestamp;
    r.packets = f.packets;
    r.loss = f.loss;
    r.latency_ms = f.latency_ms;
    r.sent_us = f.sent_us;
    return r;
}

static inline tw_report fixture_report(const char *id, const char *run, uint64_t seq,
                                       uint64_t packets)
{
    return fixture_report_of((fixture_fields){.id = id,
                                              .run = run,
                                              .seq = seq,
                                              .timestamp = FIXTURE_NOW_S,
                                              .packets = packets,
                                              .loss = packets / 10,
                                              .latency_ms = 5});
}

#endif
