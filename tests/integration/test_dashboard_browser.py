"""The dashboard page in Debian's chromium (playwright-core) against a real local stack:
redis-server, simulator, analytics and dashboard on loopback. tests/browser/dashboard.mjs
checks the page; this driver starts the stack and performs the steps it asks for (stop
analytics, start it again, stop the dashboard), each answered on its stdin."""
import json
import selectors
import subprocess
import time

import pytest

from conftest import BUILD, REPO, free_port
from dashboard_stack import (simulate, start_analytics, start_dashboard, stream_truth,
                             wait_records)

ANTENNAS = 6
RECORDS = 600
SCRIPT_TIMEOUT_S = 180.0
# Written under the build directory; docs/screenshot-dashboard.png is a copy of it, refreshed
# by hand when the page changes, so a test run never edits tracked files.
SCREENSHOT = BUILD / "screenshot-dashboard.png"


def read_line(proc, deadline):
    """One line of the script's stdout before the deadline ('' at end of output)."""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                pytest.fail("browser script timed out")
            if sel.select(timeout=left):
                return proc.stdout.readline()


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
    proc = subprocess.Popen(["node", str(REPO / "tests/browser/dashboard.mjs"), json.dumps(config)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, bufsize=1)
    deadline = time.monotonic() + SCRIPT_TIMEOUT_S
    output = []
    while True:
        line = read_line(proc, deadline)
        if not line:
            break
        output.append(line)
        if line.startswith("STEP "):
            actions[line.split()[1]]()
            proc.stdin.write("done\n")
            proc.stdin.flush()
    code = proc.wait(timeout=10)
    assert code == 0, "".join(output) + proc.stderr.read()
    assert output[-1].strip() == "PASS"
    assert [l.split()[1] for l in output if l.startswith("STEP ")] == list(actions)
    assert SCREENSHOT.stat().st_size > 0
