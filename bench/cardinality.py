#!/usr/bin/env python3
"""The read path at network sizes: for each size (CARD_ANTENNAS, default 10k 30k 100k
antennas) three analytics replicas share one stream that already holds CARD_REPORTS
reports per antenna, a simulator keeps every antenna reporting every 5 s, and a dashboard
merges the replicas while a client asks it for the summary and the first page of the
antenna list (sorted by loss rate) ten times a second for CARD_SECONDS.

Printed per size: time to the first answer, summary and list p50/p99, failed requests,
bytes fetched from the replicas per refresh, peak RSS of analytics (each replica) and of
the dashboard, the checkpoint's size and mean save time, a replica's restore time, and
whether the totals came out exact. Each beside the same figures of the previous read path
(the dashboard asking every replica for the whole JSON merge document), built from
CARD_REFERENCE_REV and measured in the same run up to CARD_REFERENCE_MAX antennas."""
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("TW_BUILD", REPO / "build")) / "bin"
SIZES = [int(x) for x in os.environ.get("CARD_ANTENNAS", "10000 30000 100000").split()]
REPORTS = int(os.environ.get("CARD_REPORTS", "5"))
SECONDS = float(os.environ.get("CARD_SECONDS", "20"))
REFERENCE_REV = os.environ.get("CARD_REFERENCE_REV", "70ac744")
REFERENCE_MAX = int(os.environ.get("CARD_REFERENCE_MAX", "30000"))
HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
INTERVAL_S = 5
SAMPLE_EVERY_S = 0.1
REQUEST_TIMEOUT_S = 2.0
PASSWORDS = {"admin": "card-admin", "simulator": "card-sim", "analytics": "card-an"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=REQUEST_TIMEOUT_S):
    """(status, body bytes, headers) of a GET; (0, b"", {}) when it failed."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)
    except (OSError, ValueError):
        return 0, b"", {}


def get_json(url, timeout=REQUEST_TIMEOUT_S):
    status, body, _ = get(url, timeout)
    try:
        return status, json.loads(body) if body else None
    except ValueError:
        return status, None


def wait(predicate, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def rss_mib(pid, field="VmHWM"):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def metric(text, name):
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def pct(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Stack:
    """redis-server with broker-config, three analytics replicas, simulators, a dashboard."""

    def __init__(self, bin_dir, work):
        self.bin, self.work, self.procs = bin_dir, work, []
        env = dict(os.environ, REDIS_ADMIN_PASSWORD=PASSWORDS["admin"],
                   REDIS_SIMULATOR_PASSWORD=PASSWORDS["simulator"],
                   REDIS_ANALYTICS_PASSWORD=PASSWORDS["analytics"])
        subprocess.run([str(REPO / "broker-config/render-acl"), str(work / "users.acl")],
                       env=env, check=True)
        self.redis_port = free_port()
        self.redis = subprocess.Popen(
            ["redis-server", str(REPO / "broker-config/redis.conf"), "--port",
             str(self.redis_port), "--dir", str(work), "--aclfile", str(work / "users.acl"),
             "--save", "", "--appendonly", "no"],
            stdout=open(work / "redis.log", "w"), stderr=subprocess.STDOUT)
        wait(lambda: self.cli("PING") == "PONG", 20, "redis")
        self.port = free_port()
        self.analytics = {}

    def url(self, user):
        return f"redis://{user}:{PASSWORDS[user]}@127.0.0.1:{self.redis_port}"

    def cli(self, *args):
        out = subprocess.run(["redis-cli", "-p", str(self.redis_port), "--user", "admin",
                              "--pass", PASSWORDS["admin"], "--no-auth-warning", *args],
                             capture_output=True, text=True)
        return out.stdout.strip()

    def spawn(self, name, args, env, log):
        proc = subprocess.Popen([str(self.bin / name), *args], env=dict(os.environ, **env),
                                stdout=subprocess.DEVNULL, stderr=open(self.work / log, "w"))
        self.procs.append(proc)
        return proc

    def start_replica(self, i):
        host = HOSTS[i]
        proc = self.spawn("analytics", ["--port", str(self.port), "--listen", host,
                                        "--log-level", "warn"],
                          {"REDIS_URL": self.url("analytics"), "CONSUMER_NAME": f"card-{i}"},
                          f"analytics-{i}.log")
        self.analytics[i] = proc
        return proc

    def replica_records(self):
        total = 0
        for host in HOSTS:
            status, body = get_json(f"http://{host}:{self.port}/api/v1/summary?window=0")
            if status != 200:
                return -1
            total += body["records"]
        return total

    def simulate(self, antennas, count, rate, seed):
        return self.spawn("simulator", ["--port", "0", "--antennas", str(antennas), "--rate",
                                        str(rate), "--count", str(count), "--seed", str(seed),
                                        "--antenna-id", "c", "--log-level", "warn"],
                          {"REDIS_URL": self.url("simulator")}, f"simulator-{seed}.log")

    def start_dashboard(self):
        self.dash_port = free_port()
        addr = ",".join(f"{h}:{self.port}" for h in HOSTS)
        self.dash = self.spawn("dashboard", ["--port", str(self.dash_port), "--listen",
                                             "127.0.0.1", "--log-level", "warn"],
                               {"ANALYTICS_ADDR": addr}, "dashboard.log")
        return self.dash

    def stop(self):
        for proc in self.procs + [self.redis]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs + [self.redis]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def checkpoint_figures(stack):
    sizes = [int(stack.cli("MEMORY", "USAGE", f"antenna_stream:ckpt:card-{i}", "SAMPLES", "0")
                 or 0) for i in range(len(HOSTS))]
    status, text, _ = get(f"http://{HOSTS[0]}:{stack.port}/metrics")
    text = text.decode(errors="replace")
    count = metric(text, "analytics_checkpoint_duration_seconds_count")
    total = metric(text, "analytics_checkpoint_duration_seconds_sum")
    return max(sizes), (total / count * 1000 if count else float("nan"))


def measure(bin_dir, antennas, label):
    work = Path(tempfile.mkdtemp(prefix="card-"))
    stack = Stack(bin_dir, work)
    out = {"label": label}
    try:
        for i in range(len(HOSTS)):
            stack.start_replica(i)
        for host in HOSTS:
            wait(lambda: get(f"http://{host}:{stack.port}/healthz")[0] == 200, 20, "analytics")
        filled = antennas * REPORTS
        stack.simulate(antennas, filled, 0, 1).wait(timeout=600)
        wait(lambda: stack.replica_records() >= filled, 600, "the replicas to drain the stream")
        rate = antennas // INTERVAL_S
        live_count = int(rate * (SECONDS + 60))
        live = stack.simulate(antennas, live_count, rate, 2)
        started = time.monotonic()
        dash = stack.start_dashboard()
        base = f"http://127.0.0.1:{stack.dash_port}"
        first = wait(lambda: (lambda r: r[1] if r[0] == 200 and r[1]["records"] >= filled
                              else None)(get_json(f"{base}/api/v1/summary?window=0", 30)),
                     120, "the dashboard's first answer")
        out["first_s"] = time.monotonic() - started
        out["rows"] = first["antennas"]["active"]
        _, before, _ = get(f"{base}/metrics")
        summary_ms, list_ms, failed = [], [], 0
        rss = {"dashboard": 0.0}
        end = time.monotonic() + SECONDS
        while time.monotonic() < end:
            for path, into in (("/api/v1/summary?window=0", summary_ms),
                               ("/api/v1/antennas?window=0&sort=loss_rate&limit=50", list_ms)):
                t0 = time.monotonic()
                status, _, _ = get(base + path)
                into.append((time.monotonic() - t0) * 1000)
                failed += status != 200
            time.sleep(SAMPLE_EVERY_S)
        _, after, _ = get(f"{base}/metrics")
        out.update(summary_p50=pct(summary_ms, 0.5), summary_p99=pct(summary_ms, 0.99),
                   list_p50=pct(list_ms, 0.5), list_p99=pct(list_ms, 0.99), failed=failed,
                   requests=len(summary_ms) + len(list_ms))
        out["bytes_per_refresh"] = bytes_per_refresh(before.decode(), after.decode(), stack)
        out["analytics_rss"] = max(rss_mib(p.pid) for p in stack.analytics.values())
        out["dashboard_rss"] = rss_mib(dash.pid)
        live.send_signal(signal.SIGTERM)
        live.wait(timeout=30)
        out["checkpoint_bytes"], out["checkpoint_ms"] = checkpoint_figures(stack)
        out["exact"] = exact(stack, base)
        out["restore_s"] = restore(stack)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        out["error"] = str(e)
    finally:
        stack.stop()
        if "error" in out and os.environ.get("CARD_KEEP"):
            print(f"   logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return out


def bytes_per_refresh(before, after, stack):
    """Replica bytes per dashboard refresh: the exchange's own counters, or (for the
    previous read path, which has none) one merge document per replica."""
    docs = sum(metric(after, f'dashboard_exchange_documents_total{{kind="{k}"}}') -
               metric(before, f'dashboard_exchange_documents_total{{kind="{k}"}}')
               for k in ("full", "delta"))
    if docs:
        sent = metric(after, "dashboard_exchange_bytes_total") - \
            metric(before, "dashboard_exchange_bytes_total")
        return sent / docs * len(HOSTS)
    _, body, _ = get(f"http://{HOSTS[0]}:{stack.port}/api/v1/merge?window=0", 60)
    return len(body) * len(HOSTS)


def exact(stack, base):
    """The dashboard's since-start totals equal the replicas' once the stream is drained."""
    def settled():
        want = stack.replica_records()
        status, body = get_json(f"{base}/api/v1/summary?window=0", 30)
        return status == 200 and body["records"] == want and want > 0 and \
            int(stack.cli("XLEN", "antenna_stream") or 0) >= 0
    try:
        wait(settled, 60, "the dashboard to equal the replicas")
        return "yes"
    except RuntimeError:
        return "no"


def restore(stack):
    """Seconds from a replica's restart to its readiness with its state restored."""
    proc = stack.analytics[0]
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    t0 = time.monotonic()
    stack.start_replica(0)
    url = f"http://{HOSTS[0]}:{stack.port}/readyz"
    try:
        wait(lambda: get(url)[0] == 200, 120, "readiness")
    except RuntimeError:
        raise RuntimeError(f"the restarted replica is not ready: {get(url)[1][:200]!r}")
    return time.monotonic() - t0


def reference_bin():
    """Builds the previous read path (CARD_REFERENCE_REV) once, under build/bench."""
    target = REPO / "build/bench/reference"
    if (target / "bin/dashboard").exists():
        return target / "bin"
    tree = Path(tempfile.mkdtemp(prefix="card-ref-"))
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree),
                    REFERENCE_REV], check=True, capture_output=True)
    try:
        subprocess.run(["make", "-s", "-j2", "BUILD=" + str(target), "all"], cwd=tree,
                       check=True, capture_output=True)
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                       capture_output=True)
    return target / "bin"


def fmt(value, spec):
    if isinstance(value, str):
        return value
    return "-" if value is None or value != value else format(value, spec)


ROWS = (("first answer (s)", "first_s", ".2f"), ("summary p50 (ms)", "summary_p50", ".1f"),
        ("summary p99 (ms)", "summary_p99", ".1f"), ("list p50 (ms)", "list_p50", ".1f"),
        ("list p99 (ms)", "list_p99", ".1f"), ("failed requests", "failed", "d"),
        ("bytes per refresh", "bytes_per_refresh", ",.0f"),
        ("analytics peak RSS (MiB)", "analytics_rss", ".0f"),
        ("dashboard peak RSS (MiB)", "dashboard_rss", ".0f"),
        ("checkpoint (bytes)", "checkpoint_bytes", ",d"),
        ("checkpoint save (ms, mean)", "checkpoint_ms", ".1f"),
        ("replica restore (s)", "restore_s", ".2f"), ("totals exact", "exact", "s"))


def report(antennas, new, old):
    print(f"-- {antennas:,} antennas, {len(HOSTS)} replicas, {REPORTS} reports each, "
          f"then every antenna every {INTERVAL_S} s")
    print(f"{'figure':28} {'exchange':>14} {'merge JSON':>14}")
    for title, key, spec in ROWS:
        a = new.get(key)
        b = old.get(key) if old else None
        print(f"{title:28} {fmt(a, spec) if a is not None else '-':>14} "
              f"{fmt(b, spec) if b is not None else '-':>14}")
    for result in (new, old):
        if result and "error" in result:
            print(f"   {result['label']}: {result['error']}")
    sys.stdout.flush()


def main():
    reference = None
    if REFERENCE_REV:
        try:
            reference = reference_bin()
        except subprocess.CalledProcessError as e:
            print(f"reference build of {REFERENCE_REV} failed: {e}")
    for antennas in SIZES:
        new = measure(BIN, antennas, "exchange")
        old = measure(reference, antennas, "merge JSON") \
            if reference and antennas <= REFERENCE_MAX else None
        report(antennas, new, old)


if __name__ == "__main__":
    main()
