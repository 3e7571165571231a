"""Shared helpers for the robot tests: pigpio-sim instances, Debian's `pigs` client
pointed at them, the gateway, and authenticated JSON POSTs."""
import json
import os
import socket
import subprocess
import urllib.error
import urllib.request

from conftest import free_port, wait_until

PIGS_TIMEOUT_S = 10


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start_sim(spawn, port=None):
    """Starts pigpio-sim on a free loopback port; returns (process, port)."""
    port = port or free_port()
    proc = spawn("pigpio-sim", ["--listen", "127.0.0.1", "--port", str(port)])
    wait_until(lambda: proc.alive() and port_open(port), 10, f"pigpio-sim on {port}")
    return proc, port


def pigs(port, *args):
    """Runs Debian's pigs against 127.0.0.1:port; returns (exit code, stdout, stderr)."""
    env = dict(os.environ, PIGPIO_ADDR="127.0.0.1", PIGPIO_PORT=str(port))
    done = subprocess.run(["pigs", *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=PIGS_TIMEOUT_S, check=False)
    return done.returncode, done.stdout.strip(), done.stderr.strip()


def pigs_value(port, *args):
    """Runs pigs and returns its printed integer, asserting success."""
    code, out, err = pigs(port, *args)
    assert code == 0, f"pigs {args}: exit {code}, {err}"
    return int(out)


def levels(port, gpios):
    return [pigs_value(port, "r", g) for g in gpios]


DEADMAN_MARKER = 0x74776D64  # p9 of the gateway's dead-man's scripts


def scripts(port):
    """{script id: (status, [p0..p9])} of every script stored in the daemon, via pigs."""
    found = {}
    for sid in range(32):
        code, out, _ = pigs(port, "procp", sid)
        if code == 0:
            words = [int(w) for w in out.split()]
            found[sid] = (words[0], words[1:])
    return found


def deadman_scripts(port):
    return {sid: s for sid, s in scripts(port).items() if s[1][9] == DEADMAN_MARKER}


def post(port, path, body, token="test-token", raw=None):
    """POSTs JSON (or raw bytes); returns (status, parsed JSON)."""
    data = raw if raw is not None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method="POST",
                                 headers={"Content-Type": "application/json"})
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


class Robots:
    """Two pigpio-sims (linus, torvalds) and a robot-gateway in front of them."""

    def __init__(self, spawn, token="test-token", watchdog_ms=500, extra_env=None, proxy=None):
        """proxy: a robot name whose daemon the gateway reaches through a LinkProxy."""
        self.spawn = spawn
        self.token = token
        self.sims = {}
        self.ports = {}
        for name in ("linus", "torvalds"):
            self.sims[name], self.ports[name] = start_sim(spawn)
        self.proxy = LinkProxy(self.ports[proxy]) if proxy else None
        via = {name: self.proxy.port if name == proxy else port for name, port in self.ports.items()}
        self.http = free_port()
        env = {"PORT": str(self.http), "LISTEN_ADDR": "127.0.0.1",
               "LINUS_PIGPIO": f"127.0.0.1:{via['linus']}",
               "TORVALDS_PIGPIO": f"127.0.0.1:{via['torvalds']}",
               "ROBOT_WATCHDOG_MS": str(watchdog_ms)}
        if token is not None:
            env["ROBOT_TOKEN"] = token
        env.update(extra_env or {})
        self.gateway = spawn("robot-gateway", [], env)
        self.gateway.wait_ready(self.http)
        wait_until(lambda: all(self.connected().values()), 10, "both robots connected")

    def state(self):
        from conftest import http_get
        status, doc = http_get(self.http, "/api/v1/robots")
        assert status == 200, (status, doc)
        return {r["name"]: r for r in doc["robots"]}

    def connected(self):
        return {name: r["connected"] for name, r in self.state().items()}

    def post(self, path, body, token="default", raw=None):
        return post(self.http, path, body, self.token if token == "default" else token, raw)

    def drive(self, robot, direction, speed=None, token="default"):
        body = {"direction": direction}
        if speed is not None:
            body["speed"] = speed
        return self.post(f"/api/v1/robots/{robot}/drive", body, token)


class LinkProxy:
    """A TCP relay from a free loopback port to 127.0.0.1:target, standing in for the
    network between the gateway and a Pi. cut() closes every connection and refuses new
    ones; blackhole() keeps connections open but delivers nothing; restore() heals both."""

    CHUNK_BYTES = 65536
    ACCEPT_TIMEOUT_S = 0.1

    def __init__(self, target):
        import threading
        self.target = target
        self.mode = "open"
        self.conns = []
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(self.ACCEPT_TIMEOUT_S)
        self.port = self.listener.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        import threading
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                continue
            if self.mode == "cut":
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=2)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(self.CHUNK_BYTES)
                if not data:
                    break
                if self.mode == "open":
                    dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _close_all(self):
        with self.lock:
            conns, self.conns = self.conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def cut(self):
        self.mode = "cut"
        self._close_all()

    def blackhole(self):
        self.mode = "blackhole"

    def restore(self):
        self.mode = "open"

    def close(self):
        self.running = False
        self._close_all()
        self.listener.close()
