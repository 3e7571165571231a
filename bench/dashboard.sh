#!/usr/bin/env bash
# Dashboard benchmark: wrk against /api/v1/summary on the dashboard with two analytics
# replicas behind it (on 127.0.0.1 and 127.0.0.2, same port, one consumer group), beside
# wrk against nginx serving a static JSON file of the same size, in the same run.
# Target: >= 10k requests/s and p99 < 20 ms. Prints each figure, its reference and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TW_BUILD:-build}/bin
DURATION_S=${DURATION_S:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
ANTENNAS=50
RECORDS=20000
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT


free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # url
    for _ in $(seq 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
    echo "no answer from $1" >&2; exit 1
}

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    >"$work/redis.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export REDIS_URL="redis://127.0.0.1:$redis_port"

analytics_port=$(free_port)
for host in 127.0.0.1 127.0.0.2; do
    CONSUMER_NAME="bench-$host" "$BIN/analytics" --port "$analytics_port" --listen "$host" \
        2>"$work/analytics-$host.log" & pids+=($!)
    wait_http "http://$host:$analytics_port/healthz"
done
ANTENNA_ID=bench "$BIN/simulator" --antennas $ANTENNAS --count $RECORDS --rate 0 --seed 1 \
    --port "$(free_port)" 2>"$work/simulator.log"

dash_port=$(free_port)
ANALYTICS_ADDR="127.0.0.1:$analytics_port,127.0.0.2:$analytics_port" \
    "$BIN/dashboard" --port "$dash_port" --listen 127.0.0.1 --log-level warn \
    2>"$work/dashboard.log" & pids+=($!)
wait_http "http://127.0.0.1:$dash_port/readyz"
url="http://127.0.0.1:$dash_port/api/v1/summary?window=60"
for _ in $(seq 200); do
    [ "$(curl -s "$url" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')" = $RECORDS ] && break
    sleep 0.1
done

# Reference: nginx serving a file of the same size as the dashboard's reply.
mkdir -p "$work/www"
chmod 755 "$work" "$work/www"  # nginx workers run as an unprivileged user
curl -s "$url" >"$work/www/summary.json"
chmod 644 "$work/www/summary.json"
size=$(stat -c %s "$work/www/summary.json")
nginx_port=$(free_port)
cat >"$work/nginx.conf" <<CONF
worker_processes 2;
error_log $work/nginx-error.log;
pid $work/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
    uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
    types { application/json json; }
    server { listen 127.0.0.1:$nginx_port; root $work/www; }
}
CONF
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf" -p "$work" -g 'daemon off;' 2>"$work/nginx.log" & pids+=($!)
wait_http "http://127.0.0.1:$nginx_port/summary.json"

run_wrk() { # url -> "rps p99_ms"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION_S}s" --latency "$1" >"$work/wrk.txt"
    python3 - "$work/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.0f} {p99:.2f} {errors.group(1) if errors else 0}")
PY
}

read -r dash_rps dash_p99 dash_err < <(run_wrk "$url")
read -r ngx_rps ngx_p99 ngx_err < <(run_wrk "http://127.0.0.1:$nginx_port/summary.json")
echo "dashboard benchmark: wrk -t$THREADS -c$CONNECTIONS -d${DURATION_S}s, reply $size bytes, 2 analytics replicas"
printf '%-34s %12s %12s %8s\n' figure dashboard "nginx (ref)" ratio
printf '%-34s %12s %12s %8s\n' "requests/s (target >= 10000)" "$dash_rps" "$ngx_rps" \
    "$(python3 -c "print(f'{$dash_rps/$ngx_rps:.2f}x')")"
printf '%-34s %12s %12s %8s\n' "p99 latency ms (target < 20)" "$dash_p99" "$ngx_p99" \
    "$(python3 -c "print(f'{$dash_p99/max($ngx_p99,0.001):.2f}x')")"
printf '%-34s %12s %12s\n' "non-2xx replies" "$dash_err" "$ngx_err"
