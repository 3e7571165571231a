#!/usr/bin/env python3
"""End-to-end capacity: a simulator producing at a fixed rate (CAP_ANTENNAS antennas) while
one consumer drains the stream, for CAP_SECONDS per rate, rates CAP_RATES. A rate is
sustained when the consumer lag at the end stays under one second of records and the p99
delay from a report's sent_us to its application stays under 1 s. Printed per rate for
analytics (p99 from its analytics_processing_delay_seconds histogram) beside a consumer
written the way the seed project's was (redis-py: XREADGROUP, parse, add to dicts, XACK),
and the highest rate each sustained."""
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cardinality as card  # noqa: E402  (the shared stack of the read-path bench)

RATES = [int(x) for x in os.environ.get("CAP_RATES", "5000 10000 20000 40000 80000 120000").split()]
ANTENNAS = int(os.environ.get("CAP_ANTENNAS", "10000"))
SECONDS = float(os.environ.get("CAP_SECONDS", "10"))
DELAY_LIMIT_S = 1.0
# Debian's python3 has redis-py (python3-redis), as the integration tests use.
SEED_PYTHON = os.environ.get("CAP_PYTHON", "/usr/bin/python3")

# The seed's consumer, kept to its shape: one process, redis-py, dict totals, XACK per batch.
SEED_CONSUMER = r'''
import os, sys, time, signal, redis
r = redis.Redis.from_url(sys.argv[1], decode_responses=True)
try:
    r.xgroup_create("antenna_stream", "seed", id="0", mkstream=True)
except redis.ResponseError:
    pass
totals, delays, stop = {}, [], []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
while not stop:
    got = r.xreadgroup("seed", "seed-1", {"antenna_stream": ">"}, count=100, block=100)
    for _, entries in got or []:
        ids = []
        for entry_id, f in entries:
            t = totals.setdefault(f["antenna_id"], [0, 0, 0, 0.0])
            t[0] += 1; t[1] += int(f["packets"]); t[2] += int(f["loss"]); t[3] += float(f["latency"])
            if "sent_us" in f:
                delays.append(time.time() - int(f["sent_us"]) / 1e6)
            ids.append(entry_id)
        r.xack("antenna_stream", "seed", *ids)
delays.sort()
print(sum(t[0] for t in totals.values()), delays[int(0.99 * (len(delays) - 1))] if delays else -1)
'''


def histogram_p99(text, name):
    """p99 upper bound from a Prometheus histogram's cumulative buckets."""
    buckets = []
    for line in text.splitlines():
        if line.startswith(name + "_bucket{"):
            le = line.split('le="')[1].split('"')[0]
            buckets.append((float("inf") if le == "+Inf" else float(le), float(line.split()[-1])))
    if not buckets or buckets[-1][1] == 0:
        return float("nan")
    total = buckets[-1][1]
    return next(le for le, count in buckets if count >= 0.99 * total)


def group_lag(stack, group):
    out = stack.cli("XINFO", "GROUPS", "antenna_stream")
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line == "name" and lines[i + 1] == group:
            fields = dict(zip(lines[i::2], lines[i + 1::2]))
            lag = fields.get("lag", "")
            return int(lag) if lag.isdigit() else -1
    return -1


def run(rate, kind):
    work = Path(tempfile.mkdtemp(prefix="cap-"))
    stack = card.Stack(card.BIN, work)
    try:
        if kind == "analytics":
            proc = stack.start_replica(0)
            card.wait(lambda: card.get(f"http://127.0.0.1:{stack.port}/healthz")[0] == 200, 20,
                      "analytics")
            group = "analytics"
        else:
            proc = subprocess.Popen([SEED_PYTHON, "-c", SEED_CONSUMER, stack.url("admin")],
                                    stdout=subprocess.PIPE, text=True)
            time.sleep(1)
            group = "seed"
        sim = stack.simulate(ANTENNAS, int(rate * SECONDS), rate, 3)
        sim.wait(timeout=SECONDS * 4 + 30)
        lag = group_lag(stack, group)
        if kind == "analytics":
            text = card.get(f"http://127.0.0.1:{stack.port}/metrics")[1].decode()
            p99 = histogram_p99(text, "analytics_processing_delay_seconds")
        else:
            proc.send_signal(signal.SIGTERM)
            _, p99 = proc.communicate(timeout=60)[0].split()
            p99 = float(p99)
        return lag, p99
    finally:
        if kind != "analytics" and proc.poll() is None:
            proc.kill()
        stack.stop()


def main():
    print(f"capacity: {ANTENNAS:,} antennas, {SECONDS:.0f} s per rate; sustained = lag under "
          f"1 s of records and p99 delay under {DELAY_LIMIT_S:.0f} s")
    print(f"{'rate/s':>8} {'analytics lag':>14} {'p99 delay s':>12} {'seed lag':>10} {'p99 delay s':>12}")
    best = {"analytics": 0, "seed": 0}
    for rate in RATES:
        row = []
        for kind in ("analytics", "seed"):
            lag, p99 = run(rate, kind)
            if 0 <= lag < rate and p99 < DELAY_LIMIT_S:
                best[kind] = max(best[kind], rate)
            row += [lag, p99]
        print(f"{rate:>8} {row[0]:>14} {row[1]:>12.3f} {row[2]:>10} {row[3]:>12.3f}")
        sys.stdout.flush()
    ratio = best["analytics"] / best["seed"] if best["seed"] else float("inf")
    print(f"highest sustained rate: analytics {best['analytics']:,}/s, seed-style consumer "
          f"{best['seed']:,}/s ({ratio:.1f}x)")


if __name__ == "__main__":
    main()
