"""The dashboard's merged view kept by the replica exchange: after the first full
documents it asks each replica only for what changed, and stays exact (the stream's sums,
per antenna too) through new reports on a few antennas, a replica added, a replica
restarted under its own name (a new state instance: a full resync, the totals never going
backwards meanwhile) and a malformed exchange request. The antenna list pages, orders and
filters on the server. analytics serves exchange documents in bounded memory, however
often it is asked."""
import json
import re
import signal
import socket
import threading
import time
import urllib.request

from conftest import RELEASE_BUILD, free_port, http_get, metric_value, wait_until
from dashboard_stack import (assert_exact, labelled, simulate, start_analytics,
                             start_dashboard, wait_records)
from pipeline import stream_sums

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")


def documents(dash):
    return {k: labelled(dash.port, "dashboard_exchange_documents_total", f'kind="{k}"')
            for k in ("full", "delta")}


def replicas(spawn, redis_server, port, count):
    return [start_analytics(spawn, redis_server, port, h, f"replica-{i}")
            for i, h in enumerate(HOSTS[:count])]


def test_only_what_changed_is_fetched_and_merged(spawn, redis_server):
    port = free_port()
    replicas(spawn, redis_server, port, 2)
    simulate(spawn, redis_server, 300, 3000, seed=11)
    dash = start_dashboard(spawn, f"{HOSTS[0]}:{port},{HOSTS[1]}:{port}",
                           args=["--cache-ms", "100"])
    assert_exact(dash, redis_server)
    # one per replica for window 0 (asked here) and 60 (the chart history), then deltas only
    assert documents(dash)["full"] == 4
    wait_until(lambda: documents(dash)["delta"] >= 4, 15, "delta documents")
    merged_before = metric_value(dash.port, "dashboard_rows_merged_total")
    bytes_before = metric_value(dash.port, "dashboard_exchange_bytes_total")
    deltas_before = documents(dash)["delta"]
    # three antennas report again (a new id prefix: three new rows); nothing else changes
    simulate(spawn, redis_server, 3, 30, seed=12, antenna_id="late")
    expected = assert_exact(dash, redis_server)
    assert len(expected["antennas"]) == 303
    wait_until(lambda: documents(dash)["delta"] >= deltas_before + 4, 15, "more deltas")
    merged = metric_value(dash.port, "dashboard_rows_merged_total") - merged_before
    # each of the three rows merged once per replica document that carried it, per window
    assert 3 <= merged <= 3 * 2 * 2
    sent = metric_value(dash.port, "dashboard_exchange_bytes_total") - bytes_before
    # the documents that carried three rows (and the empty ones around them) cost a small
    # part of what one full document of 300 rows did (bytes_before: four of them, and more)
    assert 0 < sent < bytes_before / 16
    assert documents(dash)["full"] == 4


def test_a_replica_added_and_one_restarted_stay_exact_and_never_go_back(spawn, redis_server):
    port = free_port()
    first, second = replicas(spawn, redis_server, port, 2)
    simulate(spawn, redis_server, 40, 4000, seed=21)
    dash = start_dashboard(spawn, ",".join(f"{h}:{port}" for h in HOSTS),
                           args=["--cache-ms", "50", "--keep-stale-ms", "30000"])
    assert_exact(dash, redis_server)
    # a third replica joins and takes part of the next records
    start_analytics(spawn, redis_server, port, HOSTS[2], "replica-2")
    seen, stop = [], threading.Event()

    def sample():
        while not stop.is_set():
            try:
                status, body = http_get(dash.port, "/api/v1/summary?window=0", timeout_s=2)
                if status == 200:
                    seen.append(body["records"])
            except OSError:
                pass
            time.sleep(0.05)
    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        writer = spawn("simulator", ["--port", "0", "--antennas", "40", "--rate", "2000",
                                     "--count", "12000", "--seed", "22"],
                       {"REDIS_URL": redis_server.url("simulator"), "ANTENNA_ID": "tower"})
        # the first replica restarts under its own name while records flow: a new state
        # instance, so the dashboard asks it for a full document again
        wait_until(lambda: stream_sums(redis_server.client())["records"] > 7000, 30,
                   "records to flow")
        fulls = documents(dash)["full"]
        assert first.stop() == 0
        wait_until(lambda: any(s["address"] == f"{HOSTS[0]}:{port}" for s in
                               http_get(dash.port, "/api/v1/summary?window=0")[1]
                               ["replicas"]["stale"]), 15, "the restarting replica, stale")
        start_analytics(spawn, redis_server, port, HOSTS[0], "replica-0")
        assert writer.wait_exit(60) == 0, writer.logs()
        assert_exact(dash, redis_server)
        assert documents(dash)["full"] >= fulls + 1
    finally:
        stop.set()
        sampler.join()
    assert seen and all(b >= a for a, b in zip(seen, seen[1:])), \
        "the since-start records went backwards"
    assert second.alive()


def test_list_pages_orders_and_filters_on_the_server(spawn, redis_server):
    port = free_port()
    replicas(spawn, redis_server, port, 2)
    simulate(spawn, redis_server, 25, 2500, seed=31)
    dash = start_dashboard(spawn, f"{HOSTS[0]}:{port},{HOSTS[1]}:{port}")
    expected = assert_exact(dash, redis_server)

    def page(query):
        with urllib.request.urlopen(f"http://127.0.0.1:{dash.port}/api/v1/antennas?{query}",
                                    timeout=5) as resp:
            return int(resp.headers["X-Total-Count"]), [r["antenna_id"] for r in
                                                        json.loads(resp.read())]

    ids = sorted(expected["antennas"])
    rate = {a: v[2] / v[1] for a, v in expected["antennas"].items()}
    by_loss = sorted(ids, key=lambda a: (-rate[a], a))
    assert page("window=0") == (25, ids)
    assert page("window=0&offset=10&limit=5") == (25, ids[10:15])
    assert page("window=0&offset=24&limit=5") == (25, ids[24:])
    assert page("window=0&offset=30&limit=5") == (25, [])
    assert page("window=0&order=desc&limit=3") == (25, ids[::-1][:3])
    assert page("window=0&sort=loss_rate&limit=4") == (25, by_loss[:4])
    assert page("window=0&sort=loss_rate&order=asc&limit=4") == (25, by_loss[::-1][:4])
    assert page("window=0&sort=loss_rate&offset=4&limit=4") == (25, by_loss[4:8])
    matching = [a for a in ids if "-1" in a]
    assert page("window=0&q=-1") == (len(matching), matching)
    assert page("window=0&q=-1&limit=2&offset=1") == (len(matching), matching[1:3])
    assert page("window=0&q=nothing") == (0, [])
    for bad in ("q=a/b", "q=" + "x" * 65, "order=up", "offset=-1", "limit=0", "sort=packets"):
        status, body = http_get(dash.port, f"/api/v1/antennas?window=0&{bad}")
        assert status == 400 and body["error"], bad


def test_exchange_requests_are_validated_and_memory_stays_flat(spawn, redis_server):
    port = free_port()
    # the release build: a sanitizer's allocator keeps freed memory, which is not the
    # service's own footprint
    env = {"REDIS_URL": redis_server.url("analytics"), "CONSUMER_NAME": "flat"}
    analytics = spawn("analytics", ["--port", str(port), "--listen", "127.0.0.1"], env,
                      build=RELEASE_BUILD)
    analytics.wait_ready(port)
    simulate(spawn, redis_server, 5000, 10000, seed=41)
    wait_records(port, 10000)
    for bad in ("since=-1", "since=x", "instance=1.5", "at=9e99", "window=7"):
        status, body = http_get(port, f"/api/v1/exchange?{bad}")
        assert status == 400 and body["error"], bad

    def full_document():
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/exchange?window=0",
                                    timeout=10) as resp:
            assert resp.headers["Content-Type"] == "application/x-towerwatch-exchange"
            return len(resp.read())

    def rss_kib():
        status = open(f"/proc/{analytics.proc.pid}/status").read()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    size = full_document()
    assert size > 5000 * 20
    for _ in range(5):
        full_document()
    settled = rss_kib()
    for _ in range(40):
        assert full_document() == size
        status, _ = http_get(port, "/api/v1/merge?window=0", timeout_s=10)
        assert status == 200
    # every reply holds one chunk at a time: forty more of each leave the footprint where
    # five left it
    assert rss_kib() - settled < 16 * 1024
    # a client that asks and never reads holds only its own place: others are answered
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
    try:
        for sock in idle:
            sock.sendall(b"GET /api/v1/exchange?window=0 HTTP/1.1\r\nHost: x\r\n\r\n")
        status, body = http_get(port, "/api/v1/summary?window=0")
        assert status == 200 and body["records"] == 10000
    finally:
        for sock in idle:
            sock.close()
    assert analytics.alive()
    analytics.proc.send_signal(signal.SIGTERM)
    assert analytics.wait_exit(15) == 0


def burst_behind_dashboard(spawn, redis_server, seed):
    """One analytics and the dashboard, then one burst of 40 reports from 4 antennas."""
    port = free_port()
    start_analytics(spawn, redis_server, port)
    dash = start_dashboard(spawn, f"127.0.0.1:{port}")
    simulate(spawn, redis_server, 4, 40, seed=seed)
    wait_records(dash.port, 40)
    return port, dash


def test_a_replica_without_its_broker_is_reported_and_antennas_turn_unknown(spawn, redis_server):
    port, dash = burst_behind_dashboard(spawn, redis_server, seed=9)

    def summary_when(predicate):
        def seen():
            body = http_get(dash.port, "/api/v1/summary?window=0")[1]
            return body if predicate(body) else None
        return wait_until(seen, 30, "the dashboard's summary", interval_s=0.1)

    body = summary_when(lambda b: b["antennas"]["offline"] == 4)
    assert body["antennas"] == {"active": 4, "offline": 4, "tracked": 4, "reporting": 0,
                                "unknown": 0}
    assert body["replicas"]["not_ready"] == []
    redis_server.stop()
    body = summary_when(lambda b: b["replicas"]["not_ready"])
    assert body["replicas"]["not_ready"] == [{"address": f"127.0.0.1:{port}",
                                              "reason": "redis not connected"}]
    assert body["replicas"]["answered"] == 1 and body["records"] == 40
    assert body["antennas"] == {"active": 4, "offline": 0, "tracked": 4, "reporting": 0,
                                "unknown": 4}
    rows = http_get(dash.port, "/api/v1/antennas?window=0")[1]
    assert [r["status"] for r in rows] == ["unknown"] * 4
    assert metric_value(dash.port, "dashboard_replicas_not_ready") == 1
    assert any(r.get("msg") == "analytics replicas not ready" and r["level"] == "warn"
               for r in dash.log_records())
    redis_server.start()
    body = summary_when(lambda b: not b["replicas"]["not_ready"])
    assert body["antennas"]["offline"] == 4 and body["antennas"]["unknown"] == 0
    assert metric_value(dash.port, "dashboard_replicas_not_ready") == 0


def test_records_per_second_divide_by_the_seconds_the_data_covers(spawn, redis_server):
    port, dash = burst_behind_dashboard(spawn, redis_server, seed=11)
    entries = redis_server.client().xrange("antenna_stream", "-", "+")
    first_s = min(int(fields["timestamp"]) for _, fields in entries)
    for where in (port, dash.port):
        wait_until(lambda: http_get(where, "/api/v1/summary?window=60")[1]["records"] == 40,
                   10, "the burst in the 1-minute window")
        before = int(time.time())
        body = http_get(where, "/api/v1/summary?window=60")[1]
        after = int(time.time())
        span = 40 / body["throughput_rps"]
        assert span == round(span) and span < 60
        # the first report's second to the replica's clock, both included (the dashboard's
        # snapshot may be up to its cache age, under a second, old)
        assert before - 1 <= first_s + span - 1 <= after
