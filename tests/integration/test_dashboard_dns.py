"""The dashboard finds analytics replicas through a real DNS server: ANALYTICS_ADDR names
the headless Service (analytics-headless, completed by a pod's search list), Debian's
dnsmasq answers for it on loopback, and the dashboard runs in a mount namespace whose
/etc/resolv.conf points there. As A records are added and removed while replicas come
and go, replicas.expected/answered follow within the resolve interval and the merged
totals stay equal to the stream's sums; a name that is gone (NXDOMAIN) is followed too.
A DNS server that hangs or is down never delays an answer nor the chart history, the
last addresses it gave keep being asked (new reports still counted exactly), and when it
answers again its changed record set is followed; the dashboard still stops in time
while a lookup hangs."""
import time

import pytest

from conftest import STOP_TIMEOUT_S, free_port, http_get, wait_until
from dashboard_stack import assert_exact, labelled, simulate, start_dashboard
from dns_server import FQDN, SERVICE, DnsServer, resolving_with, unavailable

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
RESOLVE_INTERVAL_S = 1
ADOPT_AFTER_S = 2
# hang detectors, not speed requirements: one request, and the wait for the replica
# report to follow a record change
REQUEST_TIMEOUT_S = 2.0
FOLLOW_TIMEOUT_S = RESOLVE_INTERVAL_S + 10.0
# a hung server: longer than one whole lookup by the C library (5 s x 2 attempts)
HUNG_DNS_S = 12.0
DOWN_DNS_S = 3.0 * RESOLVE_INTERVAL_S
POLL_S = 0.1
# the page calls data stale after 5 s without an update; the C library alone waits 10 s
HISTORY_GAP_S = 5


@pytest.fixture
def dns(workdir):
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    server = DnsServer(workdir)
    yield server
    server.close()


def start_replica(spawn, redis_server, port, host, name):
    proc = spawn("analytics", ["--port", str(port), "--listen", host,
                               "--adopt-after", str(ADOPT_AFTER_S)],
                 {"REDIS_URL": redis_server.url("analytics"), "CONSUMER_NAME": name})
    return proc.wait_ready(port, host=host)


def start_resolving_dashboard(spawn, dns, port, args=()):
    dash = start_dashboard(spawn, f"{SERVICE}:{port}",
                           args=["--resolve-interval", str(RESOLVE_INTERVAL_S), *args],
                           prefix=resolving_with(dns))
    assert dns.queried(FQDN), "the dashboard did not ask the test's DNS server"
    return dash


def summary(dash):
    """The since-start summary, timed; (status, body, seconds)."""
    started = time.monotonic()
    status, body = http_get(dash.port, "/api/v1/summary?window=0", timeout_s=REQUEST_TIMEOUT_S)
    return status, body, time.monotonic() - started


def wait_follow(dash, expected, answered, changed_at):
    """Waits until the replica report counts expected/answered; returns it and the seconds
    since the record change."""
    def followed():
        body = summary(dash)[1]
        replicas = body.get("replicas", {})
        seen = (replicas.get("expected"), replicas.get("answered"))
        return body if seen == (expected, answered) else None

    body = wait_until(followed, FOLLOW_TIMEOUT_S, f"{expected} replicas expected, {answered} "
                      "answering", interval_s=0.02)
    return body, time.monotonic() - changed_at


def resolutions(dash):
    """The dashboard's lookups so far, by result."""
    return {r: labelled(dash.port, "dashboard_resolutions_total", f'result="{r}"')
            for r in ("addresses", "no_address", "failed", "timed_out")}


def own_sums(port, hosts):
    """records, packets and loss summed over what these replicas report themselves."""
    parts = [http_get(port, "/api/v1/summary?window=0", host=h)[1] for h in hosts]
    return tuple(sum(p[k] for p in parts) for k in ("records", "packets", "loss"))


def report(what, seconds):
    print(f"dns: {what}: {seconds:.3f} s (resolve interval {RESOLVE_INTERVAL_S} s)")


def test_replicas_follow_the_records_and_totals_stay_exact(spawn, redis_server, dns):
    port = free_port()
    start_replica(spawn, redis_server, port, HOSTS[0], "replica-0")
    leaving = start_replica(spawn, redis_server, port, HOSTS[1], "replica-1")
    dns.set_records(HOSTS[:2])
    simulate(spawn, redis_server, 20, 2000, seed=31, antenna_id="first")
    dash = start_resolving_dashboard(spawn, dns, port)
    assert wait_follow(dash, 2, 2, time.monotonic())[0]["replicas"]["down"] == []
    assert_exact(dash, redis_server)
    # a replica comes: started, then listed, then it takes its share of new reports
    start_replica(spawn, redis_server, port, HOSTS[2], "replica-2")
    body, seconds = wait_follow(dash, 3, 3, dns.set_records(HOSTS))
    report("127.0.0.3 added -> expected 3", seconds)
    simulate(spawn, redis_server, 20, 2000, seed=32, antenna_id="second")
    assert assert_exact(dash, redis_server)["records"] == 4000
    # a replica goes, as a pod that terminates: unlisted first, its share leaves the totals
    # exactly; then it stops and, once a survivor adopts it, its share is back
    body, seconds = wait_follow(dash, 2, 2, dns.set_records([HOSTS[0], HOSTS[2]]))
    report("127.0.0.2 removed -> expected 2", seconds)
    survivors = own_sums(port, [HOSTS[0], HOSTS[2]])
    assert (body["records"], body["packets"], body["loss"]) == survivors
    assert survivors[0] < 4000
    assert leaving.stop() == 0
    assert assert_exact(dash, redis_server)["records"] == 4000
    # another replica under the freed address: listed, counted, exact
    start_replica(spawn, redis_server, port, HOSTS[1], "replica-3")
    body, seconds = wait_follow(dash, 3, 3, dns.set_records(HOSTS))
    report("127.0.0.2 listed again -> expected 3", seconds)
    simulate(spawn, redis_server, 20, 2000, seed=33, antenna_id="third")
    assert assert_exact(dash, redis_server)["records"] == 6000
    # the name is gone (NXDOMAIN: no ready pod): nothing to ask, the answer says so
    changed = dns.set_records([])
    body, seconds = wait_follow(dash, 1, 0, changed)
    report("every record removed -> expected 1 (the unresolved name), answered 0", seconds)
    assert body["replicas"]["down"] == [f"{SERVICE}:{port}"]
    assert summary(dash)[0] == 503
    assert resolutions(dash)["no_address"] >= 1
    # and back: all three, every row again from full documents, exact
    body, seconds = wait_follow(dash, 3, 3, dns.set_records(HOSTS))
    report("three records again -> expected 3", seconds)
    assert assert_exact(dash, redis_server)["records"] == 6000
    assert dash.alive()


def history_gap_s(dash, since_s):
    """The longest gap between chart history points from Unix second since_s on."""
    status, history = http_get(dash.port, "/api/v1/history", timeout_s=REQUEST_TIMEOUT_S)
    assert status == 200
    points = [t for t in history["t"] if t >= since_s]
    assert len(points) >= 2, history["t"][-5:]
    return max(b - a for a, b in zip(points, points[1:]))


def answer_through(dash, seconds, records):
    """Polls the summary for `seconds`: each answer is a 200 that still counts both
    replicas and exactly `records`; returns the request latencies."""
    latencies = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, body, took = summary(dash)
        assert status == 200, body
        assert body["replicas"] == {"expected": 2, "answered": 2, "down": [], "stale": [],
                                    "not_ready": []}
        assert body["records"] == records
        latencies.append(took)
        time.sleep(POLL_S)
    return latencies


def latency_line(latencies):
    ordered = sorted(latencies)
    return (f"{len(ordered)} requests, median {ordered[len(ordered) // 2] * 1000:.1f} ms, "
            f"max {ordered[-1] * 1000:.1f} ms")


def test_a_hung_or_dead_dns_server_never_stalls_answers(spawn, redis_server, dns):
    port = free_port()
    for i, host in enumerate(HOSTS[:2]):
        start_replica(spawn, redis_server, port, host, f"replica-{i}")
    dns.set_records(HOSTS[:2])
    simulate(spawn, redis_server, 20, 2000, seed=41, antenna_id="before")
    dash = start_resolving_dashboard(spawn, dns, port)
    wait_follow(dash, 2, 2, time.monotonic())
    assert_exact(dash, redis_server)
    # hung: queries reach the server and are never answered; the replicas are still asked
    # at their last addresses, so new reports are counted
    before = resolutions(dash)
    assert before["timed_out"] == before["failed"] == 0
    dns.pause()
    hung_from = int(time.time())
    latencies = answer_through(dash, 1.0, 2000)
    simulate(spawn, redis_server, 20, 2000, seed=42, antenna_id="during")
    assert assert_exact(dash, redis_server)["records"] == 4000
    latencies += answer_through(dash, HUNG_DNS_S, 4000)
    print(f"dns: server stopped (SIGSTOP) {HUNG_DNS_S:.0f} s: {latency_line(latencies)}, "
          f"resolve interval {RESOLVE_INTERVAL_S} s")
    gap = history_gap_s(dash, hung_from)
    print(f"dns: longest chart history gap while stopped: {gap} s (one point a second)")
    assert gap <= HISTORY_GAP_S
    hung = resolutions(dash)
    assert hung["timed_out"] >= 1 and hung["addresses"] == before["addresses"]
    # dead: nothing listens, every query is refused at once
    dns.kill()
    latencies = answer_through(dash, DOWN_DNS_S, 4000)
    print(f"dns: server killed {DOWN_DNS_S:.0f} s: {latency_line(latencies)}, "
          f"resolve interval {RESOLVE_INTERVAL_S} s")
    assert http_get(dash.port, "/readyz")[0] == 200
    dead = resolutions(dash)
    assert dead["failed"] >= 1 and dead["addresses"] == before["addresses"]
    # back, with a changed record set: followed, and exact over three replicas
    start_replica(spawn, redis_server, port, HOSTS[2], "replica-2")
    dns.set_records(HOSTS)
    changed = time.monotonic()
    dns.start()
    body, seconds = wait_follow(dash, 3, 3, changed)
    report("server back with 127.0.0.3 added -> expected 3", seconds)
    simulate(spawn, redis_server, 20, 2000, seed=43, antenna_id="after")
    assert assert_exact(dash, redis_server)["records"] == 6000
    assert dash.alive()


def test_the_dashboard_stops_in_time_while_a_lookup_hangs(spawn, redis_server, dns):
    port = free_port()
    start_replica(spawn, redis_server, port, HOSTS[0], "replica-0")
    dns.set_records(HOSTS[:1])
    dash = start_resolving_dashboard(spawn, dns, port)
    wait_follow(dash, 1, 1, time.monotonic())
    dns.pause()
    # past the next resolution, so a lookup is waiting on the silent server
    time.sleep(RESOLVE_INTERVAL_S + 0.5)
    # stop() fails the test past the contract's 5 s (three times that for sanitized builds)
    started = time.monotonic()
    assert dash.stop() == 0
    print(f"dns: SIGTERM to exit while a lookup hangs: {time.monotonic() - started:.3f} s "
          f"(contract: {STOP_TIMEOUT_S:.0f} s)")
