# simulator: antennas that XADD reports to the Redis stream.
$(eval $(call tw_service,simulator,simulator))
