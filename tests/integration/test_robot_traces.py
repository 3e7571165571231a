"""robot-gateway's server spans carry the route template, so drive, eyes, servo and state
requests are told apart: `POST /api/v1/robots/{robot}/drive` and so on."""
from conftest import http_get, wait_until
from otlp_receiver import OtlpReceiver
from robot_support import Robots

SPAN_WAIT_S = 20


def test_span_names_carry_the_route_template(spawn):
    receiver = OtlpReceiver()
    try:
        robots = Robots(spawn, extra_env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})
        assert robots.drive("linus", "forward", 0.5)[0] == 200
        assert robots.post("/api/v1/robots/torvalds/eyes", {"state": "on"})[0] == 200
        assert robots.post("/api/v1/robots/linus/servos/2", {"angle": 10})[0] == 200
        assert http_get(robots.http, "/api/v1/robots/linus")[0] == 200
        expected = {"POST /api/v1/robots/{robot}/drive": "/api/v1/robots/linus/drive",
                    "POST /api/v1/robots/{robot}/eyes": "/api/v1/robots/torvalds/eyes",
                    "POST /api/v1/robots/{robot}/servos/{servo}": "/api/v1/robots/linus/servos/2",
                    "GET /api/v1/robots/{robot}": "/api/v1/robots/linus"}
        for name, target in expected.items():
            spans = wait_until(lambda: receiver.spans(name), SPAN_WAIT_S, name)
            assert [(s["attrs"]["http.route"], s["attrs"]["http.target"]) for s in spans] == [
                (name.split(" ", 1)[1], target)]
        procu = wait_until(lambda: receiver.spans("pigpio PROCU"), SPAN_WAIT_S, "PROCU span")
        drive = receiver.spans("POST /api/v1/robots/{robot}/drive")[0]
        assert [s["parentSpanId"] for s in procu] == [drive["spanId"]]
        assert not receiver.spans("POST /api/v1/robots/")
    finally:
        receiver.close()
