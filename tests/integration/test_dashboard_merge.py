"""dashboard merge over analytics replicas: two replicas sharing one consumer group on one
stream (same port on 127.0.0.1 and 127.0.0.2) -> the dashboard's totals equal the stream's
sums exactly and its percentiles equal a single analytics run over the same data; with
one replica down its last answer is still counted, flagged stale, for --keep-stale-ms, then
the answer is flagged partial and the dashboard keeps serving."""
import pytest

from conftest import free_port, http_get, wait_until
from dashboard_stack import (exact_quantile, simulate, start_analytics, start_dashboard,
                             stream_truth, wait_records, wait_replicas)

ANTENNAS = 5
RECORDS = 2000
SKETCH_RELATIVE_ERROR = 0.01
KEEP_STALE_MS = 3000


@pytest.fixture
def two_replicas(spawn, redis_server):
    port = free_port()
    first = start_analytics(spawn, redis_server, port, "127.0.0.1", "replica-1")
    second = start_analytics(spawn, redis_server, port, "127.0.0.2", "replica-2")
    simulate(spawn, redis_server, ANTENNAS, RECORDS, seed=7)
    dash = start_dashboard(spawn, f"127.0.0.1:{port},127.0.0.2:{port}",
                           args=["--keep-stale-ms", str(KEEP_STALE_MS)])
    merged = wait_records(dash.port, RECORDS)
    return {"port": port, "first": first, "second": second, "dash": dash, "merged": merged}


def test_totals_equal_the_stream_sums(two_replicas, redis_server):
    truth = stream_truth(redis_server)
    merged = two_replicas["merged"]
    assert truth["records"] == RECORDS
    assert merged["records"] == RECORDS
    assert merged["packets"] == truth["packets"]
    assert merged["loss"] == truth["loss"]
    assert merged["delivered"] == truth["packets"] - truth["loss"]
    assert merged["success_rate"] == pytest.approx((truth["packets"] - truth["loss"]) / truth["packets"], rel=1e-12)
    assert merged["antennas"]["active"] == ANTENNAS
    assert merged["replicas"] == {"expected": 2, "answered": 2, "down": [], "stale": [],
                                  "not_ready": []}
    port = two_replicas["port"]
    parts = [http_get(port, "/api/v1/summary?window=0", host=h)[1] for h in ("127.0.0.1", "127.0.0.2")]
    assert sum(p["records"] for p in parts) == RECORDS
    assert sum(p["packets"] for p in parts) == truth["packets"]


def test_antenna_rows_merge_by_id(two_replicas, redis_server):
    truth = stream_truth(redis_server)
    status, rows = http_get(two_replicas["dash"].port, "/api/v1/antennas?window=0&sort=antenna_id")
    assert status == 200
    assert [r["antenna_id"] for r in rows] == truth["antenna_ids"]
    entries = redis_server.client().xrange("antenna_stream", "-", "+")
    for row in rows:
        mine = [f for _, f in entries if f["antenna_id"] == row["antenna_id"]]
        assert row["records"] == len(mine)
        assert row["packets"] == sum(int(f["packets"]) for f in mine)
        assert row["loss"] == sum(int(f["loss"]) for f in mine)
    status, one = http_get(two_replicas["dash"].port, f"/api/v1/antennas/{rows[0]['antenna_id']}?window=0")
    assert status == 200 and one == rows[0]
    assert http_get(two_replicas["dash"].port, "/api/v1/antennas/no-such-antenna")[0] == 404
    status, limited = http_get(two_replicas["dash"].port, "/api/v1/antennas?window=0&sort=loss_rate&limit=2")
    rates = sorted((r["loss"] / r["packets"] for r in rows), reverse=True)
    assert [r["loss"] / r["packets"] for r in limited] == rates[:2]


def test_percentiles_match_a_single_analytics_run(two_replicas, spawn, redis_server):
    truth = stream_truth(redis_server)
    single_port = free_port()
    start_analytics(spawn, redis_server, single_port, "127.0.0.1", "single", group="single-run")
    single = wait_records(single_port, RECORDS)
    merged = two_replicas["merged"]
    for q, name in ((0.5, "p50"), (0.95, "p95"), (0.99, "p99")):
        assert merged["latency_ms"][name] == pytest.approx(single["latency_ms"][name], rel=1e-9)
        exact = exact_quantile(truth["latencies"], q)
        assert merged["latency_ms"][name] == pytest.approx(exact, rel=SKETCH_RELATIVE_ERROR)
    assert merged["latency_ms"]["avg"] == pytest.approx(sum(truth["latencies"]) / RECORDS, rel=1e-9)
    assert merged["latency_ms"]["max"] == pytest.approx(truth["latencies"][-1], rel=1e-9)


def test_one_replica_down_is_flagged_partial(two_replicas):
    port, dash = two_replicas["port"], two_replicas["dash"]
    first_alone = http_get(port, "/api/v1/summary?window=0", host="127.0.0.1")[1]
    assert two_replicas["second"].stop() == 0
    # first counted from its last answer, flagged stale: the totals do not dip
    stale = wait_replicas(dash.port, 1)
    assert stale["replicas"]["down"] == []
    assert [s["address"] for s in stale["replicas"]["stale"]] == [f"127.0.0.2:{port}"]
    assert 0 <= stale["replicas"]["stale"][0]["age_s"] <= KEEP_STALE_MS / 1000
    assert stale["records"] == RECORDS
    # then it is down, and only what answers is counted
    partial = wait_until(lambda: (lambda b: b if b["replicas"]["down"] else None)(
        http_get(dash.port, "/api/v1/summary?window=0")[1]), 15, "the stale replica to go")
    assert partial["replicas"] == {"expected": 2, "answered": 1, "down": [f"127.0.0.2:{port}"],
                                   "stale": [], "not_ready": []}
    assert partial["records"] == first_alone["records"]
    assert partial["packets"] == first_alone["packets"]
    assert http_get(dash.port, "/readyz")[0] == 200
    status, rows = http_get(dash.port, "/api/v1/antennas?window=0")
    assert status == 200
    assert dash.alive()
    assert two_replicas["first"].stop() == 0
    gone = wait_until(lambda: (lambda b: b if len(b["replicas"]["down"]) == 2 else None)(
        http_get(dash.port, "/api/v1/summary?window=0")[1]), 15, "both replicas down")
    assert gone["replicas"]["down"] == [f"127.0.0.1:{port}", f"127.0.0.2:{port}"]
    status, body = http_get(dash.port, "/api/v1/summary?window=0")
    assert status == 503 and body["replicas"]["answered"] == 0
    assert http_get(dash.port, "/readyz")[0] == 503
    assert dash.alive()
