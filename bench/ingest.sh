#!/usr/bin/env bash
# Ingest: analytics draining a 2M-entry backlog vs a bare hiredis XREADGROUP COUNT 1000 +
# XACK reader on the same Redis and stream (separate groups). Target >= 0.9x.
set -euo pipefail
source "$(dirname "$0")/common.bash"
entries=${INGEST_ENTRIES:-2000000}
start_redis
trap stop_redis EXIT
REDIS_URL=$sim_url "$bin/simulator" --port 0 --antennas 1000 --rate 0 --count "$entries" --maxlen 0 --seed 1 2>/dev/null
echo "ingest: backlog of $(rcli XLEN antenna_stream) entries"
read -r bare_n bare_s bare_rate < <("$bench_bin/bare_reader" "$admin_url" antenna_stream bare)
port=$(free_port)
start=$(now_s)
REDIS_URL=$an_url CONSUMER_NAME=bench "$bin/analytics" --port "$port" --listen 127.0.0.1 2>/dev/null &
an_pid=$!
elapsed=$(wait_records "$port" "$entries" "$start")
kill -TERM "$an_pid"; wait "$an_pid" || true
python3 - "$bare_n" "$bare_s" "$bare_rate" "$entries" "$elapsed" <<'PY'
import sys
bare_n, bare_s, bare_rate, n, secs = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
rate = n / secs
print(f"{'ingest':<34}{'entries':>10}{'seconds':>10}{'records/s':>12}")
print(f"{'bare XREADGROUP+XACK (reference)':<34}{bare_n:>10}{bare_s:>10.2f}{bare_rate:>12.0f}")
print(f"{'analytics (parse+ring+apply+ckpt)':<34}{n:>10}{secs:>10.2f}{rate:>12.0f}")
print(f"ratio: {rate / bare_rate:.2f}x (target >= 0.9x)")
PY
