"""Kafka path on librdkafka's mock cluster (3 brokers, the real protocol on loopback):
simulator --broker kafka -> topic -> analytics --broker kafka gives exact totals; Debian's
kcat reads what the simulator wrote; two replicas split the partitions and the
dashboard's merged totals are exact; after kill -9 of one replica the other takes its
partitions (and their checkpointed state) and the totals are still exact."""
import json

from conftest import free_port, http_get, wait_until
from dashboard_stack import start_dashboard, wait_records
from kafka_support import (DLQ_TOPIC, PARTITIONS, kcat_produce, kcat_read, message_fields,
                           metric, run_kafka_simulator, start_kafka_analytics,
                           start_kafka_mock, summary_of, topic_sums, wait_applied,
                           wait_split)

ANTENNAS = 12
RECORDS = 3000
REPORT_FIELDS = {"antenna_id", "timestamp", "packets", "loss", "latency", "seq", "run",
                 "sent_us"}
MALFORMED = [
    ("bad-1", "not json at all"),
    ("bad-2", json.dumps({"antenna_id": "bad-2", "timestamp": "1700000000", "packets": "5"})),
    ("bad-3", json.dumps({"antenna_id": "bad-3", "timestamp": "1700000000", "packets": "5",
                          "loss": "9", "latency": "1.5"})),
    ("bad-4", json.dumps({"antenna_id": "bad-4", "timestamp": 1700000000, "packets": "5",
                          "loss": "1", "latency": "1.5"})),
]
MALFORMED_REASONS = {"missing_field": 3, "loss_exceeds_packets": 1}


def simulate(spawn, bootstrap, count=RECORDS, seed=11, antenna_id="tower"):
    run_kafka_simulator(spawn, bootstrap, ["--antennas", str(ANTENNAS), "--count", str(count),
                                           "--rate", "0", "--seed", str(seed),
                                           "--antenna-id", antenna_id])


def saved_offsets(redis_server):
    """Sum of the checkpointed next offsets per owning consumer (all messages are valid,
    so an offset is the number of records its checkpoint holds)."""
    client = redis_server.client()
    sums = {"kafka-1": 0, "kafka-2": 0}
    for key in client.scan_iter("antenna_stream:ckpt:kafka:analytics:antenna-reports:*"):
        owner, offset = client.hmget(key, "owner", "offset")
        if offset is not None:
            sums[owner.split("/")[0]] += int(offset)
    return sums


def test_kcat_reads_what_the_simulator_wrote(spawn):
    bootstrap = start_kafka_mock(spawn)
    simulate(spawn, bootstrap)
    messages = kcat_read(bootstrap)
    assert len(messages) == RECORDS
    partition_of = {}
    last_seq = {}
    for message in sorted(messages, key=lambda m: (m["partition"], m["offset"])):
        fields = json.loads(message["value"])
        assert set(fields) == REPORT_FIELDS
        assert all(isinstance(v, str) for v in fields.values())
        assert message["key"] == fields["antenna_id"]
        # one antenna, one partition, in order
        assert partition_of.setdefault(message["key"], message["partition"]) == message["partition"]
        seq = int(fields["seq"])
        assert seq == last_seq.get(message["key"], 0) + 1
        last_seq[message["key"]] = seq
    assert len(partition_of) == ANTENNAS
    assert sum(last_seq.values()) == RECORDS


def test_totals_are_exact_and_malformed_go_to_the_dead_letter_topic(spawn, redis_server):
    bootstrap = start_kafka_mock(spawn)
    analytics = start_kafka_analytics(spawn, redis_server, bootstrap, "kafka-1")
    simulate(spawn, bootstrap)
    kcat_produce(bootstrap, MALFORMED)
    truth = topic_sums(bootstrap)
    assert truth["records"] == RECORDS and truth["malformed"] == len(MALFORMED)
    body = wait_applied([analytics], RECORDS, len(MALFORMED))[0]
    assert (body["packets"], body["loss"]) == (truth["packets"], truth["loss"])
    assert body["antennas"]["active"] == ANTENNAS
    status, quality = http_get(analytics.port, "/api/v1/quality")
    assert status == 200
    assert {k: v for k, v in quality["malformed_by_reason"].items() if v} == MALFORMED_REASONS
    for antenna, (records, packets, loss) in truth["antennas"].items():
        status, row = http_get(analytics.port, f"/api/v1/antennas/{antenna}?window=0")
        assert status == 200 and (row["records"], row["packets"], row["loss"]) == (records, packets, loss)

    def dead_letters():
        found = kcat_read(bootstrap, DLQ_TOPIC)
        return found if len(found) == len(MALFORMED) else None
    letters = wait_until(dead_letters, 20, "dead letters on the DLQ topic")
    assert sorted((m["key"], m["value"]) for m in letters) == sorted(MALFORMED)
    for letter in letters:
        headers = dict(h.split("=", 1) for h in letter["headers"].split(","))
        assert headers["source_topic"] == "antenna-reports" and headers["consumer"] == "kafka-1"
        assert headers["reason"] in MALFORMED_REASONS
    # a restart resumes from the partition checkpoints: nothing is counted twice
    analytics.stop()
    again = start_kafka_analytics(spawn, redis_server, bootstrap, "kafka-1")
    simulate(spawn, bootstrap, count=600, seed=12, antenna_id="second")
    truth = topic_sums(bootstrap)
    body = wait_applied([again], truth["records"], len(MALFORMED))[0]
    assert (body["packets"], body["loss"]) == (truth["packets"], truth["loss"])
    assert len(kcat_read(bootstrap, DLQ_TOPIC)) == len(MALFORMED)


def test_two_replicas_split_partitions_and_the_dashboard_merge_is_exact(spawn, redis_server):
    bootstrap = start_kafka_mock(spawn)
    port = free_port()
    first = start_kafka_analytics(spawn, redis_server, bootstrap, "kafka-1", port=port)
    second = start_kafka_analytics(spawn, redis_server, bootstrap, "kafka-2", port=port,
                                   host="127.0.0.2")
    wait_split([first, second])
    simulate(spawn, bootstrap)
    truth = topic_sums(bootstrap)
    parts = wait_applied([first, second], RECORDS)
    assert all(p["records"] > 0 for p in parts)
    assert sum(p["packets"] for p in parts) == truth["packets"]
    dash = start_dashboard(spawn, f"127.0.0.1:{port},127.0.0.2:{port}")
    merged = wait_records(dash.port, RECORDS)
    assert (merged["packets"], merged["loss"]) == (truth["packets"], truth["loss"])
    assert merged["antennas"]["active"] == ANTENNAS
    assert merged["replicas"] == {"expected": 2, "answered": 2, "down": [], "stale": [],
                                  "not_ready": []}
    status, rows = http_get(dash.port, "/api/v1/antennas?window=0&sort=antenna_id")
    assert status == 200
    assert {r["antenna_id"]: [r["records"], r["packets"], r["loss"]] for r in rows} == truth["antennas"]


def test_kill9_moves_partitions_and_their_state_to_the_survivor(spawn, redis_server):
    bootstrap = start_kafka_mock(spawn)
    survivor = start_kafka_analytics(spawn, redis_server, bootstrap, "kafka-1")
    # the victim checkpoints every 173 records only: at the kill it has applied records
    # that no checkpoint holds, which the survivor must apply again, exactly once
    victim = start_kafka_analytics(spawn, redis_server, bootstrap, "kafka-2",
                                   args=["--checkpoint-ms", "600000", "--checkpoint-records", "173"])
    wait_split([survivor, victim])
    simulate(spawn, bootstrap)
    wait_applied([survivor, victim], RECORDS)
    applied = {"kafka-1": summary_of(survivor)["records"], "kafka-2": summary_of(victim)["records"]}
    wait_until(lambda: saved_offsets(redis_server)["kafka-1"] == applied["kafka-1"], 10,
               "the survivor's checkpoints to cover what it applied")
    assert saved_offsets(redis_server)["kafka-2"] < applied["kafka-2"]
    victim.kill9()
    simulate(spawn, bootstrap, count=900, seed=13, antenna_id="late")
    truth = topic_sums(bootstrap)
    wait_until(lambda: metric(survivor, "analytics_kafka_partitions") == PARTITIONS, 40,
               "the survivor to take every partition")
    body = wait_applied([survivor], truth["records"])[0]
    assert (body["packets"], body["loss"]) == (truth["packets"], truth["loss"])
    status, rows = http_get(survivor.port, "/api/v1/antennas?window=0&sort=antenna_id")
    assert {r["antenna_id"]: [r["records"], r["packets"], r["loss"]] for r in rows} == truth["antennas"]
