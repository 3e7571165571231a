#!/usr/bin/env bash
# Tracing cost: analytics draining one backlog whose entries carry a traceparent (100% by
# default, TRACE_SAMPLE to change), once with tracing off and once with
# OTEL_EXPORTER_OTLP_ENDPOINT pointed at a dead endpoint (nothing listens: every export
# fails and is retried, spans are dropped), alternating, each in its own consumer group.
# The best round of each is compared. Target >= 0.95x.
set -euo pipefail
source "$(dirname "$0")/common.bash"
entries=${TRACE_ENTRIES:-500000}
sample=${TRACE_SAMPLE:-1}
rounds=${TRACE_ROUNDS:-5}
start_redis
trap stop_redis EXIT
dead="http://127.0.0.1:$(free_port)"
OTEL_EXPORTER_OTLP_ENDPOINT=$dead OTEL_TRACES_SAMPLER_ARG=$sample REDIS_URL=$sim_url \
    "$bin/simulator" --port 0 --antennas 1000 --rate 0 --count "$entries" --maxlen 0 --seed 1 2>/dev/null
traced=$(rcli XRANGE antenna_stream - + COUNT 10000 | grep -c '^00-' || true)
echo "trace: backlog of $(rcli XLEN antenna_stream) entries, $traced of the first 10000 carry a traceparent"

# Drains the backlog in a new group; prints the seconds it took. $1: group, $2: endpoint or "".
drain() {
    local port start elapsed
    port=$(free_port)
    start=$(now_s)
    OTEL_EXPORTER_OTLP_ENDPOINT=$2 REDIS_URL=$an_url CONSUMER_NAME="bench-$1" \
        "$bin/analytics" --port "$port" --listen 127.0.0.1 --consumer-group "$1" 2>/dev/null &
    local pid=$!
    elapsed=$(wait_records "$port" "$entries" "$start")
    if [ -n "$2" ]; then
        curl -s "http://127.0.0.1:$port/metrics" | grep -E '^trace_spans_(dropped|failed|exported)_total' |
            tr '\n' ' ' >&2
        echo >&2
    fi
    kill -TERM "$pid"; wait "$pid" || true
    echo "$elapsed"
}

off=() on=()
for round in $(seq "$rounds"); do
    off+=("$(drain "off$round" "")")
    on+=("$(drain "on$round" "$dead")")
done
python3 - "$entries" "${off[*]}" "${on[*]}" <<'PY'
import sys
n = int(sys.argv[1])
off = [float(x) for x in sys.argv[2].split()]
on = [float(x) for x in sys.argv[3].split()]
best_off, best_on = n / min(off), n / min(on)
print(f"{'analytics ingest':<40}{'entries':>10}{'seconds':>10}{'records/s':>12}")
print(f"{'tracing off (reference)':<40}{n:>10}{min(off):>10.2f}{best_off:>12.0f}")
print(f"{'tracing on, dead OTLP endpoint':<40}{n:>10}{min(on):>10.2f}{best_on:>12.0f}")
print(f"rounds off: {' '.join(f'{x:.2f}' for x in off)} s; on: {' '.join(f'{x:.2f}' for x in on)} s")
print(f"ratio: {best_on / best_off:.2f}x (target >= 0.95x)")
PY
