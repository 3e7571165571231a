# Shared by the bench scripts: a throwaway redis-server with broker-config and ACL users.
# shellcheck shell=bash
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$repo/build/bin
bench_bin=$repo/build/bench

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_redis() {
    work=$(mktemp -d)
    redis_port=$(free_port)
    export REDIS_ADMIN_PASSWORD=bench-admin REDIS_SIMULATOR_PASSWORD=bench-sim REDIS_ANALYTICS_PASSWORD=bench-an
    "$repo/broker-config/render-acl" "$work/users.acl"
    redis-server "$repo/broker-config/redis.conf" --port "$redis_port" --dir "$work" \
        --aclfile "$work/users.acl" --save "" --appendonly no > "$work/redis.log" 2>&1 &
    redis_pid=$!
    until redis-cli -p "$redis_port" --user admin --pass bench-admin --no-auth-warning ping 2>/dev/null | grep -q PONG; do sleep 0.1; done
    admin_url="redis://admin:bench-admin@127.0.0.1:$redis_port"
    sim_url="redis://simulator:bench-sim@127.0.0.1:$redis_port"
    an_url="redis://analytics:bench-an@127.0.0.1:$redis_port"
}

rcli() { redis-cli -p "$redis_port" --user admin --pass bench-admin --no-auth-warning "$@"; }

stop_redis() {
    kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null
    rm -rf "$work"
}

now_s() { date +%s.%N; }

# Polls analytics until it has applied $2 records; prints the elapsed seconds since $3.
wait_records() {
    local port=$1 want=$2 since=$3 got
    for _ in $(seq 6000); do
        got=$(curl -s "http://127.0.0.1:$port/api/v1/summary" | grep -o '"records":[0-9]*' | cut -d: -f2)
        got=${got:-0}
        [ "$got" -ge "$want" ] && { python3 -c "print(f'{$(now_s) - $since:.3f}')"; return; }
        sleep 0.05
    done
    echo "timeout"; return 1
}
