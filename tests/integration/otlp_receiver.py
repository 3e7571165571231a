"""An OTLP/HTTP JSON receiver for the trace tests: accepts POST /v1/traces on a free
loopback port, can refuse the first requests with 503 (to prove the exporters retry), and
checks every export against the OTLP JSON rules as it arrives."""
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import free_port

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
DECIMAL = re.compile(r"^[0-9]+$")
VALUE_KINDS = {"stringValue", "intValue", "doubleValue", "boolValue"}


def check_attributes(attributes):
    """[{key, value: {one of stringValue|intValue|doubleValue|boolValue}}]; returns a dict."""
    assert isinstance(attributes, list)
    out = {}
    for attr in attributes:
        assert set(attr) == {"key", "value"} and attr["key"], attr
        (kind, value), = attr["value"].items()
        assert kind in VALUE_KINDS, attr
        if kind == "intValue":
            assert isinstance(value, str) and re.match(r"^-?[0-9]+$", value), attr
            value = int(value)
        out[attr["key"]] = value
    return out


def check_span(span):
    assert HEX32.match(span["traceId"]) and set(span["traceId"]) != {"0"}, span
    assert HEX16.match(span["spanId"]) and set(span["spanId"]) != {"0"}, span
    if "parentSpanId" in span:
        assert HEX16.match(span["parentSpanId"]) and set(span["parentSpanId"]) != {"0"}, span
    assert isinstance(span["name"], str) and span["name"], span
    assert span["kind"] in (1, 2, 3, 4, 5), span
    start, end = span["startTimeUnixNano"], span["endTimeUnixNano"]
    assert DECIMAL.match(start) and DECIMAL.match(end) and int(end) >= int(start) > 0, span
    assert span["status"]["code"] in (0, 1, 2), span
    return dict(span, attrs=check_attributes(span["attributes"]))


def check_export(doc):
    """Validates one ExportTraceServiceRequest; returns its spans with `service` and `attrs`."""
    spans = []
    for resource_spans in doc["resourceSpans"]:
        resource = check_attributes(resource_spans["resource"]["attributes"])
        service = resource["service.name"]
        assert isinstance(service, str) and service
        for scope_spans in resource_spans["scopeSpans"]:
            for span in scope_spans["spans"]:
                spans.append(dict(check_span(span), service=service))
    return spans


class OtlpReceiver:
    def __init__(self, refuse_first=0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.refuse_left = refuse_first
        self.refused = 0
        self.requests = 0
        self.errors = []
        self._spans = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.take(self.path, self.headers.get("Content-Type", ""), body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def take(self, path, content_type, body):
        with self.lock:
            self.requests += 1
            if self.refuse_left > 0:
                self.refuse_left -= 1
                self.refused += 1
                return 503
        try:
            assert path == "/v1/traces", path
            assert content_type == "application/json", content_type
            spans = check_export(json.loads(body))
        except (AssertionError, KeyError, ValueError, TypeError) as err:
            with self.lock:
                self.errors.append(f"{err!r}: {body[:500]!r}")
            return 400
        with self.lock:
            self._spans.extend(spans)
        return 200

    def spans(self, name=None, service=None):
        with self.lock:
            assert not self.errors, self.errors
            return [s for s in self._spans
                    if (name is None or s["name"] == name) and (service is None or s["service"] == service)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
