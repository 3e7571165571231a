# analytics: Redis or Kafka consumer-group reader -> SPSC ring -> aggregator, JSON API and metrics.
$(eval $(call tw_service,analytics,analytics,$(RDKAFKA_LIBS)))
