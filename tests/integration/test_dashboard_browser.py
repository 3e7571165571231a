"""The dashboard page in Debian's chromium (playwright-core) against a real local stack:
redis-server, simulator, analytics and dashboard on loopback. tests/browser/dashboard.mjs
checks the page; this driver starts the stack and performs the steps it asks for (stop
analytics, start it again, stop the dashboard), each answered on its stdin."""
from conftest import BUILD, free_port
from dashboard_stack import (run_browser_script, simulate, start_analytics, start_dashboard,
                             stream_truth, wait_records)

ANTENNAS = 6
RECORDS = 600
# Written under the build directory; docs/screenshot-dashboard.png is a copy of it, refreshed
# by hand when the page changes, so a test run never edits tracked files.
SCREENSHOT = BUILD / "screenshot-dashboard.png"


def test_dashboard_page(spawn, redis_server):
    analytics_port = free_port()
    analytics = start_analytics(spawn, redis_server, analytics_port)
    simulate(spawn, redis_server, ANTENNAS, RECORDS, seed=3)
    wait_records(analytics_port, RECORDS)
    truth = stream_truth(redis_server)
    dash = start_dashboard(spawn, f"127.0.0.1:{analytics_port}")
    wait_records(dash.port, RECORDS)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    config = {"url": f"http://127.0.0.1:{dash.port}", "analytics": f"http://127.0.0.1:{analytics_port}",
              "antennaIds": truth["antenna_ids"], "packets": truth["packets"],
              "loss": truth["loss"], "screenshot": str(SCREENSHOT)}
    assert len(truth["antenna_ids"]) == ANTENNAS

    def stop_analytics():
        assert analytics.stop() == 0

    def start_again():
        start_analytics(spawn, redis_server, analytics_port)

    def stop_dashboard():
        assert dash.stop() == 0

    actions = {"STOP-ANALYTICS": stop_analytics, "START-ANALYTICS": start_again,
               "STOP-DASHBOARD": stop_dashboard}
    run_browser_script("dashboard.mjs", config, actions)
    assert SCREENSHOT.stat().st_size > 0
