"""The dashboard page tells the truth, in Debian's chromium (playwright-core) against a
real local stack: records/s over the time the data covers in its first minute, reporting
and offline antennas that add up, the pipeline shown degraded (not the antennas offline)
while Redis is away, keyboard focus kept across redraws and inside the detail view, chart
axes with distinct round ticks, the window kept in the address.
tests/browser/dashboard_truth.mjs checks the page; this driver starts the stack with one
burst of reports and performs the steps it asks for (stop Redis, start it again)."""
from conftest import free_port
from dashboard_stack import (run_browser_script, simulate, start_analytics, start_dashboard,
                             wait_records)

ANTENNAS = 4
RECORDS = 40


def test_dashboard_tells_the_truth(spawn, redis_server):
    analytics_port = free_port()
    start_analytics(spawn, redis_server, analytics_port)
    dash = start_dashboard(spawn, f"127.0.0.1:{analytics_port}")
    simulate(spawn, redis_server, ANTENNAS, RECORDS, seed=5)
    wait_records(analytics_port, RECORDS)
    entries = redis_server.client().xrange("antenna_stream", "-", "+")
    first_report_s = min(int(fields["timestamp"]) for _, fields in entries)
    assert len(entries) == RECORDS
    config = {"url": f"http://127.0.0.1:{dash.port}", "analytics": f"127.0.0.1:{analytics_port}",
              "antennas": ANTENNAS, "records": RECORDS, "firstReportS": first_report_s}
    actions = {"STOP-REDIS": redis_server.stop, "START-REDIS": redis_server.start}
    run_browser_script("dashboard_truth.mjs", config, actions)
