#!/usr/bin/env bash
# Robot gateway benchmark: drive commands/s and latency through robot-gateway to
# pigpio-sim on loopback, beside the same pigpio commands (4 WRITE + 2 PWM per drive)
# sent straight to pigpio-sim over one TCP connection, in the same run.
# Target: p99 <= 2 ms at 1,000 commands/s through the gateway.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
RATE=${RATE:-1000}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-3}
REPEATS=${REPEATS:-3}
PY=/usr/bin/python3
TARGET_P99_MS=2
TOKEN=bench-token

# The load driver is C, so client overhead does not blur either side.
DRIVER=build/bench/robot_load
mkdir -p build/bench
cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Icommon bench/robot_load.c common/tw_pigpio.c -o "$DRIVER"

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SIM_PORT=$(free_port); IDLE_PORT=$(free_port); HTTP_PORT=$(free_port)
LOGS=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$LOGS"; }
trap cleanup EXIT

# Logging every pin change would dominate both sides equally; keep logs to warnings.
"$BIN/pigpio-sim" --listen 127.0.0.1 --port "$SIM_PORT" --log-level warn 2>"$LOGS/sim.log" & pids+=($!)
"$BIN/pigpio-sim" --listen 127.0.0.1 --port "$IDLE_PORT" --log-level warn 2>"$LOGS/sim2.log" & pids+=($!)
PORT=$HTTP_PORT LISTEN_ADDR=127.0.0.1 ROBOT_TOKEN=$TOKEN LINUS_PIGPIO=127.0.0.1:$SIM_PORT \
    TORVALDS_PIGPIO=127.0.0.1:$IDLE_PORT ROBOT_WATCHDOG_MS=500 LOG_LEVEL=warn \
    "$BIN/robot-gateway" 2>"$LOGS/gateway.log" & pids+=($!)
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null

$PY bench/robot_compare.py "$DRIVER" "$HTTP_PORT" "$TOKEN" "$SIM_PORT" "$RATE" "$SECONDS_PER_RUN" "$REPEATS" "$TARGET_P99_MS"
