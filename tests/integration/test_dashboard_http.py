"""dashboard HTTP surface without analytics: strict bad-input handling, the embedded page,
health endpoints, metrics, CLI behaviour and clean shutdown with open event streams."""
import socket
import subprocess

from conftest import binary, free_port, http_get
from dashboard_stack import start_dashboard

RAW_TIMEOUT_S = 5.0


def raw_request(port, data):
    """Sends raw bytes (no client-side path normalisation) and returns the reply bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=RAW_TIMEOUT_S) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def status_of(reply):
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.") else None


def unreachable_dashboard(spawn):
    """A dashboard whose only replica address has nothing listening."""
    return start_dashboard(spawn, f"127.0.0.1:{free_port()}")


def test_unknown_path_is_json_404(spawn):
    dash = unreachable_dashboard(spawn)
    for path in ("/nope", "/api/v1/nope", "/static/nope.js", "/api/v2/summary"):
        status, body = http_get(dash.port, path)
        assert status == 404, path
        assert "error" in body
    status, body = http_get(dash.port, "/api/v1/antennas/bad%20id!")
    assert status == 400 and body["error"]


def test_bad_query_values_are_400(spawn):
    dash = unreachable_dashboard(spawn)
    for path in ("/api/v1/summary?window=61", "/api/v1/summary?window=abc",
                 "/api/v1/summary?window=-60", "/api/v1/antennas?sort=name",
                 "/api/v1/antennas?limit=0", "/api/v1/antennas?limit=x",
                 "/api/v1/antennas/a-1?window=5", "/api/v1/stream?window=1"):
        status, body = http_get(dash.port, path)
        assert status == 400, path
        assert body["error"]


def test_oversized_request_is_rejected(spawn):
    dash = unreachable_dashboard(spawn)
    huge = b"GET /api/v1/summary HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n"
    reply = raw_request(dash.port, huge)
    assert status_of(reply) == 400  # civetweb refuses headers over its 16 KiB limit
    assert b"\"records\"" not in reply
    assert dash.alive()
    assert http_get(dash.port, "/healthz")[0] == 200


def test_path_traversal_on_static_files_is_refused(spawn):
    dash = unreachable_dashboard(spawn)
    for target in (b"/static/../../../../etc/passwd", b"/static/..%2f..%2f..%2fetc%2fpasswd",
                   b"/static/vendor/../../main.c", b"/../dashboard/main.c", b"/static/%2e%2e/app.js"):
        reply = raw_request(dash.port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n"
                            b"Connection: close\r\n\r\n")
        assert status_of(reply) in (400, 404), target
        assert b"root:" not in reply and b"#include" not in reply, target


def test_page_and_assets_are_served_from_the_binary(spawn):
    dash = unreachable_dashboard(spawn)
    status, page = http_get(dash.port, "/")
    assert status == 200 and "<title>towerwatch</title>" in page
    assert "/static/vendor/uPlot.iife.min.js" in page and "http" not in page.split("<body>")[1]
    for path, marker in (("/static/app.js", "EventSource"), ("/static/app.css", ":root"),
                         ("/static/vendor/uPlot.iife.min.js", "uPlot"),
                         ("/static/vendor/uPlot.min.css", ".uplot")):
        status, text = http_get(dash.port, path)
        assert status == 200 and marker in text, path


def test_health_and_readiness_without_analytics(spawn):
    dash = unreachable_dashboard(spawn)
    assert http_get(dash.port, "/healthz") == (200, {"status": "ok"})
    status, body = http_get(dash.port, "/readyz")
    assert status == 503 and body["status"] == "not ready"
    status, body = http_get(dash.port, "/api/v1/summary?window=60")
    assert status == 503
    assert body["replicas"]["expected"] == 1 and body["replicas"]["answered"] == 0
    assert len(body["replicas"]["down"]) == 1


def test_metrics_pass_promtool(spawn, workdir):
    dash = unreachable_dashboard(spawn)
    http_get(dash.port, "/api/v1/summary")
    status, text = http_get(dash.port, "/metrics")
    assert status == 200
    assert 'dashboard_upstream_requests_total{result="error"}' in text
    assert "dashboard_replicas_expected 1" in text
    assert "dashboard_replicas_not_ready 0" in text
    path = workdir / "metrics.txt"
    path.write_text(text)
    check = subprocess.run(["promtool", "check", "metrics"], stdin=open(path), capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_help_and_bad_flags():
    ok = subprocess.run([binary("dashboard"), "--help"], capture_output=True, text=True)
    assert ok.returncode == 0 and "ANALYTICS_ADDR" in ok.stdout and "PORT" in ok.stdout
    for args in (["--port", "0"], ["--bogus"], ["--analytics-addr", "no-port"],
                 ["--analytics-addr", "host:99999"], ["--analytics-addr", "host: 80"],
                 ["--analytics-addr", "host:080"]):
        bad = subprocess.run([binary("dashboard"), *args], capture_output=True, text=True,
                             timeout=10)
        assert bad.returncode == 2, args
        assert len(bad.stderr.strip().splitlines()) == 1, args


def test_sigterm_with_open_event_stream_exits_cleanly(spawn):
    dash = unreachable_dashboard(spawn)
    sock = socket.create_connection(("127.0.0.1", dash.port), timeout=RAW_TIMEOUT_S)
    sock.sendall(b"GET /api/v1/stream?window=0 HTTP/1.1\r\nHost: x\r\n\r\n")
    first = sock.recv(65536)
    assert first.startswith(b"HTTP/1.1 200") and b"text/event-stream" in first
    assert dash.stop() == 0
    sock.close()
