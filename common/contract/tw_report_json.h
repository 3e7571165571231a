/* The Kafka message encoding of a report: a JSON object whose members are the stream
 * record's flat fields, every value a JSON string formatted exactly as in the Redis stream
 * (e.g. {"antenna_id":"a-1","timestamp":"1700000000","packets":"120","loss":"3",
 * "latency":"41.250","seq":"7","run":"9f..","sent_us":"1700000000123456"}). Parsing goes
 * through tw_report_parse, so both brokers accept and reject exactly the same records. */
#ifndef TW_REPORT_JSON_H
#define TW_REPORT_JSON_H

#include <stddef.h>

#include "tw_buf.h"
#include "tw_report.h"

/* Appends the report's JSON message value to out. */
void tw_report_json_write(const tw_report *report, tw_buf *out);
/* Parses a message value. Members whose value is not a string are ignored (as non-string
 * stream fields are), so text that is not a JSON object has no fields and is malformed
 * (missing_field). Returns TW_MALFORMED_NONE and fills report, or the reason. */
tw_malformed_reason tw_report_json_parse(tw_report *report, const char *data, size_t len,
                                         int *ignored_optional);

#endif
