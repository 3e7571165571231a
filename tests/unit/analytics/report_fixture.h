/* A valid report for the analytics unit tests: antenna, run, seq and packets chosen by
 * the test, loss a tenth of the packets, 5 ms latency, timestamp FIXTURE_NOW_S. */
#ifndef REPORT_FIXTURE_H
#define REPORT_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "tw_report.h"

#define FIXTURE_NOW_S 1700000000LL

static inline tw_report fixture_report(const char *id, const char *run, uint64_t seq,
                                       uint64_t packets)
{
    tw_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.antenna_id, sizeof r.antenna_id, "%s", id);
    snprintf(r.run, sizeof r.run, "%s", run);
    r.seq = seq;
    r.timestamp = FIXTURE_NOW_S;
    r.packets = packets;
    r.loss = packets / 10;
    r.latency_ms = 5;
    return r;
}

#endif
