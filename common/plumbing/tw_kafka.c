/* librdkafka configuration and logging; see tw_kafka.h. */
#include "tw_kafka.h"

#include <stdio.h>

#include "tw_log.h"
#include "tw_status.h"

#define SYSLOG_ERR 3
#define SYSLOG_WARNING 4
#define SYSLOG_INFO 6

/* librdkafka logs with syslog levels from its own threads; tw_log writes whole lines. */
static void log_line(const rd_kafka_t *rk, int level, const char *facility, const char *text)
{
    tw_log_level ours = level <= SYSLOG_ERR       ? TW_LOG_ERROR
                        : level <= SYSLOG_WARNING ? TW_LOG_WARN
                        : level <= SYSLOG_INFO    ? TW_LOG_INFO
                                                  : TW_LOG_DEBUG;
    tw_log_write(ours, "librdkafka", TW_STR("client", rd_kafka_name(rk)),
                 TW_STR("facility", facility), TW_STR("detail", text), TW_LF_END);
}

static int tw_kafka_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err,
                        size_t err_size)
{
    char why[256];
    if (rd_kafka_conf_set(conf, name, value, why, sizeof why) == RD_KAFKA_CONF_OK)
        return TW_OK;
    snprintf(err, err_size, "kafka setting %s=%s: %s", name, value, why);
    return TW_ERR;
}

rd_kafka_conf_t *tw_kafka_conf_new(const char *brokers, const char *client_id,
                                   const tw_kafka_setting *settings, size_t n, char *err,
                                   size_t err_size)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, log_line);
    int status = tw_kafka_set(conf, "client.id", client_id, err, err_size);
    if (brokers && status == TW_OK)
        status = tw_kafka_set(conf, "bootstrap.servers", brokers, err, err_size);
    for (size_t i = 0; i < n && status == TW_OK; i++)
        status = tw_kafka_set(conf, settings[i].name, settings[i].value, err, err_size);
    if (status != TW_OK) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}
