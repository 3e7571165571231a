"""analytics' /metrics: the families operators alert and graph on, and per-antenna series
only when the operator opts in (--antenna-metrics N), for at most N antennas, exact."""
import re

from conftest import http_get
from pipeline import run_simulator, start_analytics, stream_sums, wait_drained
from test_cli_contract import promtool_check

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')


def parse(text):
    """{(name, labels string): value} and {name: TYPE} from the text format."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line and not line.startswith("#"):
            name, labels, value = SAMPLE.match(line).groups()
            samples[(name, labels or "")] = float(value)
    return samples, types


def antenna_values(samples, name):
    return {re.match(r'antenna_id="(.*)"', labels).group(1): value
            for (n, labels), value in samples.items() if n == name}


def scrape(port):
    status, text = http_get(port, "/metrics")
    assert status == 200
    return text


def test_analytics_exposes_every_family_operators_use(spawn, redis_server, tmp_path):
    run_simulator(spawn, redis_server, ["--antennas", "3", "--rate", "0", "--count", "60"])
    analytics = start_analytics(spawn, redis_server)
    wait_drained(analytics.port, 60)
    truth = stream_sums(redis_server.client())
    text = scrape(analytics.port)
    samples, types = parse(text)
    expected_types = {
        "analytics_records_total": "counter", "analytics_packets_total": "counter",
        "analytics_loss_packets_total": "counter", "analytics_malformed_total": "counter",
        "analytics_sequence_gaps_total": "counter", "analytics_dlq_length": "gauge",
        "analytics_sequence_untracked_total": "counter",
        "analytics_consumer_lag": "gauge", "analytics_consumer_pending": "gauge",
        "analytics_ring_occupancy": "gauge", "analytics_antennas": "gauge",
        "analytics_antennas_active": "gauge", "analytics_antennas_offline": "gauge",
        "analytics_processing_delay_seconds": "histogram",
        "analytics_report_latency_seconds": "histogram",
    }
    assert {name: types.get(name) for name in expected_types} == expected_types
    assert samples[("analytics_records_total", "")] == 60
    assert samples[("analytics_packets_total", "")] == truth["packets"]
    assert samples[("analytics_loss_packets_total", "")] == truth["loss"]
    assert samples[("analytics_report_latency_seconds_count", "")] == 60
    assert samples[("analytics_processing_delay_seconds_count", "")] == 60
    assert samples[("analytics_antennas", "")] == 3
    assert (samples[("analytics_antennas_active", "")]
            + samples[("analytics_antennas_offline", "")]) == 3
    assert not [key for key in samples if key[0].startswith("analytics_antenna_")]
    promtool_check(text, tmp_path)


def test_per_antenna_series_cover_at_most_the_cap_with_exact_totals(spawn, redis_server,
                                                                     tmp_path):
    run_simulator(spawn, redis_server, ["--antennas", "3", "--rate", "0", "--count", "90"])
    analytics = start_analytics(spawn, redis_server, args=["--antenna-metrics", "2"])
    wait_drained(analytics.port, 90)
    truth = stream_sums(redis_server.client())["antennas"]
    text = scrape(analytics.port)
    samples, types = parse(text)
    records = antenna_values(samples, "analytics_antenna_records_total")
    assert len(records) == 2 and set(records) < set(truth)
    assert records == {a: truth[a][0] for a in records}
    assert antenna_values(samples, "analytics_antenna_packets_total") == {
        a: truth[a][1] for a in records}
    assert antenna_values(samples, "analytics_antenna_loss_packets_total") == {
        a: truth[a][2] for a in records}
    assert set(antenna_values(samples, "analytics_antenna_offline")) == set(records)
    assert set(antenna_values(samples, "analytics_antenna_last_seen_timestamp_seconds")) == set(
        records)
    assert types["analytics_antenna_records_total"] == "counter"
    promtool_check(text, tmp_path)


def test_antenna_metrics_cap_comes_from_the_environment(spawn, redis_server):
    run_simulator(spawn, redis_server, ["--antennas", "3", "--rate", "0", "--count", "30"])
    analytics = start_analytics(spawn, redis_server, env={"ANTENNA_METRICS": "5"})
    wait_drained(analytics.port, 30)
    samples, _ = parse(scrape(analytics.port))
    assert len(antenna_values(samples, "analytics_antenna_records_total")) == 3
