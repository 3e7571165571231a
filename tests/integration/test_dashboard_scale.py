"""The dashboard at network size, in Debian's chromium (tests/browser/dashboard_scale.mjs):
100,000 antennas over two analytics replicas; the page holds one page of rows, pages and
filters through the server, and its summary counts every antenna. The time from opening
the page to its first rows is printed (make bench measures speed)."""
import json
import subprocess

from conftest import REPO, free_port, http_get, wait_until
from dashboard_stack import start_analytics, start_dashboard

ANTENNAS = 100_000
PREFIX = "big"
SCRIPT_TIMEOUT_S = 180


def test_page_at_100k_antennas(spawn, redis_server):
    port = free_port()
    hosts = ("127.0.0.1", "127.0.0.2")
    for i, host in enumerate(hosts):
        start_analytics(spawn, redis_server, port, host, f"scale-{i}")
    sim = spawn("simulator", ["--port", "0", "--antennas", str(ANTENNAS), "--count",
                              str(ANTENNAS), "--rate", "0", "--seed", "5"],
                {"REDIS_URL": redis_server.url("simulator"), "ANTENNA_ID": PREFIX})
    assert sim.wait_exit(180) == 0, sim.logs()

    def drained():
        bodies = [http_get(port, "/api/v1/summary?window=0", host=h)[1] for h in hosts]
        return sum(b["records"] for b in bodies) == ANTENNAS
    wait_until(drained, 240, "the replicas to drain 100k reports", interval_s=0.5)
    dash = start_dashboard(spawn, ",".join(f"{h}:{port}" for h in hosts))

    def merged():
        status, body = http_get(dash.port, "/api/v1/summary?window=0", timeout_s=10)
        return status == 200 and body["antennas"]["active"] == ANTENNAS and \
            body["records"] == ANTENNAS
    wait_until(merged, 120, "the dashboard to merge every antenna", interval_s=0.5)
    status, rows = http_get(dash.port, f"/api/v1/antennas?window=0&q={PREFIX}-4242")
    assert status == 200 and [r["antenna_id"] for r in rows] == [f"{PREFIX}-4242"] + \
        [f"{PREFIX}-4242{d}" for d in range(10)]
    config = {"url": f"http://127.0.0.1:{dash.port}", "antennas": ANTENNAS, "prefix": PREFIX}
    done = subprocess.run(["node", str(REPO / "tests/browser/dashboard_scale.mjs"),
                           json.dumps(config)], capture_output=True, text=True,
                          timeout=SCRIPT_TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "PASS", done.stdout
    first = next(line for line in lines if line.startswith("FIRST-DATA-MS "))
    print(f"\n100k antennas: page to first rows {first.split()[1]} ms")
