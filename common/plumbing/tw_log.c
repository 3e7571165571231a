/* JSON-lines logger. Each line is built in a local buffer and written with one
 * write(2), so lines from different threads never interleave. A line written while the
 * thread has correlation ids (the tracer's current span) carries them as trace_id and
 * span_id. */
#include "tw_log.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tw_buf.h"
#include "tw_status.h"
#include "tw_time.h"

#define LOG_LINE_MAX_BYTES 4096

static const char *log_service = "towerwatch";
static tw_log_level log_min_level = TW_LOG_INFO;

static const char *level_names[] = {"debug", "info", "warn", "error"};

/* This thread's correlation ids (borrowed, see tw_log_set_span_ids). */
typedef struct {
    const unsigned char *trace_id; /* trace id bytes, NULL for none */
    size_t trace_len;              /* bytes in trace_id */
    const unsigned char *span_id;  /* span id bytes */
    size_t span_len;               /* bytes in span_id */
} span_ids;

static _Thread_local span_ids thread_ids;

void tw_log_set_span_ids(const unsigned char *trace_id, size_t trace_len,
                         const unsigned char *span_id, size_t span_len)
{
    thread_ids = (span_ids){trace_id, trace_len, span_id, span_len};
}

void tw_log_init(const char *service, tw_log_level min_level)
{
    log_service = service;
    log_min_level = min_level;
}

int tw_log_level_parse(const char *text, tw_log_level *out)
{
    for (int i = TW_LOG_DEBUG; i <= TW_LOG_ERROR; i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *out = (tw_log_level)i;
            return TW_OK;
        }
    }
    return TW_INVALID;
}

void tw_log_start(const char *service, const char *level_text)
{
    tw_log_level level = TW_LOG_INFO;
    tw_log_level_parse(level_text, &level);
    tw_log_init(service, level);
}

static void append_field(tw_buf *line, int type, const char *key, va_list *args)
{
    tw_buf_puts(line, ",");
    tw_buf_json_string(line, key);
    tw_buf_puts(line, ":");
    if (type == TW_LF_STR) {
        const char *value = va_arg(*args, const char *);
        if (value)
            tw_buf_json_string(line, value);
        else
            tw_buf_puts(line, "null");
    } else if (type == TW_LF_INT) {
        tw_buf_printf(line, "%lld", (long long)va_arg(*args, int64_t));
    } else {
        double value = va_arg(*args, double);
        if (isfinite(value))
            tw_buf_printf(line, "%.17g", value);
        else
            tw_buf_puts(line, "null");
    }
}

static void append_span_ids(tw_buf *line)
{
    if (!thread_ids.trace_id)
        return;
    tw_buf_puts(line, ",\"trace_id\":\"");
    tw_buf_hex(line, thread_ids.trace_id, thread_ids.trace_len);
    tw_buf_puts(line, "\",\"span_id\":\"");
    tw_buf_hex(line, thread_ids.span_id, thread_ids.span_len);
    tw_buf_puts(line, "\"");
}

void tw_log_write(tw_log_level level, const char *msg, ...)
{
    if (level < log_min_level)
        return;
    char storage[LOG_LINE_MAX_BYTES];
    tw_buf line;
    tw_buf_init_fixed(&line, storage, sizeof storage);
    char ts[40];
    tw_format_rfc3339(tw_wall_us(), ts, sizeof ts);
    tw_buf_printf(&line, "{\"ts\":\"%s\",\"level\":\"%s\",\"svc\":", ts, level_names[level]);
    tw_buf_json_string(&line, log_service);
    tw_buf_puts(&line, ",\"msg\":");
    tw_buf_json_string(&line, msg);
    append_span_ids(&line);
    va_list args;
    va_start(args, msg);
    for (int type = va_arg(args, int); type != TW_LF_END; type = va_arg(args, int))
        append_field(&line, type, va_arg(args, const char *), &args);
    va_end(args);
    tw_buf_puts(&line, "}\n");
    ssize_t ignored = write(STDERR_FILENO, line.data, line.len);
    (void)ignored;
}
