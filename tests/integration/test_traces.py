"""Traces: every service exports OTLP/HTTP JSON to a receiver in the test, checked against
the OTLP JSON rules; a simulator trace continues through the stream into analytics; HTTP
server spans honour an incoming traceparent, and the dashboard passes its trace on to
analytics; robot eye blinks make linus-eye spans with a pigpio child per command; a dead
collector costs nothing but dropped spans."""
import json
import re
import socket
import urllib.request

import pytest

from conftest import free_port, http_get, metric_value, wait_until
from otlp_receiver import OtlpReceiver
from pipeline import run_simulator, start_analytics, stream_sums, summary, wait_drained
from robot_support import Robots

PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"
PARENT = f"00-{PARENT_TRACE}-{PARENT_SPAN}-01"
TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-01$")


@pytest.fixture
def receiver():
    rx = OtlpReceiver()
    yield rx
    rx.close()


def metric(port, name):
    value = metric_value(port, name)
    assert value is not None, f"{name} not in /metrics"
    return value


def get_with_traceparent(port, path, traceparent):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"traceparent": traceparent})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return resp.status, json.loads(resp.read())


def post_with_traceparent(port, path, body, token, traceparent):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                 method="POST", headers={"Content-Type": "application/json",
                                                         "Authorization": f"Bearer {token}",
                                                         "traceparent": traceparent})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return resp.status


def wait_spans(receiver, count, name, service=None, timeout_s=20):
    return wait_until(lambda: len(receiver.spans(name, service)) >= count and receiver.spans(name, service),
                      timeout_s, f"{count} {name} spans")


def test_simulator_trace_continues_in_analytics(spawn, redis_server):
    rx = OtlpReceiver(refuse_first=1)  # the first export is refused with 503: it must be retried
    try:
        otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": rx.url, "OTEL_TRACES_SAMPLER_ARG": "1"}
        sim = spawn("simulator", ["--port", "0", "--antennas", "4", "--rate", "0", "--count", "200",
                                  "--seed", "5"], {"REDIS_URL": redis_server.url("simulator"), **otel})
        assert sim.wait_exit(60) == 0, sim.logs()
        entries = redis_server.client().xrange("antenna_stream")
        assert len(entries) == 200
        sent = {}
        for entry_id, fields in entries:
            match = TRACEPARENT.match(fields["traceparent"])
            assert match, fields
            sent[entry_id] = match.groups()
        assert len({span for _, span in sent.values()}) == 200
        analytics = start_analytics(spawn, redis_server, env=otel)
        wait_drained(analytics.port, 200)
        sends = {s["spanId"]: s for s in wait_spans(rx, 200, "report.send", "simulator")}
        applies = wait_spans(rx, 200, "report.apply", "analytics")
        assert rx.refused == 1 and len(sends) == 200 and len(applies) == 200
        by_parent = {s["parentSpanId"]: s for s in applies}
        for entry_id, (trace_id, span_id) in sent.items():
            send, apply = sends[span_id], by_parent[span_id]
            assert (send["traceId"], send["kind"], "parentSpanId" in send) == (trace_id, 4, False)
            assert send["attrs"]["messaging.message.id"] == entry_id
            assert (apply["traceId"], apply["kind"]) == (trace_id, 5)
            assert apply["attrs"]["messaging.message.id"] == entry_id
            assert apply["attrs"]["antenna_id"] == send["attrs"]["antenna_id"]
            assert int(apply["startTimeUnixNano"]) >= int(send["startTimeUnixNano"])
        exported = metric(analytics.port, "trace_spans_exported_total")
        assert exported >= 200 and len(rx.spans(service="analytics")) >= exported
        assert {s["name"] for s in rx.spans(service="analytics")} == {"report.apply",
                                                                     "GET /api/v1/summary"}
        assert metric(analytics.port, "trace_spans_dropped_total") == 0
    finally:
        rx.close()


def test_default_sampling_traces_about_one_percent(spawn, redis_server):
    run_simulator(spawn, redis_server, ["--rate", "0", "--count", "5000", "--seed", "1"])
    assert not any("traceparent" in f for _, f in redis_server.client().xrange("antenna_stream"))
    rx = OtlpReceiver()
    try:
        sim = spawn("simulator", ["--port", "0", "--rate", "0", "--count", "20000", "--seed", "2"],
                    {"REDIS_URL": redis_server.url("simulator"), "OTEL_EXPORTER_OTLP_ENDPOINT": rx.url})
        assert sim.wait_exit(60) == 0
        traced = sum("traceparent" in f for _, f in redis_server.client().xrange("antenna_stream"))
        assert 100 <= traced <= 320  # 1% of 20000 is 200; a binomial draw stays well inside
        wait_spans(rx, traced, "report.send")
        assert len(rx.spans("report.send")) == traced
    finally:
        rx.close()


def test_invalid_traceparent_is_ignored_not_malformed(spawn, redis_server, receiver):
    client = redis_server.client()
    base = {"antenna_id": "a1", "timestamp": "1700000000", "packets": "100", "loss": "1",
            "latency": "12.5"}
    bad = [f"00-{PARENT_TRACE.upper()}-{PARENT_SPAN}-01", f"00-{'0' * 32}-{PARENT_SPAN}-01",
           f"00-{PARENT_TRACE}-{'0' * 16}-01", f"01-{PARENT_TRACE}-{PARENT_SPAN}-01",
           f"00-{PARENT_TRACE}-{PARENT_SPAN}-0x"]
    for value in bad:
        client.xadd("antenna_stream", dict(base, traceparent=value))
    client.xadd("antenna_stream", dict(base, traceparent="00-short-01"))
    client.xadd("antenna_stream", dict(base, traceparent=f"00-{PARENT_TRACE}-{PARENT_SPAN}-00"))
    client.xadd("antenna_stream", dict(base, traceparent=PARENT))
    analytics = start_analytics(spawn, redis_server,
                                env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})
    body = wait_drained(analytics.port, 8)
    assert (body["records"], body["packets"], body["loss"], body["malformed"]) == (8, 800, 8, 0)
    applies = wait_spans(receiver, 1, "report.apply")
    assert [(s["traceId"], s["parentSpanId"]) for s in applies] == [(PARENT_TRACE, PARENT_SPAN)]
    assert metric(analytics.port, "trace_traceparent_invalid_total") == len(bad)
    status, quality = http_get(analytics.port, "/api/v1/quality")
    assert quality["ignored_optional_fields"] == 1


def test_dashboard_server_span_is_child_of_incoming_traceparent(spawn, redis_server, receiver):
    analytics = start_analytics(spawn, redis_server)
    port = free_port()
    dashboard = spawn("dashboard", ["--port", str(port), "--listen", "127.0.0.1"],
                      {"ANALYTICS_ADDR": f"127.0.0.1:{analytics.port}",
                       "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_SERVICE_NAME": "dash-test"})
    dashboard.wait_ready(port)
    status, doc = get_with_traceparent(port, "/api/v1/summary?window=60", PARENT)
    assert status == 200 and doc["records"] == 0
    status, _ = get_with_traceparent(port, "/api/v1/summary", "00-garbage")
    assert status == 200
    spans = wait_spans(receiver, 2, "GET /api/v1/summary", "dash-test")
    child = [s for s in spans if s["traceId"] == PARENT_TRACE]
    assert len(child) == 1 and child[0]["parentSpanId"] == PARENT_SPAN and child[0]["kind"] == 2
    assert child[0]["attrs"] == {"http.method": "GET", "http.route": "/api/v1/summary",
                                 "http.target": "/api/v1/summary", "http.status_code": 200}
    fresh = [s for s in spans if s["traceId"] != PARENT_TRACE]
    assert len(fresh) == 1 and "parentSpanId" not in fresh[0]
    assert metric(port, "trace_traceparent_invalid_total") == 1
    assert not [s for s in receiver.spans() if s["name"] in ("GET /healthz", "GET /readyz", "GET /metrics")]


def test_dashboard_request_trace_reaches_analytics(spawn, redis_server, receiver):
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url}
    analytics = start_analytics(spawn, redis_server, env=otel)
    port = free_port()
    dashboard = spawn("dashboard", ["--port", str(port), "--listen", "127.0.0.1", "--cache-ms", "0"],
                      {"ANALYTICS_ADDR": f"127.0.0.1:{analytics.port}", **otel})
    dashboard.wait_ready(port)
    # A refresh already under way (the history sampler) may answer a request from cache; a
    # handful of requests, each its own trace, include one that asked analytics itself.
    parents = [f"00-{i:032x}-{i:016x}-01" for i in range(1, 6)]
    for parent in parents:
        assert get_with_traceparent(port, "/api/v1/summary", parent)[0] == 200
    servers = wait_spans(receiver, len(parents), "GET /api/v1/summary", "dashboard")
    clients = wait_spans(receiver, 1, "GET /api/v1/exchange", "dashboard")
    server_ids = {s["spanId"]: s for s in servers if s["traceId"] in {p[3:35] for p in parents}}
    linked = [c for c in clients if c["parentSpanId"] in server_ids]
    assert linked, "no replica request under a traced dashboard request"
    for client in linked:
        assert client["kind"] == 3 and client["traceId"] == server_ids[client["parentSpanId"]]["traceId"]
        answer = wait_until(lambda: [a for a in receiver.spans("GET /api/v1/exchange", "analytics")
                                     if a.get("parentSpanId") == client["spanId"]], 10,
                            "analytics' server span under the client span")
        assert len(answer) == 1 and answer[0]["kind"] == 2 and answer[0]["traceId"] == client["traceId"]
        assert answer[0]["attrs"]["http.status_code"] == 200


def test_robot_eye_blink_spans_with_pigpio_children(spawn, receiver):
    robots = Robots(spawn, extra_env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})
    status = post_with_traceparent(robots.http, "/api/v1/robots/linus/eyes", {"state": "blink"},
                                   robots.token, PARENT)
    assert status == 200
    server = wait_spans(receiver, 1, "POST /api/v1/robots/{robot}/eyes")
    server = [s for s in server if s["traceId"] == PARENT_TRACE]
    assert len(server) == 1 and server[0]["parentSpanId"] == PARENT_SPAN
    assert server[0]["attrs"]["http.target"] == "/api/v1/robots/linus/eyes"
    assert server[0]["attrs"]["http.route"] == "/api/v1/robots/{robot}/eyes"
    eyes = [s for s in receiver.spans("linus-eye") if s["traceId"] == PARENT_TRACE]
    assert len(eyes) == 1 and eyes[0]["parentSpanId"] == server[0]["spanId"]
    writes = [s for s in receiver.spans("pigpio WRITE") if s["parentSpanId"] == eyes[0]["spanId"]]
    assert [(w["attrs"]["pigpio.gpio"], w["attrs"]["pigpio.value"], w["kind"]) for w in writes] == [(16, 1, 3)]
    # the worker's blinks: each toggle is a linus-eye trace of its own with its pigpio call
    blinks = wait_until(lambda: [s for s in receiver.spans("linus-eye") if "parentSpanId" not in s]
                        if len([s for s in receiver.spans("linus-eye") if "parentSpanId" not in s]) >= 3
                        else None, 10, "three blink spans")
    for blink in blinks[:3]:
        children = [s for s in receiver.spans("pigpio WRITE") if s.get("parentSpanId") == blink["spanId"]]
        assert len(children) == 1 and children[0]["traceId"] == blink["traceId"]
        assert children[0]["attrs"]["pigpio.value"] == blink["attrs"]["eyes.level"]
        assert blink["service"] == "robot-gateway"
    # connecting sets each robot's eyes as the API last left them: torvalds-eye, off
    torvalds = wait_spans(receiver, 1, "torvalds-eye")
    assert [(s["attrs"]["robot"], s["attrs"]["eyes.state"]) for s in torvalds][:1] == [("torvalds", "off")]


def test_dead_collector_does_not_stop_or_skew_the_pipeline(spawn, redis_server):
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": dead, "OTEL_TRACES_SAMPLER_ARG": "1"}
    sim = spawn("simulator", ["--port", "0", "--antennas", "5", "--rate", "0", "--count", "30000",
                              "--seed", "8"], {"REDIS_URL": redis_server.url("simulator"), **otel})
    assert sim.wait_exit(60) == 0, sim.logs()
    expected = stream_sums(redis_server.client())
    assert expected["records"] == 30000
    analytics = start_analytics(spawn, redis_server, env=otel)
    body = wait_drained(analytics.port, 30000)
    assert (body["packets"], body["loss"], body["malformed"]) == (expected["packets"], expected["loss"], 0)
    assert metric(analytics.port, "trace_spans_exported_total") == 0
    assert metric(analytics.port, "trace_spans_dropped_total") > 0  # 30000 spans, 2048 queue slots
    wait_until(lambda: metric(analytics.port, "trace_spans_failed_total") > 0, 10,
               "a batch to exhaust its retries")
    assert sum(1 for r in analytics.log_records() if r["msg"].startswith("trace export failed")) == 1
    assert analytics.stop() == 0


def test_hung_collector_does_not_hold_up_shutdown(spawn, redis_server):
    with socket.socket() as hung:  # accepts connections (backlog) but never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen(64)
        otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{hung.getsockname()[1]}",
                "OTEL_TRACES_SAMPLER_ARG": "1"}
        sim = spawn("simulator", ["--port", "0", "--rate", "0", "--count", "3000", "--seed", "3"],
                    {"REDIS_URL": redis_server.url("simulator"), **otel})
        assert sim.wait_exit(30) == 0, sim.logs()
        analytics = start_analytics(spawn, redis_server, env=otel)
        assert wait_drained(analytics.port, 3000)["records"] == 3000
        assert analytics.stop() == 0  # within the contract's 5 s, exporter mid-request or not
