"""Helpers for the Kafka tests: librdkafka's mock cluster (build/bin/kafka-mock), reading
a topic back with Debian's kcat, and starting simulator/analytics with --broker kafka."""
import json
import subprocess

from conftest import free_port, http_get, metric_value, wait_until
from pipeline import record_sums

TOPIC = "antenna-reports"
DLQ_TOPIC = "antenna-reports.dlq"
PARTITIONS = 6
SESSION_TIMEOUT_MS = 3000
KCAT_TIMEOUT_S = 30


def start_kafka_mock(spawn, partitions=PARTITIONS, topic=TOPIC):
    """Starts the 3-broker mock cluster; returns its bootstrap servers."""
    proc = spawn("kafka-mock", ["--partitions", str(partitions), "--topic", topic])

    def bootstrap():
        assert proc.alive(), proc.logs()
        for record in proc.log_records():
            if record.get("msg") == "mock kafka cluster running":
                return record["bootstrap"]
        return None
    return wait_until(bootstrap, 15, "the mock kafka cluster")


def kcat_read(bootstrap, topic=TOPIC):
    """Every message of a topic as dicts: partition, offset, key, headers, value (text)."""
    out = subprocess.run(
        ["kcat", "-b", bootstrap, "-C", "-t", topic, "-e", "-q", "-f",
         "%p\\t%o\\t%k\\t%h\\t%s\\n"],
        capture_output=True, text=True, timeout=KCAT_TIMEOUT_S, check=True).stdout
    messages = []
    for line in out.splitlines():
        partition, offset, key, headers, value = line.split("\t", 4)
        messages.append({"partition": int(partition), "offset": int(offset), "key": key,
                         "headers": headers, "value": value})
    return messages


def kcat_produce(bootstrap, keyed_values, topic=TOPIC):
    """Produces "key<TAB>value" messages with kcat (-K to split key and value)."""
    lines = "".join(f"{key}\t{value}\n" for key, value in keyed_values)
    subprocess.run(["kcat", "-b", bootstrap, "-P", "-t", topic, "-K", "\t"], input=lines,
                   text=True, timeout=KCAT_TIMEOUT_S, check=True)


def message_fields(value):
    """The record fields of a message value, read the way the contract defines them: the
    string members of a JSON object (anything else carries no fields)."""
    try:
        doc = json.loads(value)
    except ValueError:
        return {}
    if not isinstance(doc, dict):
        return {}
    return {name: text for name, text in doc.items() if isinstance(text, str)}


def topic_sums(bootstrap):
    """Exact expected totals over every message of the report topic."""
    return record_sums(message_fields(m["value"]) for m in kcat_read(bootstrap))


def run_kafka_simulator(spawn, bootstrap, args, timeout_s=120):
    proc = spawn("simulator", ["--port", "0", "--broker", "kafka", *args],
                 {"KAFKA_BROKERS": bootstrap})
    assert proc.wait_exit(timeout_s) == 0, proc.logs()
    return proc


def start_kafka_analytics(spawn, redis_server, bootstrap, consumer, args=(), host="127.0.0.1",
                          port=None):
    port = port or free_port()
    proc = spawn("analytics",
                 ["--port", str(port), "--listen", host, "--broker", "kafka",
                  "--kafka-session-timeout-ms", str(SESSION_TIMEOUT_MS), *args],
                 {"REDIS_URL": redis_server.url("analytics"), "CONSUMER_NAME": consumer,
                  "KAFKA_BROKERS": bootstrap})
    proc.port, proc.host = port, host
    return proc.wait_ready(port, timeout_s=30, host=host)


def metric(proc, name):
    return metric_value(proc.port, name, host=proc.host)


def summary_of(proc):
    status, body = http_get(proc.port, "/api/v1/summary?window=0", host=proc.host)
    assert status == 200, body
    return body


def wait_split(replicas, partitions=PARTITIONS, timeout_s=40):
    """Waits until every replica holds some partitions and together they hold them all."""
    def split():
        counts = [metric(r, "analytics_kafka_partitions") for r in replicas]
        return counts if all(counts) and sum(counts) == partitions else None
    return wait_until(split, timeout_s, f"{len(replicas)} replicas to split {partitions} partitions")


def wait_applied(replicas, records, malformed=0, timeout_s=60):
    """Waits until the replicas together applied `records` valid and `malformed` bad ones."""
    def applied():
        parts = [summary_of(r) for r in replicas]
        got = (sum(p["records"] for p in parts), sum(p["malformed"] for p in parts))
        return parts if got == (records, malformed) else None
    return wait_until(applied, timeout_s, f"{records} records and {malformed} malformed applied")
