"""Load driver for bench/robot.sh: paced drive commands through robot-gateway's HTTP API,
and the same pigpio commands sent straight to pigpio-sim over one TCP connection.
Latency is measured from each command's scheduled start (open loop), so a stall is
counted against every command it delays.

  robot_load.py compare HTTP_PORT TOKEN SIM_PORT RATE SECONDS REPEATS TARGET_P99_MS
Runs direct and gateway measurements alternately REPEATS times, paced at RATE and then as
fast as possible (one command at a time), and prints each figure's median beside the
direct reference with the ratio, then whether the gateway met the p99 target."""
import http.client
import json
import statistics
import socket
import struct
import sys
import time

LINUS_IN = [13, 21, 17, 27]
LINUS_ENABLE = [12, 26]
PATTERNS = {"forward": [1, 0, 1, 0], "backward": [0, 1, 0, 1]}
DUTY = 255
CMD_WRITE, CMD_PWM = 4, 5


def gateway_sender(port, token):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = {d: json.dumps({"direction": d, "speed": 1}) for d in PATTERNS}

    def send(direction):
        conn.request("POST", "/api/v1/robots/linus/drive", bodies[direction], headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status == 200
    return send


def direct_sender(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def recv_exact(size):
        data = b""
        while len(data) < size:
            chunk = sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("pigpio-sim closed the connection")
            data += chunk
        return data

    def send(direction):
        frames = [(CMD_WRITE, g, v) for g, v in zip(LINUS_IN, PATTERNS[direction])]
        frames += [(CMD_PWM, g, DUTY) for g in LINUS_ENABLE]
        # pipelined in one write, as the gateway sends a drive command
        sock.sendall(b"".join(struct.pack("<IIII", c, p1, p2, 0) for c, p1, p2 in frames))
        replies = recv_exact(16 * len(frames))
        return all(struct.unpack_from("<IIIi", replies, 16 * i)[3] >= 0
                   for i in range(len(frames)))
    return send


def run(send, rate, seconds):
    latencies, errors = [], 0
    start = time.perf_counter()
    n = 0
    while True:
        scheduled = start + n / rate if rate else time.perf_counter()
        if scheduled - start >= seconds:
            break
        now = time.perf_counter()
        if scheduled > now:
            time.sleep(scheduled - now)
        ok = send("forward" if n % 2 == 0 else "backward")
        latencies.append(time.perf_counter() - scheduled)
        errors += not ok
        n += 1
    elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(q):
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 3)
    return {"commands": n, "seconds": round(elapsed, 3), "commands_per_s": round(n / elapsed),
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": pct(1.0), "errors": errors}


def server_share_within(port, bound):
    """Fraction of gateway commands whose server-side time (turn wait + pigpio round trip)
    was within bound seconds, from robot_command_duration_seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    within = total = None
    for line in text.splitlines():
        if line.startswith(f'robot_command_duration_seconds_bucket{{robot="linus",le="{bound}"}}'):
            within = float(line.split()[-1])
        if line.startswith('robot_command_duration_seconds_count{robot="linus"}'):
            total = float(line.split()[-1])
    return within / total if total else 0.0


def median_of(runs):
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def row(name, gateway, direct):
    ratio = f"{gateway / direct:.2f}" if direct else "n/a"
    print(f"    {name:<15} gateway {gateway:>10}   direct (reference) {direct:>10}   ratio {ratio}")


def main():
    http_port, token, sim_port = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    rate, seconds, repeats, target = float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8])
    direct = direct_sender(sim_port)
    direct("forward")

    def fresh_gateway():
        """A new keep-alive connection per run: the server closes idle ones."""
        send = gateway_sender(http_port, token)
        send("forward")
        return send
    print("robot gateway benchmark: a drive command = 4 WRITE + 2 PWM to pigpio-sim on loopback,")
    print(f"pipelined in one write on both sides; medians of {repeats} alternating runs of {seconds:g} s")
    for label, pace in ((f"paced at {rate:g} commands/s (latency from each scheduled start):", rate),
                        ("as fast as possible, one command at a time:", 0)):
        g_runs, d_runs = [], []
        for _ in range(repeats):
            d_runs.append(run(direct, pace, seconds))
            g_runs.append(run(fresh_gateway(), pace, seconds))
        g, d = median_of(g_runs), median_of(d_runs)
        print("  " + label)
        for key in ("commands_per_s", "p50_ms", "p99_ms", "max_ms", "errors"):
            row(key, g[key], d[key])
        if pace:
            paced_p99 = g["p99_ms"]
    share = server_share_within(http_port, "0.002")
    print(f"  gateway server side (turn wait + pigpio round trip): {share * 100:.2f}% of commands within 2 ms")
    verdict = "met" if paced_p99 <= target else "NOT met"
    print(f"  target p99 <= {target:g} ms at {rate:g} commands/s through the gateway: {verdict} ({paced_p99} ms)")


if __name__ == "__main__":
    main()
