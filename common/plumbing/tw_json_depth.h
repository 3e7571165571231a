/* The nesting limit every JSON parser of untrusted input checks before it parses:
 * cJSON recurses once per level (up to 1000), and 1000 levels overflow the small stack of
 * an HTTP worker thread. A scan without recursion measures the depth first. */
#ifndef TW_JSON_DEPTH_H
#define TW_JSON_DEPTH_H

#include <stdbool.h>
#include <stddef.h>

/* Deepest nesting any service accepts: its bodies, configs and messages need a few levels. */
#define TW_JSON_MAX_DEPTH 16

/* True when no array or object in len bytes of text (strings skipped, escapes included)
 * nests deeper than max_depth. Says nothing else about the text being valid JSON. */
bool tw_json_depth_within(const char *text, size_t len, int max_depth);

#endif
