"""Simulated antennas -> Redis stream -> analytics: totals equal the stream's sums."""
import time

import pytest

from conftest import http_get
from pipeline import (run_simulator, start_analytics, stream_sums, summary, wait_drained,
                      wait_pending_zero)


def test_totals_equal_stream_sums(spawn, redis_server):
    run_simulator(spawn, redis_server, ["--antennas", "7", "--rate", "0", "--count", "21000",
                                        "--seed", "42", "--antenna-id", "tower"])
    expected = stream_sums(redis_server.client())
    assert expected["records"] == 21000
    analytics = start_analytics(spawn, redis_server)
    body = wait_drained(analytics.port, 21000)
    assert (body["packets"], body["loss"]) == (expected["packets"], expected["loss"])
    assert body["delivered"] == expected["packets"] - expected["loss"]
    assert body["success_rate"] == pytest.approx(
        (expected["packets"] - expected["loss"]) / expected["packets"], rel=1e-12)
    assert body["antennas"] == {"active": 7, "offline": 0}
    assert body["malformed"] == 0
    status, rows = http_get(analytics.port, "/api/v1/antennas?sort=antenna_id")
    assert status == 200
    assert [r["antenna_id"] for r in rows] == [f"tower-{i}" for i in range(7)]
    for row in rows:
        assert [row["records"], row["packets"], row["loss"]] == expected["antennas"][row["antenna_id"]]
    wait_pending_zero(redis_server)


def test_antenna_ids_and_record_fields(spawn, redis_server):
    run_simulator(spawn, redis_server, ["--antennas", "3", "--rate", "0", "--count", "9",
                                        "--antenna-id", "cell.a"])
    entries = redis_server.client().xrange("antenna_stream")
    assert len(entries) == 9
    ids = [fields["antenna_id"] for _, fields in entries]
    assert sorted(set(ids)) == ["cell.a-0", "cell.a-1", "cell.a-2"]
    for _, fields in entries:
        assert set(fields) == {"antenna_id", "timestamp", "packets", "loss", "latency", "seq",
                               "run", "sent_us"}
        assert int(fields["loss"]) <= int(fields["packets"])
        assert abs(int(fields["timestamp"]) - time.time()) < 120
    assert [int(f["seq"]) for _, f in entries if f["antenna_id"] == "cell.a-1"] == [1, 2, 3]


def test_same_seed_same_values(spawn, redis_server):
    for _ in range(2):
        run_simulator(spawn, redis_server, ["--antennas", "2", "--rate", "0", "--count", "50",
                                            "--seed", "99"])
    entries = redis_server.client().xrange("antenna_stream")
    first, second = entries[:50], entries[50:]
    values = lambda batch: [(f["antenna_id"], f["packets"], f["loss"], f["latency"]) for _, f in batch]
    assert values(first) == values(second)
    assert first[0][1]["run"] != second[0][1]["run"]


def test_original_five_field_records_are_accepted(spawn, redis_server):
    client = redis_server.client()
    now = int(time.time())
    rows = [("legacy-a", 100, 3, "12.5"), ("legacy-a", 200, 0, "7"), ("legacy-b", 50, 50, "0")]
    for antenna, packets, loss, latency in rows:
        client.xadd("antenna_stream", {"antenna_id": antenna, "timestamp": now,
                                       "packets": packets, "loss": loss, "latency": latency})
    analytics = start_analytics(spawn, redis_server)
    body = wait_drained(analytics.port, 3)
    assert (body["packets"], body["loss"], body["delivered"]) == (350, 53, 297)
    assert body["latency_ms"]["max"] == 12.5
    assert body["latency_ms"]["p50"] == pytest.approx(7, rel=0.01)
    status, row = http_get(analytics.port, "/api/v1/antennas/legacy-b")
    assert status == 200 and row["success_rate"] == 0 and row["status"] == "degraded"


def test_windows_count_only_recent_records(spawn, redis_server):
    client = redis_server.client()
    now = int(time.time())
    for age_s, packets in ((5, 10), (100, 20), (400, 40), (5000, 80)):
        client.xadd("antenna_stream", {"antenna_id": "w", "timestamp": now - age_s,
                                       "packets": packets, "loss": 0, "latency": 1})
    analytics = start_analytics(spawn, redis_server)
    wait_drained(analytics.port, 4)
    assert [summary(analytics.port, w)["packets"] for w in (60, 300, 900, 0)] == [10, 30, 70, 150]
    assert summary(analytics.port, 60)["throughput_rps"] == pytest.approx(1 / 60)
