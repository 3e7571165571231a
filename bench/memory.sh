#!/usr/bin/env bash
# analytics resident memory with 10k antennas as records grow to 10M: must stay under
# 64 MiB and flat in record count.
set -euo pipefail
source "$(dirname "$0")/common.bash"
antennas=${MEM_ANTENNAS:-10000}
total=${MEM_RECORDS:-10000000}
start_redis
trap 'kill $an_pid 2>/dev/null; stop_redis' EXIT
port=$(free_port)
REDIS_URL=$an_url CONSUMER_NAME=mem "$bin/analytics" --port "$port" --listen 127.0.0.1 2>/dev/null &
an_pid=$!
printf "%-12s %-10s %s\n" "records" "antennas" "analytics RSS (MiB)"
step=$((total / 5))
for i in 1 2 3 4 5; do
    REDIS_URL=$sim_url "$bin/simulator" --port 0 --antennas "$antennas" --rate 0 --count "$step" \
        --maxlen 0 --seed "$i" --antenna-id m 2>/dev/null
    wait_records "$port" $((step * i)) "$(now_s)" > /dev/null
    rcli XTRIM antenna_stream MAXLEN 0 > /dev/null   # keep Redis small; analytics has applied them
    rss_mib=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$an_pid/status")
    printf "%-12s %-10s %s\n" $((step * i)) "$antennas" "$rss_mib"
done
