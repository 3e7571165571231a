#!/usr/bin/env bash
# Robot gateway benchmark: drive commands/s and latency through robot-gateway to
# pigpio-sim on loopback, beside the same pigpio commands (4 WRITE + 2 PWM per drive,
# pipelined in one write on both sides) sent straight to pigpio-sim over one TCP
# connection, in the same run. Target: p99 <= 2 ms at 1,000 commands/s through the gateway.
set -euo pipefail
source "$(dirname "$0")/common.bash"
cd "$repo"
RATE=${RATE:-1000}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-3}
REPEATS=${REPEATS:-3}
TARGET_P99_MS=2
TOKEN=bench-token

# The load driver is C (bench/robot_load.c), so client overhead blurs neither side.
make -s -C "$repo" build/bench/robot_load

SIM_PORT=$(free_port); IDLE_PORT=$(free_port); HTTP_PORT=$(free_port)
LOGS=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$LOGS"; }
trap cleanup EXIT

# Logging every pin change would weigh on both sides alike; keep logs to warnings.
"$bin/pigpio-sim" --listen 127.0.0.1 --port "$SIM_PORT" --log-level warn 2>"$LOGS/sim.log" & pids+=($!)
"$bin/pigpio-sim" --listen 127.0.0.1 --port "$IDLE_PORT" --log-level warn 2>"$LOGS/sim2.log" & pids+=($!)
PORT=$HTTP_PORT LISTEN_ADDR=127.0.0.1 ROBOT_TOKEN=$TOKEN LINUS_PIGPIO=127.0.0.1:$SIM_PORT \
    TORVALDS_PIGPIO=127.0.0.1:$IDLE_PORT ROBOT_WATCHDOG_MS=500 LOG_LEVEL=warn \
    "$bin/robot-gateway" 2>"$LOGS/gateway.log" & pids+=($!)
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null

/usr/bin/python3 bench/robot_compare.py "$bench_bin/robot_load" "$HTTP_PORT" "$TOKEN" "$SIM_PORT" \
    "$RATE" "$SECONDS_PER_RUN" "$REPEATS" "$TARGET_P99_MS"
