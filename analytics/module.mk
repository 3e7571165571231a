# analytics: the aggregate state (state/, broker-free), the Redis path (redis/: stream
# reader -> SPSC ring -> aggregator thread, checkpoints, adoption), the Kafka path (kafka/:
# per-partition states applied by the consumer itself, no ring), the JSON API and metrics.
$(eval $(call tw_service,analytics,analytics,$$(RDKAFKA_LIBS)))
