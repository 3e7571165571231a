"""Polls analytics replicas' /api/v1/summary until together they applied `records`;
prints: seconds to the first applied record (start-up and group join), seconds to all,
and the drain rate in records/s between those two moments.
Usage: drain_rate.py START_EPOCH_S RECORDS HOST:PORT[,HOST:PORT...]"""
import json
import sys
import time
import urllib.request

POLL_S = 0.02
TIMEOUT_S = 600


def applied(addrs):
    total = 0
    for addr in addrs:
        try:
            with urllib.request.urlopen(f"http://{addr}/api/v1/summary", timeout=5) as resp:
                total += json.load(resp)["records"]
        except OSError:
            pass
    return total


def main():
    start, want, addrs = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")
    first_at = first_count = None
    deadline = time.time() + TIMEOUT_S
    while time.time() < deadline:
        got, now = applied(addrs), time.time()
        if got > 0 and first_at is None:
            first_at, first_count = now, got
        if got >= want:
            rate = (want - first_count) / max(now - first_at, POLL_S)
            print(f"{first_at - start:.2f} {now - start:.2f} {rate:.0f}")
            return
        time.sleep(POLL_S)
    print("timeout timeout 0")
    sys.exit(1)


main()
