"""Requests as an attacker sends them, to analytics, dashboard and robot-gateway: a few
hundred slow clients, bodies declared but never sent, a flood of GETs, and the lax inputs
that must be errors (loose integers, NUL and non-UTF-8 bytes in paths, a method a route
does not take, cross-origin preflights)."""
import http.client
import json
import select
import socket
import threading
import time
import urllib.request

import pytest

from conftest import free_port, metric_value, wait_until
from dashboard_stack import start_dashboard
from pipeline import start_analytics
from robot_support import Robots

SERVICES = ["analytics", "dashboard", "robot-gateway"]
SLOW_CLIENTS = 200
# The server closes each slow client after its request budget and the client reconnects,
# so at any moment a few are between connections: at least this many hold a worker.
SLOW_HELD_MIN = SLOW_CLIENTS * 9 // 10
# The bound on a normal request while the slow clients are connected. Unloaded it takes
# milliseconds; a service whose workers are all held answers only after tens of seconds
# (civetweb's request timeout, once per round of held workers). Generous for a loaded CI.
REPLY_BOUND_S = 5.0
TIMED_REQUESTS = 6
TIMED_REQUEST_GAP_S = 0.4   # spread over the server's request timeout, so slow clients churn
SLOW_BYTE_EVERY_S = 0.25    # each slow client sends one byte this often
SLOW_CLIENTS_MAX_S = 120    # the slow clients' thread gives up by itself after this long
CONNECT_TIMEOUT_S = 5.0
RAW_TIMEOUT_S = 10.0        # a reply, or the close, that civetweb used to hold for 20-30 s
HELD_TIMEOUT_S = 30.0


def start_service(name, spawn, request):
    """Starts one service; returns (port, a function sending one normal request)."""
    if name == "analytics":
        port = start_analytics(spawn, request.getfixturevalue("redis_server")).port
        return port, lambda: urllib_status(port, "/api/v1/summary?window=0")
    if name == "dashboard":
        port = start_dashboard(spawn, f"127.0.0.1:{free_port()}").port
        return port, lambda: urllib_status(port, "/")
    robots = Robots(spawn)
    return robots.http, lambda: robots.drive("linus", "forward", 0.5)[0]


def urllib_status(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=HELD_TIMEOUT_S) as resp:
        resp.read()
        return resp.status


class SlowClients:
    """count loopback connections: half send nothing, half send a request one byte at a
    time and never finish it; one the server closes is opened again."""

    PREFIX = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "

    def __init__(self, port, count):
        self.port = port
        self.socks = [self._connect() for _ in range(count)]
        self.sent = [0] * count
        self.reopened = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _connect(self):
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=CONNECT_TIMEOUT_S)
        except OSError:
            return None
        sock.setblocking(False)
        return sock

    def _next_byte(self, i):
        n = self.sent[i]
        self.sent[i] += 1
        return self.PREFIX[n:n + 1] if n < len(self.PREFIX) else b"a"

    def _reopen(self, i):
        if self.socks[i] is not None:
            self.socks[i].close()
        self.socks[i] = self._connect()
        self.sent[i] = 0
        self.reopened += 1

    def _tick(self):
        open_socks = [s for s in self.socks if s is not None]
        answered, _, _ = select.select(open_socks, [], [], 0) if open_socks else ([], [], [])
        for i, sock in enumerate(self.socks):
            if sock is None or sock in answered:  # the server replied or closed: start over
                self._reopen(i)
                continue
            if i % 2 == 0:
                continue  # an idle client: connected, silent
            try:
                sock.send(self._next_byte(i))
            except OSError:
                self._reopen(i)

    def _run(self):
        deadline = time.monotonic() + SLOW_CLIENTS_MAX_S
        while not self.stopping.is_set() and time.monotonic() < deadline:
            self._tick()
            self.stopping.wait(SLOW_BYTE_EVERY_S)

    def close(self):
        self.stopping.set()
        self.thread.join(timeout=10)
        for sock in self.socks:
            if sock is not None:
                sock.close()


def timed(fn):
    started = time.monotonic()
    result = fn()
    return result, time.monotonic() - started


@pytest.mark.parametrize("name", SERVICES)
def test_slow_clients_do_not_stall_normal_requests(name, spawn, request):
    port, normal_request = start_service(name, spawn, request)
    slow = SlowClients(port, SLOW_CLIENTS)
    try:
        wait_until(lambda: metric_value(port, "http_connections_open") >= SLOW_HELD_MIN, 30,
                   f"{SLOW_HELD_MIN} slow clients holding workers")
        took = []
        for _ in range(TIMED_REQUESTS):
            status, seconds = timed(normal_request)
            assert status == 200
            took.append(seconds)
            time.sleep(TIMED_REQUEST_GAP_S)
        assert max(took) < REPLY_BOUND_S, f"normal requests took {took} s"
        assert metric_value(port, "http_connections_max") > SLOW_CLIENTS
    finally:
        slow.close()


def raw_exchange(port, data, timeout_s=RAW_TIMEOUT_S):
    """Sends raw bytes, reads until the server closes; returns (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)  # socket.timeout fails the test: the server held on
            if not chunk:
                break
            chunks.append(chunk)
    reply = b"".join(chunks)
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def raw_get(port, target, method="GET", extra=b""):
    return raw_exchange(port, method.encode() + b" " + target + b" HTTP/1.1\r\nHost: x\r\n" +
                        extra + b"Connection: close\r\n\r\n")


def json_error(body):
    """The body as JSON (failing on invalid UTF-8 or JSON); returns its error text."""
    return json.loads(body.decode("utf-8"))["error"]


FLOODERS = 64    # each on a keep-alive connection of its own, as a browser or a script would
FLOOD_DRIVES = 5


def check_unsent_bodies_are_refused_at_once(robots):
    """A body declared and never (fully) sent: answered and closed within the request
    timeout, where civetweb held the worker for 20-30 s to drain it."""
    head = (b"POST /api/v1/robots/linus/drive HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + robots.token.encode() + b"\r\nContent-Type: "
            b"application/json\r\nContent-Length: %d\r\n\r\n{\"direction\"")
    status, headers, body = raw_exchange(robots.http, head % 10_000_000)
    assert status == 413 and headers["connection"] == "close" and json_error(body)
    status, headers, body = raw_exchange(robots.http, head % 100)
    assert status == 408 and headers["connection"] == "close"
    assert "incomplete" in json_error(body)


def check_a_get_flood_does_not_delay_drives(robots):
    stop = threading.Event()
    floods = [0] * FLOODERS

    def flood(i):
        deadline = time.monotonic() + SLOW_CLIENTS_MAX_S
        conn = http.client.HTTPConnection("127.0.0.1", robots.http, timeout=HELD_TIMEOUT_S)
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                conn.request("GET", "/api/v1/robots")
                conn.getresponse().read()
                floods[i] += 1
            except (OSError, http.client.HTTPException):
                conn.close()  # reconnects on the next request
        conn.close()

    threads = [threading.Thread(target=flood, args=(i,), daemon=True) for i in range(FLOODERS)]
    for t in threads:
        t.start()
    try:
        wait_until(lambda: sum(floods) >= 10 * FLOODERS, 30, "the GET flood under way")
        took = []
        for _ in range(FLOOD_DRIVES):
            (status, _), seconds = timed(lambda: robots.drive("linus", "left", 0.5))
            assert status == 200
            took.append(seconds)
        assert max(took) < REPLY_BOUND_S, f"drives took {took} s"
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)


def test_gateway_unsent_bodies_and_get_floods_hold_no_worker(spawn):
    robots = Robots(spawn)
    check_unsent_bodies_are_refused_at_once(robots)
    check_a_get_flood_does_not_delay_drives(robots)
    assert robots.drive("linus", "stop")[0] == 200


# One GET-only API route on each service.
API_ROUTES = {"analytics": "/api/v1/summary", "dashboard": "/api/v1/summary",
              "robot-gateway": "/api/v1/robots"}


def check_get_routes_refuse_other_methods_and_preflights(name, port):
    for path in ("/healthz", "/readyz", "/metrics", API_ROUTES[name]):
        for method in ("POST", "PUT", "DELETE"):
            status, headers, body = raw_get(port, path.encode(), method, b"Content-Length: 0\r\n")
            assert (status, headers.get("allow")) == (405, "GET,HEAD"), (method, path)
            assert json_error(body) == "method not allowed"
    preflight = (b"Origin: http://elsewhere.example\r\nAccess-Control-Request-Method: POST\r\n"
                 b"Access-Control-Request-Headers: authorization\r\n")
    for path in (API_ROUTES[name], "/api/v1/robots/linus/drive"):
        status, headers, _ = raw_get(port, path.encode(), "OPTIONS", preflight)
        assert status in (404, 405), path
        assert not any(h.startswith("access-control-") for h in headers), headers
    status, headers, _ = raw_get(port, b"/healthz", extra=b"Origin: http://elsewhere.example\r\n")
    assert status == 200 and "access-control-allow-origin" not in headers


def check_paths_with_nul_control_or_non_utf8_bytes_are_400_with_valid_json(port):
    for target in (b"/api/v1/antennas/%00", b"/api/v1/antennas%00", b"/x%ff", b"/x%c0%af",
                   b"/x%0d%0aSet-Cookie:%20a=b", b"/static/%2e%2e/main.c", b"/x%zz"):
        status, headers, body = raw_get(port, target)
        assert status == 400, target
        assert "set-cookie" not in headers
        assert json_error(body).startswith("request path holds "), target
    status, _, body = raw_get(port, b"/caf%C3%A9")  # UTF-8 is fine: echoed, or not at all
    assert status == 404 and json_error(body) in ("no such path: /caf\u00e9", "no such file")
    status, _, body = raw_get(port, b"/" + b"a" * 2000)
    assert status == 414 and json_error(body)


def check_loosely_written_windows_are_400(port):
    for value in (b"+60", b"%2B60", b"060", b"%2060", b"60%20", b"6%000", b"0x3c", b"60.0"):
        status, _, body = raw_get(port, b"/api/v1/summary?window=" + value)
        assert status == 400, value
        assert "window" in json_error(body)
    status, _, body = raw_get(port, b"/api/v1/antennas?sort=latency%00x")
    assert status == 400 and "sort" in json_error(body)


@pytest.mark.parametrize("name", SERVICES)
def test_lax_requests_are_errors(name, spawn, request):
    port, _ = start_service(name, spawn, request)
    check_get_routes_refuse_other_methods_and_preflights(name, port)
    check_paths_with_nul_control_or_non_utf8_bytes_are_400_with_valid_json(port)
    if name != "robot-gateway":
        check_loosely_written_windows_are_400(port)
