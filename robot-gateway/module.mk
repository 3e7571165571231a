$(eval $(call tw_service,robot-gateway,robot-gateway))
# The control page's files are embedded into page.o with .incbin.
$(OBJ)/robot-gateway/page.o: $(wildcard robot-gateway/static/*)
