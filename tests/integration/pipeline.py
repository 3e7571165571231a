"""Helpers shared by the pipeline tests: expected sums computed straight from the stream
(XRANGE), and starting analytics/simulator against a redis_server fixture."""
import math

from conftest import free_port, http_get, wait_until

REQUIRED = ("antenna_id", "timestamp", "packets", "loss", "latency")


def valid_record(fields):
    """The contract's validity rule, written independently of the C parser."""
    if any(name not in fields for name in REQUIRED):
        return None
    antenna = fields["antenna_id"]
    if not (1 <= len(antenna) <= 64) or any(
            not (c.isascii() and (c.isalnum() or c in "._-")) for c in antenna):
        return None
    try:
        for name in ("timestamp", "packets", "loss"):
            if not fields[name].lstrip("-").isdigit() or int(fields[name]) < 0:
                return None
        packets, loss = int(fields["packets"]), int(fields["loss"])
        latency = float(fields["latency"])
    except ValueError:
        return None
    if loss > packets or not math.isfinite(latency) or latency < 0:
        return None
    return antenna, packets, loss, latency


def record_sums(all_fields):
    """Exact totals over every valid record of an iterable of field dicts, (antenna, run,
    seq) counted once."""
    records = packets = loss = malformed = 0
    per_antenna, seen = {}, set()
    for fields in all_fields:
        parsed = valid_record(fields)
        if parsed is None:
            malformed += 1
            continue
        identity = (fields["antenna_id"], fields.get("run"), fields.get("seq"))
        if identity[2] is not None and identity in seen:
            continue
        seen.add(identity)
        antenna, p, l, _ = parsed
        records, packets, loss = records + 1, packets + p, loss + l
        row = per_antenna.setdefault(antenna, [0, 0, 0])
        row[0], row[1], row[2] = row[0] + 1, row[1] + p, row[2] + l
    return {"records": records, "packets": packets, "loss": loss, "malformed": malformed,
            "antennas": per_antenna}


def stream_fields(client, key="antenna_stream"):
    """Every entry's fields, oldest first, read in bounded XRANGE pages."""
    last = "-"
    while True:
        batch = client.xrange(key, min=last, count=10000)
        if last != "-":
            batch = batch[1:]
        if not batch:
            return
        for _, fields in batch:
            yield fields
        last = batch[-1][0]


def stream_sums(client, key="antenna_stream"):
    """Exact totals over every valid record in the stream, (antenna, run, seq) counted once."""
    return record_sums(stream_fields(client, key))


def start_analytics(spawn, redis_server, consumer="analytics-1", port=None, args=(), env=None):
    port = port or free_port()
    proc = spawn("analytics", ["--port", str(port), "--listen", "127.0.0.1", *args],
                 {"REDIS_URL": redis_server.url("analytics"), "CONSUMER_NAME": consumer,
                  **(env or {})})
    proc.port = port
    return proc.wait_ready(port)


def run_simulator(spawn, redis_server, args, timeout_s=120):
    proc = spawn("simulator", ["--port", "0", *args], {"REDIS_URL": redis_server.url("simulator")})
    assert proc.wait_exit(timeout_s) == 0, proc.logs()
    return proc


def summary(port, window=0):
    status, body = http_get(port, f"/api/v1/summary?window={window}")
    assert status == 200, body
    return body


def wait_drained(port, records, timeout_s=60):
    """Waits until analytics has applied `records` valid records and its lag is 0."""
    def drained():
        body = summary(port)
        return body if body["records"] == records and body["lag"] == 0 else None
    return wait_until(drained, timeout_s, f"analytics to apply {records} records")


def wait_pending_zero(redis_server, timeout_s=30):
    client = redis_server.client()
    def no_pending():
        groups = client.xinfo_groups("antenna_stream")
        return groups and groups[0]["pending"] == 0
    wait_until(no_pending, timeout_s, "every entry to be acknowledged")
