# dashboard: the page people open, serving the contract's JSON merged over every
# analytics replica. The page's files under dashboard/static are embedded at build time.
$(eval $(call tw_service,dashboard,dashboard))
DASHBOARD_ASSETS := $(wildcard dashboard/static/*.* dashboard/static/vendor/*.*)
$(OBJ)/dashboard/assets.o: $(DASHBOARD_ASSETS)

.PHONY: dashboard-vendor
# Refreshes the vendored chart library from npm (the pinned version in dashboard/package.json).
dashboard-vendor:
	cd dashboard && npm install --no-audit --no-fund --silent
	cp dashboard/node_modules/uplot/dist/uPlot.iife.min.js dashboard/node_modules/uplot/dist/uPlot.min.css dashboard/static/vendor/
	cp dashboard/node_modules/uplot/LICENSE dashboard/static/vendor/uPlot.LICENSE
