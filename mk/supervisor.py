"""A small process supervisor for `make run` (mk/run-local): starts a list of programs in
order, each in its own process group with its output in a log file; when one exits it
names it, prints the last lines of its log and restarts it with a growing delay while the
others keep running; SIGINT, SIGTERM or SIGHUP stop them all in the reverse of the start
order, each given time to exit cleanly. A lock file in the run directory (held while the
supervisor lives) and a check of the ports make a second instance refuse before it
touches anything."""
import ctypes
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time

POLL_S = 0.2
STOP_TIMEOUT_S = 10.0
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0
# A process that ran this long before exiting starts again from the first delay.
STABLE_S = 30.0
LOG_TAIL_LINES = 10
PR_SET_PDEATHSIG = 1


def say(text):
    print(text, flush=True)


def log_tail(path, lines=LOG_TAIL_LINES):
    """The last lines of a log file (at most the last 16 KiB of it)."""
    try:
        with open(path, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 16384))
            text = log.read().decode(errors="replace")
    except OSError as err:
        return [f"(cannot read {path}: {err.strerror})"]
    return text.splitlines()[-lines:] or ["(the log is empty)"]


def describe_exit(code):
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _die_with_parent(parent_pid):
    """Runs in the child before exec: it gets SIGTERM if the supervisor itself dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:
        os._exit(1)


class Program:
    """One supervised program: its command, environment, log file and restart state."""

    def __init__(self, name, argv, env, log_path, cwd=None):
        self.name, self.argv, self.env, self.log_path, self.cwd = name, argv, env, log_path, cwd
        self.proc = None
        self.started_at = 0.0
        self.failures = 0
        self.restart_at = None

    def start(self, truncate):
        """Starts it (in a process group of its own, so the terminal's Ctrl-C reaches only
        the supervisor); returns None, or why it could not be started."""
        parent = os.getpid()
        self.started_at = time.monotonic()
        self.restart_at = None
        try:
            with open(self.log_path, "wb" if truncate else "ab") as log:
                self.proc = subprocess.Popen(
                    self.argv, env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, process_group=0,
                    preexec_fn=lambda: _die_with_parent(parent))
        except OSError as err:
            self.proc = None
            return f"could not be started ({self.argv[0]}: {err.strerror})"
        return None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM, then SIGKILL after STOP_TIMEOUT_S; returns the exit code or None."""
        if not self.running():
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            say(f"{self.name} did not stop within {STOP_TIMEOUT_S:.0f} s: killing it")
            self.proc.kill()
            return self.proc.wait()


class AlreadyRunning(Exception):
    """Another supervisor holds the lock, or a port the stack needs is taken."""


class Supervisor:
    """Runs programs (in start order) until a stop signal; see the module comment."""

    def __init__(self, run_dir, ports):
        self.run_dir = run_dir
        self.ports = ports  # {port: "SETTING, what listens there"}
        self.programs = []
        self.stop_requested = False
        self.lock_file = None

    def claim(self):
        """Takes the run directory's lock and checks every port is free; raises
        AlreadyRunning (having changed nothing) otherwise."""
        os.makedirs(self.run_dir, exist_ok=True)
        path = os.path.join(self.run_dir, "supervisor.lock")
        lock = open(path, "a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            pid = lock.read().strip() or "?"
            lock.close()
            raise AlreadyRunning(
                f"towerwatch is already running from this checkout (supervisor pid {pid}, "
                f"logs in {self.run_dir}/); stop it with Ctrl-C in its terminal or kill -INT {pid}")
        for port, what in sorted(self.ports.items()):
            if not port_free(port):
                lock.close()
                raise AlreadyRunning(
                    f"port {port} ({what}) is already in use on 127.0.0.1: another towerwatch "
                    f"(another checkout?) or another program has it; stop it, or choose "
                    f"other ports (see README, `make run` settings)")
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        self.lock_file = lock

    def add(self, program):
        self.programs.append(program)

    def handle_signals(self):
        def request_stop(_signum, _frame):
            self.stop_requested = True
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, request_stop)

    def start(self, program, wait_ready=None, ready_timeout_s=10.0):
        """Starts one program (log truncated); wait_ready() is polled until true.
        Returns False when it did not come up."""
        problem = program.start(truncate=True)
        if problem:
            say(f"{program.name} {problem}")
            return False
        if wait_ready is None:
            return True
        deadline = time.monotonic() + ready_timeout_s
        while time.monotonic() < deadline and not self.stop_requested:
            if not program.running():
                break
            if wait_ready():
                return True
            time.sleep(0.1)
        if not self.stop_requested:
            self.report_exit(program, f"did not come up within {ready_timeout_s:.0f} s")
        return False

    def report_exit(self, program, how):
        say(f"{program.name} {how}; last lines of {program.log_path}:")
        for line in log_tail(program.log_path):
            say(f"    {line}")

    def watch(self):
        """Restarts whatever exits until a stop is requested."""
        while not self.stop_requested:
            now = time.monotonic()
            for program in self.programs:
                if program.restart_at is None and not program.running():
                    ran_s = now - program.started_at
                    self.report_exit(program, f"exited ({describe_exit(program.proc.returncode)}) "
                                              f"after {ran_s:.0f} s")
                    self.schedule_restart(program, now, ran_s)
                elif program.restart_at is not None and now >= program.restart_at:
                    problem = program.start(truncate=False)
                    if problem:
                        say(f"{program.name} {problem}")
                        self.schedule_restart(program, now, 0.0)
                    else:
                        say(f"{program.name} restarted (pid {program.proc.pid})")
            time.sleep(POLL_S)

    def schedule_restart(self, program, now, ran_s):
        """The next start after a growing delay (back to the first one after a long run)."""
        program.failures = 1 if ran_s >= STABLE_S else program.failures + 1
        delay = min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (program.failures - 1))
        say(f"restarting {program.name} in {delay:.0f} s; the others keep running")
        program.restart_at = now + delay

    def stop_all(self):
        """Stops every program, last started first; True when each exited cleanly."""
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        clean = True
        for program in reversed(self.programs):
            code = program.stop()
            if code not in (None, 0):
                clean = False
                self.report_exit(program, f"stopped with {describe_exit(code)}")
        return clean


def port_free(port):
    """True when a server could listen on 127.0.0.1:port (as the services do, with
    SO_REUSEADDR, so a connection in TIME_WAIT does not count as in use)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def fail(text):
    print(text, file=sys.stderr, flush=True)
    sys.exit(1)
