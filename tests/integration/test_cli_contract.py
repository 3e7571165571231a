"""What every binary promises: --help, exit 2 on bad flags, JSON logs, clean SIGTERM, and
HTTP services with /healthz, /readyz and promtool-clean /metrics."""
import json
import subprocess

import pytest

from conftest import binary, free_port, http_get
from pipeline import run_simulator, start_analytics, wait_drained

SERVICES = ["simulator", "analytics"]


@pytest.mark.parametrize("name", SERVICES)
def test_help_lists_flags_env_and_defaults(name):
    out = subprocess.run([binary(name), "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0
    assert "--port" in out.stdout and "env PORT" in out.stdout and "REDIS_URL" in out.stdout


@pytest.mark.parametrize("name,args", [(n, a) for n in SERVICES for a in (
    ["--no-such-flag"], ["--port", "70000"], ["--port", "12x"], ["--port", " 80"],
    ["--port", "+80"], ["--port", "080"], ["--redis-url", "http://x"], ["stray"])])
def test_bad_flag_or_value_exits_2_with_one_line(name, args):
    out = subprocess.run([binary(name), *args], capture_output=True, text=True, timeout=10)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith(name)


def test_bad_environment_value_exits_2():
    out = subprocess.run([binary("analytics")], env={"PORT": "abc"}, capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 2 and "PORT" in out.stderr


def test_logs_are_json_lines_and_sigterm_exits_0(spawn, redis_server):
    analytics = start_analytics(spawn, redis_server)
    assert analytics.stop() == 0
    records = analytics.log_records()
    assert records and all({"ts", "level", "svc", "msg"} <= set(r) for r in records)
    assert {r["svc"] for r in records} == {"analytics"}
    assert all(line.startswith("{") for line in analytics.logs().splitlines())


def test_simulator_serves_health_and_metrics(spawn, redis_server, tmp_path):
    port = free_port()
    sim = spawn("simulator", ["--port", str(port), "--listen", "127.0.0.1", "--antennas", "2",
                              "--interval", "0.05"], {"REDIS_URL": redis_server.url("simulator")})
    sim.wait_ready(port)
    assert http_get(port, "/healthz") == (200, {"status": "ok"})
    metrics = http_get(port, "/metrics")[1]
    assert "simulator_reports_sent_total" in metrics and "process_cpu_seconds_total" in metrics
    promtool_check(metrics, tmp_path)
    assert sim.stop() == 0


def test_analytics_metrics_pass_promtool(spawn, redis_server, tmp_path):
    run_simulator(spawn, redis_server, ["--antennas", "2", "--rate", "0", "--count", "100"])
    analytics = start_analytics(spawn, redis_server)
    wait_drained(analytics.port, 100)
    http_get(analytics.port, "/api/v1/summary?window=bad")
    metrics = http_get(analytics.port, "/metrics")[1]
    for name in ("analytics_records_total 100", "analytics_consumer_lag 0",
                 "analytics_ring_occupancy", "analytics_processing_delay_seconds_bucket",
                 'http_requests_total{route="summary",code="400"} 1', "process_open_fds"):
        assert name in metrics
    promtool_check(metrics, tmp_path)


def test_http_bad_input(spawn, redis_server):
    analytics = start_analytics(spawn, redis_server)
    port = analytics.port
    assert http_get(port, "/nope")[0] == 404
    assert http_get(port, "/api/v1/antennas/unknown-antenna")[0] == 404
    for query in ("window=61", "window=-1", "window=abc", "window=", "window=99999999999999999999",
                  "window=%2B60", "window=+60", "window=060", "window=%2060", "window=60%00"):
        status, body = http_get(port, f"/api/v1/summary?{query}")
        assert status == 400 and "window" in body["error"]
    assert http_get(port, "/api/v1/antennas?sort=bogus")[0] == 400
    assert http_get(port, "/api/v1/antennas?limit=0")[0] == 400
    assert http_get(port, "/api/v1/antennas/bad%20id")[0] == 400
    big = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                          "X-Big: " + "a" * 20000, f"http://127.0.0.1:{port}/healthz"],
                         capture_output=True, text=True, timeout=10).stdout
    assert big == "400"  # civetweb refuses headers over max_request_size
    post = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                           f"http://127.0.0.1:{port}/api/v1/summary"],
                          capture_output=True, text=True, timeout=10).stdout
    assert post == "405"
    assert http_get(port, "/healthz")[0] == 200  # still serving


def promtool_check(metrics, tmp_path):
    path = tmp_path / "metrics.txt"
    path.write_text(metrics)
    out = subprocess.run(["promtool", "check", "metrics"], stdin=open(path), capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr


def test_antenna_id_length_boundaries(spawn, redis_server):
    longest = "a" * 64
    run_simulator(spawn, redis_server, ["--antenna-id", longest, "--rate", "0", "--count", "1"])
    assert redis_server.client().xrange("antenna_stream")[0][1]["antenna_id"] == longest
    out = subprocess.run([binary("simulator"), "--antenna-id", "a" * 63, "--antennas", "2",
                          "--port", "0"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 2 and "is not [A-Za-z0-9._-]{1,64}" in out.stderr
