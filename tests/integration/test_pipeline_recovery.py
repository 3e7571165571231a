"""Exactly-once effect: kill -9 analytics during a drain, restart, totals still exact;
Redis restarting while the simulator runs loses nothing the queue could hold."""
import random
import time

from conftest import wait_until
from pipeline import (run_simulator, start_analytics, stream_sums, summary, wait_drained,
                      wait_pending_zero)

DRAIN_ENTRIES = 200_000


def test_kill9_three_times_during_drain_keeps_totals_exact(spawn, redis_server):
    run_simulator(spawn, redis_server, ["--antennas", "50", "--rate", "0", "--count",
                                        str(DRAIN_ENTRIES), "--seed", "3", "--antenna-id", "k"],
                  timeout_s=300)
    expected = stream_sums(redis_server.client())
    assert expected["records"] == DRAIN_ENTRIES
    rng = random.Random(11)
    kills = 0
    for _ in range(3):
        analytics = start_analytics(spawn, redis_server, args=["--checkpoint-ms", "50"])
        applied = summary(analytics.port)["records"]
        target = applied + (DRAIN_ENTRIES - applied) // rng.randint(3, 5)
        wait_until(lambda: summary(analytics.port)["records"] >= target, 120,
                   f"analytics to pass {target} records")
        analytics.kill9()
        kills += 1
    assert kills == 3
    analytics = start_analytics(spawn, redis_server)
    body = wait_drained(analytics.port, DRAIN_ENTRIES, timeout_s=240)
    assert (body["records"], body["packets"], body["loss"]) == (
        expected["records"], expected["packets"], expected["loss"])
    wait_pending_zero(redis_server)
    assert summary(analytics.port)["records"] == DRAIN_ENTRIES


def test_redis_restart_during_simulation_loses_nothing(spawn, redis_server):
    count = 3000
    sim = spawn("simulator", ["--port", "0", "--antennas", "3", "--rate", "1000", "--count",
                              str(count), "--queue-size", "10000"],
                {"REDIS_URL": redis_server.url("simulator")})
    client = redis_server.client()
    wait_until(lambda: client.xlen("antenna_stream") >= 500, 30, "the first reports")
    redis_server.stop()
    time.sleep(1.0)
    redis_server.start()
    assert sim.wait_exit(60) == 0, sim.logs()
    logs = sim.logs()
    assert "redis connection lost" in logs or "redis connect failed" in logs
    expected = stream_sums(redis_server.client())
    assert expected["records"] == count
    per_antenna_seqs = {}
    for _, fields in redis_server.client().xrange("antenna_stream"):
        per_antenna_seqs.setdefault(fields["antenna_id"], set()).add(int(fields["seq"]))
    assert {a: len(s) for a, s in per_antenna_seqs.items()} == {
        "antenna-0": 1000, "antenna-1": 1000, "antenna-2": 1000}
    analytics = start_analytics(spawn, redis_server)
    body = wait_drained(analytics.port, count)
    assert (body["packets"], body["loss"]) == (expected["packets"], expected["loss"])


def test_analytics_waits_for_redis_and_reports_not_ready(spawn, redis_server):
    redis_server.stop()
    from conftest import free_port, http_get
    port = free_port()
    analytics = spawn("analytics", ["--port", str(port), "--listen", "127.0.0.1"],
                      {"REDIS_URL": redis_server.url("analytics"), "CONSUMER_NAME": "w"})
    wait_until(lambda: _status(port, "/healthz") == 200, 15, "analytics to answer /healthz")
    assert http_get(port, "/readyz")[0] == 503
    redis_server.start()
    analytics.wait_ready(port, timeout_s=20)


def _status(port, path):
    from conftest import http_get
    try:
        return http_get(port, path, timeout_s=1)[0]
    except OSError:
        return None
