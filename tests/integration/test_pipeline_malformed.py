"""Malformed entries: counted by reason, copied to the dead-letter stream with the reason,
acknowledged, and never in the totals."""
import time

from conftest import http_get
from pipeline import start_analytics, summary, wait_drained, wait_pending_zero

NOW = str(int(time.time()))
GOOD = {"antenna_id": "good", "timestamp": NOW, "packets": "10", "loss": "1", "latency": "5"}
MALFORMED = [
    ("missing_field", {"antenna_id": "a", "timestamp": NOW, "packets": "1", "loss": "0"}),
    ("missing_field", {"garbage": "\x00\xff not a report"}),
    ("not_a_number", dict(GOOD, packets="ten")),
    ("not_a_number", dict(GOOD, latency="12ms")),
    ("not_a_number", dict(GOOD, packets="1.5")),
    ("not_a_number", dict(GOOD, timestamp=" 1")),
    ("loss_exceeds_packets", dict(GOOD, packets="3", loss="4")),
    ("negative", dict(GOOD, loss="-1")),
    ("negative", dict(GOOD, latency="-0.5")),
    ("not_finite", dict(GOOD, latency="nan")),
    ("not_finite", dict(GOOD, latency="inf")),
    ("overflow", dict(GOOD, packets="99999999999999999999999")),
    ("overflow", dict(GOOD, latency="1e400")),
    ("bad_antenna_id", dict(GOOD, antenna_id="x" * 65)),
    ("bad_antenna_id", dict(GOOD, antenna_id="bad id!")),
    ("bad_antenna_id", dict(GOOD, antenna_id="")),
]


def test_malformed_entries_go_to_the_dlq(spawn, redis_server):
    client = redis_server.client()
    ids = {}
    for reason, fields in MALFORMED:
        ids[client.xadd("antenna_stream", fields)] = reason
    client.xadd("antenna_stream", GOOD)
    analytics = start_analytics(spawn, redis_server)
    body = wait_drained(analytics.port, 1)
    assert (body["records"], body["packets"], body["loss"]) == (1, 10, 1)
    assert body["malformed"] == len(MALFORMED)
    wait_pending_zero(redis_server)
    status, quality = http_get(analytics.port, "/api/v1/quality")
    counts = {}
    for reason, _ in MALFORMED:
        counts[reason] = counts.get(reason, 0) + 1
    assert {k: v for k, v in quality["malformed_by_reason"].items() if v} == counts
    dead = client.xrange("antenna_stream:dlq")
    assert len(dead) == len(MALFORMED)
    assert {fields["source_id"]: fields["reason"] for _, fields in dead} == ids
    first = next(f for _, f in dead if f["reason"] == "not_a_number")
    assert first["f.packets"] == "ten" and first["consumer"] == "analytics-1"
    metrics = http_get(analytics.port, "/metrics")[1]
    assert 'analytics_malformed_total{reason="not_finite"} 2' in metrics


def test_malformed_counts_survive_restart(spawn, redis_server):
    client = redis_server.client()
    client.xadd("antenna_stream", dict(GOOD, packets="x"))
    client.xadd("antenna_stream", GOOD)
    analytics = start_analytics(spawn, redis_server)
    wait_drained(analytics.port, 1)
    assert analytics.stop() == 0
    analytics = start_analytics(spawn, redis_server)
    body = summary(analytics.port)
    assert (body["records"], body["malformed"]) == (1, 1)
    assert len(client.xrange("antenna_stream:dlq")) == 1
