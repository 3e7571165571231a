# analytics: consumer-group reader -> SPSC ring -> aggregator, JSON API and metrics.
$(eval $(call tw_service,analytics,analytics))
