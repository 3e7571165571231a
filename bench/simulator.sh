#!/usr/bin/env bash
# Simulator write rate (--rate 0, pipelined XADD, one connection) vs redis-benchmark -P 64
# XADD of the same record on the same server. Target >= 0.8x.
set -euo pipefail
source "$(dirname "$0")/common.bash"
count=${SIM_COUNT:-1000000}
start_redis
trap stop_redis EXIT
bench_out=$(redis-benchmark -p "$redis_port" --user admin -a bench-admin -P 64 -n "$count" -q \
    XADD ref_stream MAXLEN '~' 5000000 '*' antenna_id antenna-0 timestamp 1795328456 packets 716 \
    loss 3 latency 38.522 seq 123456 run 83ccfb2d520fa8bb sent_us 1795328456123750 2>/dev/null | tr '\r' '\n' | grep 'requests per second' | tail -1)
ref=$(echo "$bench_out" | grep -oE '[0-9]+(\.[0-9]+)? requests per second' | cut -d' ' -f1)
rcli DEL ref_stream > /dev/null
start=$(now_s)
REDIS_URL=$sim_url "$bin/simulator" --port 0 --antennas 100 --rate 0 --count "$count" --seed 1 2>/dev/null
secs=$(python3 -c "print($(now_s) - $start)")
python3 - "$count" "$secs" "$ref" <<'PY'
import sys
n, secs, ref = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
rate = n / secs
print(f"{'simulator':<40}{'reports/s':>12}")
print(f"{'redis-benchmark -P 64 XADD (reference)':<40}{ref:>12.0f}")
print(f"{'simulator --rate 0 (1 connection)':<40}{rate:>12.0f}")
print(f"ratio: {rate / ref:.2f}x (target >= 0.8x)")
PY
