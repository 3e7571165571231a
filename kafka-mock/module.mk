# kafka-mock: librdkafka's mock Kafka cluster (the real protocol on loopback) with the
# report topics created, for tests and benchmarks without a Kafka installation.
$(eval $(call tw_service,kafka-mock,kafka-mock,$$(RDKAFKA_LIBS)))
