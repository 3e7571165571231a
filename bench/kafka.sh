#!/usr/bin/env bash
# Kafka vs Redis in the same run: the simulator writing a backlog as fast as it can, then
# analytics draining it with 1 and with 2 replicas (each run in a consumer group of its
# own, so each drains the whole backlog). Kafka is librdkafka's mock cluster (3 brokers
# in one process, 12 partitions): the real protocol, batching and compression, but its
# brokers share this machine's cores with the clients (like redis-server does).
# Drain rate = records/s between the first applied record and the last (start-up and the
# group join are reported apart, as "join s").
set -euo pipefail
source "$(dirname "$0")/common.bash"
records=${KAFKA_BENCH_RECORDS:-200000}
antennas=1000
partitions=12
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done  # not redis: stop_redis does
    stop_redis
}
start_redis
trap cleanup EXIT
trap "exit 1" INT TERM  # so a stopped run still stops its processes
kafka_out=$work/kafka-mock.out
"$bin/kafka-mock" --partitions "$partitions" > "$kafka_out" 2>"$work/kafka-mock.log" &
pids+=($!)
until [ -s "$kafka_out" ]; do kill -0 "${pids[0]}" || { cat "$work/kafka-mock.log" >&2; exit 1; }; sleep 0.05; done
bootstrap=$(head -1 "$kafka_out")

write() { # broker -> "seconds"
    local start; start=$(now_s)
    REDIS_URL=$sim_url KAFKA_BROKERS=$bootstrap "$bin/simulator" --port 0 --broker "$1" \
        --antennas "$antennas" --rate 0 --count "$records" --maxlen 0 --seed 1 2>/dev/null
    python3 -c "print(f'{$(now_s) - $start:.2f}')"
}

drain() { # broker replicas -> "join_s all_s rate"
    local broker=$1 replicas=$2 addrs="" start pid port
    start=$(now_s)
    local mine=()
    for i in $(seq "$replicas"); do
        port=$(free_port)
        REDIS_URL=$an_url KAFKA_BROKERS=$bootstrap CONSUMER_GROUP="bench-$replicas" \
            CONSUMER_NAME="bench-$broker-$replicas-$i" "$bin/analytics" --broker "$broker" \
            --port "$port" --listen 127.0.0.1 2>/dev/null &
        pid=$!; pids+=("$pid"); mine+=("$pid")
        addrs+="${addrs:+,}127.0.0.1:$port"
    done
    python3 "$repo/bench/drain_rate.py" "$start" "$records" "$addrs"
    for pid in "${mine[@]}"; do kill -TERM "$pid"; wait "$pid" || true; done
}

redis_write=$(write redis)
kafka_write=$(write kafka)
read -r r1_join r1_all r1_rate < <(drain redis 1)
read -r r2_join r2_all r2_rate < <(drain redis 2)
read -r k1_join k1_all k1_rate < <(drain kafka 1)
read -r k2_join k2_all k2_rate < <(drain kafka 2)
python3 - "$records" "$redis_write" "$kafka_write" "$r1_join $r1_all $r1_rate" \
    "$r2_join $r2_all $r2_rate" "$k1_join $k1_all $k1_rate" "$k2_join $k2_all $k2_rate" "$(nproc)" <<'PY'
import sys
n = int(sys.argv[1])
rw, kw = float(sys.argv[2]), float(sys.argv[3])
runs = [tuple(a.split()) for a in sys.argv[4:8]]
print(f"kafka: {n} records, {sys.argv[8]} cores (brokers, clients and checkpoints share them)")
print(f"{'path':<34}{'join s':>8}{'total s':>9}{'records/s':>12}")
print(f"{'simulator -> Redis stream':<34}{'':>8}{rw:>9.2f}{n / rw:>12.0f}")
print(f"{'simulator -> mock Kafka (acks=all)':<34}{'':>8}{kw:>9.2f}{n / kw:>12.0f}")
names = ["analytics x1 <- Redis", "analytics x2 <- Redis", "analytics x1 <- mock Kafka",
         "analytics x2 <- mock Kafka"]
for name, (join, total, rate) in zip(names, runs):
    print(f"{name:<34}{join:>8}{total:>9}{rate:>12}")
PY
