"""`make run`'s supervisor (mk/run-local) on free ports with a run directory and secrets
of the test's own: a process that exits is named, with its log, and restarted while the
others keep running; a second instance refuses and changes nothing; SIGINT to the
supervisor's process group (Ctrl-C in its terminal) stops everything in order, quietly,
with exit status 0. Runs the release binaries (build/bin): this checks the supervisor,
not the services."""
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO, free_port, http_get, wait_until

RELEASE_BUILD = REPO / "build"
RUN_LOCAL = REPO / "mk/run-local"
PORT_SETTINGS = ["REDIS_PORT", "DASHBOARD_PORT", "ANALYTICS_PORT", "ROBOT_PORT", "SIMULATOR_PORT",
                 "LINUS_PIGPIO_PORT", "TORVALDS_PIGPIO_PORT"]
# The stop order the README promises: what runs on Redis goes before Redis.
STOP_ORDER = ["simulator", "analytics", "dashboard", "robot-gateway", "pigpio-sim", "pigpio-sim",
              "redis-server"]
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 60
ALARMING = ("exited", "unexpected", "killed", "did not", "error", "failed", "restart")


def distinct_free_ports(count):
    ports = set()
    for _ in range(100):
        ports.add(free_port())
        if len(ports) == count:
            return sorted(ports)
    pytest.fail("could not find distinct free ports")


def children(pid):
    """{pid: program name} of a process' children (from /proc)."""
    try:
        pids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return {}
    found = {}
    for child in pids:
        try:
            argv0 = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")[0].decode()
        except FileNotFoundError:
            continue
        # redis-server rewrites its command line ("redis-server 127.0.0.1:PORT").
        found[int(child)] = os.path.basename(argv0.split(" ")[0])
    return found


def alive(pid):
    """Running (an exited child its parent has not reaped yet counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


class Stack:
    """mk/run-local started as a terminal would run it: its own process group."""

    def __init__(self, tmp_path):
        assert (RELEASE_BUILD / "bin/analytics").exists(), f"{RELEASE_BUILD}/bin not built (make all)"
        self.run_dir = tmp_path / "run"
        ports = distinct_free_ports(len(PORT_SETTINGS))
        self.settings = dict(zip(PORT_SETTINGS, map(str, ports)))
        self.env = dict(os.environ, TW_BUILD=str(RELEASE_BUILD), TW_RUN_DIR=str(self.run_dir),
                        SECRETS_DIR=str(tmp_path / "secrets"), ANTENNAS="2", INTERVAL="1",
                        **self.settings)
        self.out_path = tmp_path / "supervisor.out"
        self.proc = None

    def start(self):
        with open(self.out_path, "wb") as out:
            self.proc = subprocess.Popen([str(RUN_LOCAL)], env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         process_group=0)
        wait_until(lambda: "Press Ctrl-C" in self.output() or self.proc.poll() is not None,
                   START_TIMEOUT_S, "the running banner")
        assert self.proc.poll() is None, self.output()
        self.wait_ready("ANALYTICS_PORT")
        self.wait_ready("DASHBOARD_PORT", "/healthz")
        return self

    def wait_ready(self, setting, path="/readyz"):
        def ready():
            try:
                return http_get(int(self.settings[setting]), path, timeout_s=2)[0] == 200
            except OSError:
                return False
        wait_until(ready, START_TIMEOUT_S, f"{setting} answering {path}", interval_s=0.2)

    def output(self):
        return self.out_path.read_text(errors="replace")

    def programs(self):
        return children(self.proc.pid)

    def ctrl_c(self):
        """SIGINT to the whole process group, as the terminal sends it; returns the
        order in which the children went away, as poll rounds per pid."""
        pids = self.programs()
        gone = {}
        os.killpg(self.proc.pid, signal.SIGINT)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        rounds = 0
        while len(gone) < len(pids) and time.monotonic() < deadline:
            for pid in pids:
                if pid not in gone and not alive(pid):
                    gone[pid] = rounds
            rounds += 1
            time.sleep(0.01)
        code = self.proc.wait(timeout=STOP_TIMEOUT_S)
        return code, pids, gone

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.ctrl_c()
        for pid in children(self.proc.pid) if self.proc else {}:
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def stack(tmp_path):
    s = Stack(tmp_path)
    yield s.start()
    s.cleanup()


def test_an_exited_process_is_named_and_restarted_while_the_rest_keep_running(stack):
    before = stack.programs()
    assert sorted(before.values()) == sorted(STOP_ORDER)
    analytics = next(pid for pid, name in before.items() if name == "analytics")
    os.kill(analytics, signal.SIGKILL)
    wait_until(lambda: "analytics restarted" in stack.output(), START_TIMEOUT_S,
               "analytics restarted")
    out = stack.output()
    assert "analytics exited (killed by SIGKILL)" in out, out
    assert '"msg":"analytics started"' in out.split("analytics exited")[1], "no log lines shown"
    stack.wait_ready("ANALYTICS_PORT")
    after = stack.programs()
    assert sorted(after.values()) == sorted(STOP_ORDER)
    new_analytics = next(pid for pid, name in after.items() if name == "analytics")
    assert new_analytics != analytics
    others = {pid for pid, name in before.items() if name != "analytics"}
    assert others <= set(after), "another process was restarted or stopped"
    assert all(alive(pid) for pid in others)
    for name in ("simulator", "dashboard", "robot-gateway", "redis", "pigpio-linus"):
        assert f"{name} exited" not in out


def test_a_second_instance_refuses_and_touches_nothing(stack, tmp_path):
    pids = stack.programs()
    logs = {p: p.read_bytes() for p in stack.run_dir.iterdir() if p.is_file()}
    second = subprocess.run([str(RUN_LOCAL)], env=stack.env, capture_output=True, text=True,
                            timeout=START_TIMEOUT_S)
    assert second.returncode == 1
    assert "already running" in second.stderr and str(stack.proc.pid) in second.stderr, second.stderr
    assert "towerwatch is running" not in second.stdout
    for path, content in logs.items():
        assert path.read_bytes().startswith(content), f"{path.name} was rewritten"
    # The same ports from another run directory (another checkout): refused on the port.
    other_run_dir = tmp_path / "other-run"
    third = subprocess.run([str(RUN_LOCAL)], env=dict(stack.env, TW_RUN_DIR=str(other_run_dir)),
                           capture_output=True, text=True, timeout=START_TIMEOUT_S)
    assert third.returncode == 1
    assert "already in use" in third.stderr, third.stderr
    assert [p.name for p in other_run_dir.iterdir()] == ["supervisor.lock"]
    assert stack.programs() == pids and all(alive(pid) for pid in pids)


def test_ctrl_c_stops_everything_in_order_quietly(stack):
    banner_end = len(stack.output())
    code, pids, gone = stack.ctrl_c()
    said = stack.output()[banner_end:]
    assert code == 0, said
    assert len(gone) == len(pids), f"still running: {set(pids) - set(gone)}"
    # Each name's processes went away no earlier than those of the name before it (the two
    # pigpio-sims, one name, in either order).
    names = list(dict.fromkeys(STOP_ORDER))
    rounds = [[gone[pid] for pid in pids if pids[pid] == name] for name in names]
    assert all(max(a) <= min(b) for a, b in zip(rounds, rounds[1:])), \
        f"stop order: {[pids[p] for p in sorted(pids, key=gone.get)]}"
    lines = [line for line in said.splitlines() if line.strip()]
    assert lines[0].startswith("stopping simulator, analytics, dashboard, robot-gateway"), said
    assert lines[-1].startswith("stopped"), said
    assert not [line for line in lines if any(word in line.lower() for word in ALARMING)], said
    analytics_log = (stack.run_dir / "analytics.log").read_text()
    assert "cannot reach redis" not in analytics_log and "XREADGROUP" not in analytics_log
