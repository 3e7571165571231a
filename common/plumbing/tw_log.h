/* Structured logging: one JSON object per line on stderr with ts, level, svc, msg and
 * typed fields, so log pipelines never have to parse free text.
 *
 *   tw_log_info("redis connected", TW_STR("host", host), TW_INT("port", port));
 *
 * While the thread has correlation ids (tw_log_set_span_ids: the tracer sets its current
 * span's), lines carry them as trace_id and span_id. The logger depends on no other module
 * but buffers and clocks, so every module may log.
 */
#ifndef TW_LOG_H
#define TW_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef enum { TW_LOG_DEBUG, TW_LOG_INFO, TW_LOG_WARN, TW_LOG_ERROR } tw_log_level;

/* Field type tags that precede each key/value pair in the variadic list. */
enum { TW_LF_END = 0, TW_LF_STR, TW_LF_INT, TW_LF_DBL };

#define TW_STR(key, value) TW_LF_STR, (const char *)(key), (const char *)(value)
#define TW_INT(key, value) TW_LF_INT, (const char *)(key), (int64_t)(value)
#define TW_DBL(key, value) TW_LF_DBL, (const char *)(key), (double)(value)

/* The level names tw_log_level_parse accepts, as an option table's choices. */
#define TW_LOG_LEVELS "debug|info|warn|error"
/* The --log-level / LOG_LEVEL entry of a service's option table (tw_options.h); target is
 * a const char ** that tw_log_start takes. */
#define TW_LOG_LEVEL_OPTION(target)                                                                \
    {                                                                                              \
        "log-level", "LOG_LEVEL", TW_OPT_STR, "info", "lowest log level printed: " TW_LOG_LEVELS,  \
            (target), 0, 0, TW_LOG_LEVELS                                                          \
    }

/* Sets the service name written as "svc" and the lowest level printed. */
void tw_log_init(const char *service, tw_log_level min_level);
/* Parses "debug|info|warn|error"; returns TW_OK or TW_INVALID. */
int tw_log_level_parse(const char *text, tw_log_level *out);
/* tw_log_init with the level named by level_text (info when it names none: the services'
 * options have already refused such a value). */
void tw_log_start(const char *service, const char *level_text);
/* Makes this thread's lines carry trace_id and span_id as hex (trace_len and span_len
 * bytes), until called again; NULL trace_id clears them. The bytes must stay valid meanwhile. */
void tw_log_set_span_ids(const unsigned char *trace_id, size_t trace_len,
                         const unsigned char *span_id, size_t span_len);
/* Writes one line; the variadic list holds TW_STR/TW_INT/TW_DBL fields, ended by TW_LF_END. */
void tw_log_write(tw_log_level level, const char *msg, ...);

#define tw_log_debug(msg, ...) tw_log_write(TW_LOG_DEBUG, msg, ##__VA_ARGS__, TW_LF_END)
#define tw_log_info(msg, ...) tw_log_write(TW_LOG_INFO, msg, ##__VA_ARGS__, TW_LF_END)
#define tw_log_warn(msg, ...) tw_log_write(TW_LOG_WARN, msg, ##__VA_ARGS__, TW_LF_END)
#define tw_log_error(msg, ...) tw_log_write(TW_LOG_ERROR, msg, ##__VA_ARGS__, TW_LF_END)

#endif
