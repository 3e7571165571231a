"""Helpers for the dashboard tests, on top of the pipeline helpers: analytics replicas on
chosen loopback addresses, the dashboard itself, the stream's latencies for exact
quantiles, and the driver of a browser script's steps."""
import json
import re
import selectors
import subprocess
import time

import pytest

from conftest import REPO, free_port, http_get, wait_until
from pipeline import stream_sums, valid_record

DRAIN_TIMEOUT_S = 60.0
BROWSER_SCRIPT_TIMEOUT_S = 180.0


def start_analytics(spawn, redis_server, port, host="127.0.0.1", name="analytics-1",
                    group=None):
    """analytics on host:port (replicas share a port on different loopback addresses)."""
    env = {"REDIS_URL": redis_server.url("analytics"), "CONSUMER_NAME": name}
    if group:
        env["CONSUMER_GROUP"] = group
    proc = spawn("analytics", ["--port", str(port), "--listen", host], env)
    return proc.wait_ready(port, host=host)


def simulate(spawn, redis_server, antennas, count, seed, antenna_id="tower"):
    """Runs the simulator to completion; antenna ids <antenna_id>-0 ... -(antennas-1)."""
    proc = spawn("simulator", ["--port", "0", "--antennas", str(antennas), "--count", str(count),
                               "--rate", "0", "--seed", str(seed)],
                 {"REDIS_URL": redis_server.url("simulator"), "ANTENNA_ID": antenna_id})
    assert proc.wait_exit(120) == 0, proc.logs()


def stream_truth(redis_server):
    """The pipeline's exact sums plus the sorted latencies and the antenna ids."""
    client = redis_server.client()
    truth = stream_sums(client)
    parsed = (valid_record(f) for _, f in client.xrange("antenna_stream", "-", "+"))
    truth["latencies"] = sorted(p[3] for p in parsed if p)
    truth["antenna_ids"] = sorted(truth["antennas"])
    return truth


def exact_quantile(sorted_values, q):
    """The sketch's definition: the value of rank floor(q * (n - 1))."""
    return sorted_values[int(q * (len(sorted_values) - 1))]


def start_dashboard(spawn, analytics_addr, port=None, args=(), prefix=()):
    """Starts the dashboard (through prefix, see spawn) and waits until it answers /healthz
    (readiness needs analytics)."""
    port = port or free_port()
    proc = spawn("dashboard", ["--port", str(port), "--listen", "127.0.0.1", *args],
                 {"ANALYTICS_ADDR": analytics_addr}, prefix=prefix)

    def healthy():
        assert proc.alive(), proc.logs()
        try:
            return http_get(port, "/healthz", timeout_s=1)[0] == 200
        except OSError:
            return False

    wait_until(healthy, 15, "dashboard /healthz")
    proc.port = port
    return proc


def wait_records(port, records, host="127.0.0.1"):
    """Waits until the window=0 summary at host:port counts exactly `records`; returns it."""
    def drained():
        try:
            status, body = http_get(port, "/api/v1/summary?window=0", host=host, timeout_s=2)
        except OSError:
            return None
        return body if status == 200 and body["records"] == records else None

    return wait_until(drained, DRAIN_TIMEOUT_S, f"{records} records on {host}:{port}",
                      interval_s=0.1)


def wait_replicas(port, answered):
    """Waits until the dashboard's summary reports `answered` replicas; returns it."""
    def seen():
        body = http_get(port, "/api/v1/summary?window=0", timeout_s=3)[1]
        replicas = body.get("replicas", {}) if isinstance(body, dict) else {}
        return body if replicas.get("answered") == answered else None

    return wait_until(seen, 15, f"{answered} replicas answering", interval_s=0.1)


def assert_exact(dash, redis_server):
    """The dashboard's since-start totals and rows equal the stream's sums; returns them."""
    expected = stream_sums(redis_server.client())
    merged = wait_records(dash.port, expected["records"])
    assert (merged["packets"], merged["loss"]) == (expected["packets"], expected["loss"])

    def rows_equal():
        status, rows = http_get(dash.port, "/api/v1/antennas?window=0&sort=antenna_id")
        got = {r["antenna_id"]: [r["records"], r["packets"], r["loss"]] for r in rows}
        return status == 200 and got == expected["antennas"]
    wait_until(rows_equal, 15, "every antenna's row to equal the stream's sums")
    return expected


def labelled(port, name, labels):
    """The value of one labelled series on a service's /metrics, 0 when absent."""
    status, text = http_get(port, "/metrics")
    assert status == 200
    found = re.search(rf"^{re.escape(name)}\{{{re.escape(labels)}\}} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


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


def run_browser_script(script, config, actions):
    """Runs tests/browser/<script> with config, performing each STEP it prints (actions:
    name -> callable, each asked for once, in order) and answering "done"; asserts that it
    ends with PASS."""
    proc = subprocess.Popen(["node", str(REPO / "tests/browser" / script), json.dumps(config)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, bufsize=1)
    deadline = time.monotonic() + BROWSER_SCRIPT_TIMEOUT_S
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
