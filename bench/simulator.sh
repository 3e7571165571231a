#!/usr/bin/env bash
# Simulator write rate (--rate 0, pipelined XADD, one connection) vs redis-benchmark -P 64
# XADD of the same record on the same server (target >= 0.8x); and the same rate with the
# re-send window on (the default) vs off (--resend-window-ms 0), alternating rounds in the
# same run (target >= 0.95x).
set -euo pipefail
source "$(dirname "$0")/common.bash"
count=${SIM_COUNT:-1000000}
rounds=${SIM_ROUNDS:-5}
start_redis
trap stop_redis EXIT
bench_out=$(redis-benchmark -p "$redis_port" --user admin -a bench-admin -P 64 -n "$count" -q \
    XADD ref_stream MAXLEN '~' 5000000 '*' antenna_id antenna-0 timestamp 1795328456 packets 716 \
    loss 3 latency 38.522 seq 123456 run 83ccfb2d520fa8bb sent_us 1795328456123750 2>/dev/null | tr '\r' '\n' | grep 'requests per second' | tail -1)
ref=$(echo "$bench_out" | grep -oE '[0-9]+(\.[0-9]+)? requests per second' | cut -d' ' -f1)
rcli DEL ref_stream > /dev/null

# Rounds alternate window on and off, the order flipping each round, each on an empty
# stream; a pair's ratio cancels the load other processes put on the machine meanwhile.
python3 - "$count" "$ref" "$rounds" "$bin/simulator" "$sim_url" "$redis_port" <<'PY'
import os, resource, statistics, subprocess, sys, time
n, ref, rounds, sim, url, port = (int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]),
                                  sys.argv[4], sys.argv[5], sys.argv[6])
admin = ["redis-cli", "-p", port, "--user", "admin", "--pass", "bench-admin", "--no-auth-warning"]

def run(extra):
    """reports/s and simulator CPU microseconds per report of one --rate 0 run"""
    subprocess.run(admin + ["DEL", "antenna_stream"], check=True, stdout=subprocess.DEVNULL)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run([sim, "--port", "0", "--antennas", "100", "--rate", "0", "--count", str(n),
                    "--seed", "1", *extra], env=dict(os.environ, REDIS_URL=url), check=True,
                   stderr=subprocess.DEVNULL)
    secs = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return n / secs, cpu / n * 1e6

on, off = [], []
for i in range(rounds):
    pair = [(on, []), (off, ["--resend-window-ms", "0"])]
    for results, extra in (pair if i % 2 == 0 else pair[::-1]):
        results.append(run(extra))
rate_on = statistics.median(r for r, _ in on)
rate_off = statistics.median(r for r, _ in off)
pair_ratio = statistics.median(a[0] / b[0] for a, b in zip(on, off))
cpu_on = statistics.median(c for _, c in on)
cpu_off = statistics.median(c for _, c in off)
print(f"{'simulator':<46}{'reports/s':>12}")
print(f"{'redis-benchmark -P 64 XADD (reference)':<46}{ref:>12.0f}")
print(f"{'simulator --rate 0 (1 connection)':<46}{rate_on:>12.0f}")
print(f"ratio: {rate_on / ref:.2f}x (target >= 0.8x)")
for name, runs, rate, cpu in (("re-send window on (default)", on, rate_on, cpu_on),
                              ("re-send window off (--resend-window-ms 0)", off, rate_off, cpu_off)):
    print(f"{'  ' + name:<46}{rate:>12.0f}  {cpu:.2f} cpu-us/report  rounds: "
          + " ".join(f"{r:.0f}" for r, _ in runs))
print(f"window on / off: {pair_ratio:.3f}x (median of {rounds} paired rounds; target >= 0.95x), "
      f"cpu per report {cpu_on / cpu_off:.2f}x")
PY
