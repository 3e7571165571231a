"""bench/robot.sh's comparison: runs the C load driver (build/bench/robot_load) straight to
pigpio-sim and through robot-gateway alternately, REPEATS times each, paced and then as
fast as possible, and prints each figure's median beside the direct reference with the
ratio, the gateway's server-side share within 2 ms, and whether the p99 target was met.

  robot_compare.py DRIVER HTTP_PORT TOKEN SIM_PORT RATE SECONDS REPEATS TARGET_P99_MS"""
import json
import statistics
import subprocess
import sys
import urllib.request

FIGURES = ("commands_per_s", "p50_ms", "p99_ms", "max_ms", "errors")


def measure(driver, args):
    out = subprocess.run([driver, *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def server_share_within(port, bound):
    """Fraction of gateway commands whose server-side time (turn wait + pigpio round trip)
    was within bound seconds, from robot_command_duration_seconds."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        text = resp.read().decode()
    within = total = 0.0
    for line in text.splitlines():
        if line.startswith(f'robot_command_duration_seconds_bucket{{robot="linus",le="{bound}"}}'):
            within = float(line.split()[-1])
        if line.startswith('robot_command_duration_seconds_count{robot="linus"}'):
            total = float(line.split()[-1])
    return within / total if total else 0.0


def main():
    driver, http_port, token, sim_port = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    rate, seconds, repeats, target = (float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7]),
                                      float(sys.argv[8]))
    print("robot gateway benchmark: a drive command = 4 WRITE + 2 PWM to pigpio-sim on loopback,")
    print(f"pipelined in one write on both sides; C load driver; medians of {repeats} "
          f"alternating runs of {seconds:g} s")
    paced_p99 = None
    for label, pace in ((f"paced at {rate:g} commands/s (latency from each scheduled start):", rate),
                        ("as fast as possible, one command at a time:", 0)):
        g_runs, d_runs = [], []
        for _ in range(repeats):
            d_runs.append(measure(driver, ["direct", sim_port, pace, seconds]))
            g_runs.append(measure(driver, ["gateway", http_port, token, pace, seconds]))
        print("  " + label)
        for key in FIGURES:
            g = statistics.median(r[key] for r in g_runs)
            d = statistics.median(r[key] for r in d_runs)
            ratio = f"{g / d:.2f}" if d else "n/a"
            print(f"    {key:<15} gateway {g:>10}   direct (reference) {d:>10}   ratio {ratio}")
            if pace and key == "p99_ms":
                paced_p99 = g
    share = server_share_within(http_port, "0.002")
    print(f"  gateway server side (turn wait + pigpio round trip): {share * 100:.2f}% of "
          "commands within 2 ms")
    verdict = "met" if paced_p99 <= target else "NOT met"
    print(f"  target p99 <= {target:g} ms at {rate:g} commands/s through the gateway: "
          f"{verdict} ({paced_p99} ms)")


if __name__ == "__main__":
    main()
