$(eval $(call tw_service,robot-gateway,robot-gateway))
# The control page's files (and the dashboard's stylesheet, its theme) are embedded into
# page.o with .incbin.
$(OBJ)/robot-gateway/page.o: $(wildcard robot-gateway/static/*) dashboard/static/app.css
