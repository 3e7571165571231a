# simulator: antennas that report to the Redis stream (XADD) or a Kafka topic (librdkafka).
$(eval $(call tw_service,simulator,simulator,$$(RDKAFKA_LIBS)))
