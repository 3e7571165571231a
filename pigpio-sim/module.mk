$(eval $(call tw_service,pigpio-sim,pigpio-sim))
