"""Helpers for the dashboard tests: a local pipeline (simulator -> redis -> analytics
replicas -> dashboard) on loopback, and the stream's own sums to compare against."""
from conftest import free_port, http_get, wait_until

DRAIN_TIMEOUT_S = 60.0
SIMULATOR_TIMEOUT_S = 60.0


def start_analytics(spawn, redis_server, port, host="127.0.0.1", name="analytics-1",
                    group=None):
    env = {"REDIS_URL": redis_server.url("analytics"), "CONSUMER_NAME": name}
    if group:
        env["CONSUMER_GROUP"] = group
    proc = spawn("analytics", ["--port", str(port), "--listen", host], env)
    return proc.wait_ready(port, host=host)


def run_simulator(spawn, redis_server, antennas, count, seed=1, antenna_id="tower"):
    """Runs the simulator to completion: antennas ids <antenna_id>-0 ... -(antennas-1)."""
    proc = spawn("simulator", ["--antennas", str(antennas), "--count", str(count), "--rate", "0",
                               "--seed", str(seed), "--port", str(free_port())],
                 {"REDIS_URL": redis_server.url("simulator"), "ANTENNA_ID": antenna_id})
    assert proc.wait_exit(SIMULATOR_TIMEOUT_S) == 0, proc.logs()
    return proc


def stream_sums(redis_server, key="antenna_stream"):
    """Totals computed straight from XRANGE: the ground truth for every comparison."""
    entries = redis_server.client().xrange(key, "-", "+")
    packets = sum(int(fields["packets"]) for _, fields in entries)
    loss = sum(int(fields["loss"]) for _, fields in entries)
    latencies = sorted(float(fields["latency"]) for _, fields in entries)
    ids = sorted({fields["antenna_id"] for _, fields in entries})
    return {"records": len(entries), "packets": packets, "loss": loss, "latencies": latencies,
            "antenna_ids": ids}


def exact_quantile(sorted_values, q):
    """The sketch's definition: the value of rank floor(q * (n - 1))."""
    return sorted_values[int(q * (len(sorted_values) - 1))]


def start_dashboard(spawn, analytics_addr, port=None, extra_args=()):
    """Starts the dashboard and waits until it answers /healthz (readiness needs analytics)."""
    port = port or free_port()
    proc = spawn("dashboard", ["--port", str(port), "--listen", "127.0.0.1", *extra_args],
                 {"ANALYTICS_ADDR": analytics_addr})

    def healthy():
        assert proc.alive(), proc.logs()
        try:
            return http_get(port, "/healthz", timeout_s=1)[0] == 200
        except OSError:
            return False

    wait_until(healthy, 15, "dashboard /healthz")
    proc.port = port
    return proc


def wait_records(port, records, host="127.0.0.1", path="/api/v1/summary?window=0"):
    """Waits until the summary at host:port counts exactly `records`; returns it."""
    def drained():
        try:
            status, body = http_get(port, path, host=host, timeout_s=2)
        except OSError:
            return None
        return body if status == 200 and body["records"] == records else None

    return wait_until(drained, DRAIN_TIMEOUT_S, f"{records} records on {host}:{port}",
                      interval_s=0.1)


def wait_replicas(port, answered):
    """Waits until the dashboard's summary reports `answered` replicas; returns it."""
    def seen():
        status, body = http_get(port, "/api/v1/summary?window=0", timeout_s=3)
        replicas = body.get("replicas", {}) if isinstance(body, dict) else {}
        return body if replicas.get("answered") == answered else None

    return wait_until(seen, 15, f"{answered} replicas answering", interval_s=0.1)

