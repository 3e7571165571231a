"""Integration test harness: real redis-server (with broker-config and its ACL users)
and our real binaries, on free loopback ports, in a per-test temporary directory."""
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("TW_BUILD", REPO / "build"))
STOP_TIMEOUT_S = 5.0
SANITIZED = "asan" in str(BUILD) or "tsan" in str(BUILD)
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "WARNING: ThreadSanitizer")


# The release build, for the few measurements a sanitizer's allocator would distort.
RELEASE_BUILD = REPO / "build"


def binary(name, build=None):
    path = (build or BUILD) / "bin" / name
    assert path.exists(), f"{path} not built"
    return str(path)


def free_port(host="127.0.0.1"):
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout_s, what, interval_s=0.05):
    """Polls predicate until it returns a truthy value; fails the test after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(interval_s)


def http_get(port, path, host="127.0.0.1", timeout_s=5.0):
    """GET a path; returns (status, parsed JSON or text)."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=timeout_s) as resp:
            body, status, ctype = resp.read(), resp.status, resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        body, status, ctype = err.read(), err.code, err.headers.get("Content-Type", "")
    text = body.decode()
    return status, (json.loads(text) if "json" in ctype else text)


def metric_value(port, name, host="127.0.0.1"):
    """The value of an unlabelled series on a service's /metrics, None when absent."""
    status, text = http_get(port, "/metrics", host=host)
    assert status == 200
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


class Process:
    """One of our binaries running in the background, stderr captured to a file."""

    def __init__(self, name, args, env, workdir, build=None, prefix=()):
        self.name = name
        self.log_path = Path(workdir) / f"{name}-{time.monotonic_ns()}.log"
        self.log = open(self.log_path, "wb")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "PORT"))}
        full_env.update(env)
        # prefix: a command that ends by exec'ing the binary given as its last argument
        self.proc = subprocess.Popen([*prefix, binary(name, build), *args], env=full_env,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def logs(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def log_records(self):
        return [json.loads(line) for line in self.logs().splitlines() if line.startswith("{")]

    def alive(self):
        return self.proc.poll() is None

    def wait_ready(self, port, timeout_s=15.0, host="127.0.0.1"):
        def ready():
            assert self.alive(), f"{self.name} exited early:\n{self.logs()}"
            try:
                return http_get(port, "/readyz", host=host, timeout_s=1)[0] == 200
            except OSError:
                return False
        wait_until(ready, timeout_s, f"{self.name} ready on {host}:{port}")
        return self

    def wait_exit(self, timeout_s):
        return self.proc.wait(timeout=timeout_s)

    def stop(self):
        """SIGTERM; the contract wants exit status 0 within 5 s."""
        if not self.alive():
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=STOP_TIMEOUT_S * (3 if SANITIZED else 1))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail(f"{self.name} did not stop within {STOP_TIMEOUT_S}s:\n{self.logs()[-4000:]}")
        return code

    def kill9(self):
        self.proc.kill()
        self.proc.wait()


class RedisServer:
    """redis-server with broker-config/redis.conf and rendered ACL users."""

    def __init__(self, workdir):
        self.dir = Path(workdir) / "redis"
        self.dir.mkdir()
        self.port = free_port()
        self.passwords = {u: secrets.token_hex(12) for u in ("admin", "simulator", "analytics")}
        env = dict(os.environ, SECRETS_DIR=str(self.dir / "secrets"),
                   **{f"REDIS_{u.upper()}_PASSWORD": p for u, p in self.passwords.items()})
        subprocess.run([str(REPO / "broker-config/render-acl"), str(self.dir / "users.acl")],
                       env=env, check=True)
        self.proc = None
        self.start()

    def start(self):
        self.log = open(self.dir / "redis.log", "ab")
        self.proc = subprocess.Popen(
            ["redis-server", str(REPO / "broker-config/redis.conf"), "--port", str(self.port),
             "--bind", "127.0.0.1", "--dir", str(self.dir), "--aclfile", str(self.dir / "users.acl"),
             "--save", ""], stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir)
        wait_until(self._pings, 10, "redis-server to answer")

    def _pings(self):
        try:
            return self.client().ping()
        except redis.exceptions.ConnectionError:
            return False

    def client(self, user="admin"):
        return redis.Redis(host="127.0.0.1", port=self.port, username=user,
                           password=self.passwords[user], decode_responses=True)

    def url(self, user):
        return f"redis://{user}:{self.passwords[user]}@127.0.0.1:{self.port}"

    def stop(self):
        """Clean shutdown: the AOF is fsynced, nothing acknowledged is lost."""
        if self.proc and self.proc.poll() is None:
            try:
                self.client().shutdown()
            except redis.exceptions.ConnectionError:
                pass
            self.proc.wait(timeout=10)

    def kill9(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


@pytest.fixture
def redis_server(workdir):
    server = RedisServer(workdir)
    yield server
    server.stop()


@pytest.fixture
def spawn(workdir):
    """spawn(name, args, env) starts one of our binaries; all are stopped after the test."""
    started = []

    def start(name, args=(), env=None, build=None, prefix=()):
        proc = Process(name, list(args), env or {}, workdir, build, prefix)
        started.append(proc)
        return proc

    yield start
    problems = []
    for proc in started:
        code = proc.stop() if proc.alive() else proc.proc.returncode
        if code not in (0, -signal.SIGKILL):
            problems.append(f"{proc.name} exited with {code}")
        for marker in SANITIZER_MARKERS:
            if marker in proc.logs():
                problems.append(f"{proc.name}: {marker}\n{proc.logs()[-6000:]}")
    assert not problems, "\n".join(problems)
