"""Load driver for bench/robot.sh: paced drive commands through robot-gateway's HTTP API,
and the same pigpio commands sent straight to pigpio-sim over one TCP connection.
Latency is measured from each command's scheduled start (open loop), so a stall is
counted against every command it delays.

  robot_load.py gateway PORT TOKEN RATE SECONDS
  robot_load.py direct  PORT RATE SECONDS
  (RATE 0 = as fast as possible, one command at a time)
Prints one JSON object: commands, seconds, commands_per_s, p50_ms, p99_ms, max_ms, errors."""
import http.client
import json
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


def main():
    mode = sys.argv[1]
    if mode == "gateway":
        port, token, rate, seconds = int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
        send = gateway_sender(port, token)
    else:
        port, rate, seconds = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
        send = direct_sender(port)
    send("forward")  # warm the connection
    print(json.dumps(run(send, rate, seconds)))


if __name__ == "__main__":
    main()
