"""broker-config/kafka/create-topics against the mock cluster through kcat (which can
only check, not create): present topics pass, missing ones or too few partitions fail
with the command that would fix them; the Kafka CLI path refuses to run without it."""
import os
import subprocess

from conftest import REPO
from kafka_support import start_kafka_mock

SCRIPT = REPO / "broker-config" / "kafka" / "create-topics"


def run_script(bootstrap, cli="kcat"):
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_HOME"}
    env.update(KAFKA_BROKERS=bootstrap, KAFKA_CLI=cli)
    return subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def test_present_topics_pass(spawn):
    result = run_script(start_kafka_mock(spawn, partitions=12))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "create-topics: antenna-reports: present (12 partitions)",
        "create-topics: antenna-reports.dlq: present (1 partitions)",
    ]


def test_too_few_partitions_fail(spawn):
    result = run_script(start_kafka_mock(spawn, partitions=6))
    assert result.returncode == 1
    assert "create-topics: antenna-reports: has 6 partitions, 12 wanted" in result.stderr


def test_missing_topics_fail_with_the_command_to_create_them(spawn):
    result = run_script(start_kafka_mock(spawn, partitions=2, topic="elsewhere"))
    assert result.returncode == 1
    assert ("create-topics: antenna-reports: missing; kcat cannot create topics: create it "
            "with kafka-topics.sh --create --topic antenna-reports --partitions 12 "
            "--replication-factor 3 --config retention.ms=604800000 "
            "--config min.insync.replicas=2") in result.stderr


def test_the_kafka_cli_path_needs_kafka_topics(spawn):
    result = run_script("127.0.0.1:9", cli="kafka-topics")
    assert result.returncode == 2
    assert "kafka-topics.sh not found" in result.stderr
