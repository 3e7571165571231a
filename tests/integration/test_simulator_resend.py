"""The simulator's re-send window: when Redis comes back behind what it confirmed (started
from an older copy of its data, as a machine crash inside appendfsync everysec or a restore
would leave it), every lost report is written again, exactly once; when a connection breaks
mid-batch without data loss, the in-flight reports Redis applied are not written twice."""
import shutil
import signal
import time
from collections import Counter

import pytest

from conftest import free_port, http_get, wait_until
from pipeline import stream_fields
from test_cli_contract import promtool_check
from test_traces import metric

STREAM = "antenna_stream"
CUTS = 4                 # connection cuts per run
CUT_SETTLE_S = 0.15      # let the simulator reconnect and write between two cuts
STOP_PAST_TIMEOUT_S = 1.5  # a SIGSTOP of Redis longer than the simulator's 1 s command timeout
RUN_TIMEOUT_S = 180


def set_simulator_reads(redis_server, allowed):
    """Lets the simulator user read the stream back (XRANGE, XREVRANGE) or forbids it, in the
    rendered ACL file, and loads it (kept across restarts of this Redis)."""
    path = redis_server.dir / "users.acl"
    rule = " +xrange +xrevrange" if allowed else " -xrange -xrevrange"
    lines = [line + rule if line.startswith("user simulator ") else line
             for line in path.read_text().splitlines()]
    path.write_text("\n".join(lines) + "\n")
    redis_server.client().execute_command("ACL", "LOAD")


def identities(client):
    """How many times each (antenna_id, seq) appears in the whole stream."""
    return Counter((f["antenna_id"], int(f["seq"])) for f in stream_fields(client, STREAM))


def every_report_once(prefix, antennas, count):
    per_antenna = count // antennas
    return Counter({(f"{prefix}-{a}", s): 1 for a in range(antennas)
                    for s in range(1, per_antenna + 1)})


def stopped_record(sim):
    return next(r for r in sim.log_records() if r["msg"] == "simulator stopped")


def start_simulator(spawn, redis_server, args, port=None):
    port = port or free_port()
    proc = spawn("simulator", ["--port", str(port), "--listen", "127.0.0.1", *args],
                 {"REDIS_URL": redis_server.url("simulator")})
    proc.port = port
    return proc


def restore(redis_server, backup):
    """kill -9 Redis and start it from the older copy of its append-only files."""
    redis_server.kill9()
    aof = redis_server.dir / "appendonlydir"
    shutil.rmtree(aof)
    shutil.copytree(backup, aof)
    redis_server.start()


def test_redis_back_in_time_gets_every_lost_report_again_once(spawn, redis_server, workdir,
                                                              tmp_path):
    set_simulator_reads(redis_server, True)
    antennas, count = 5, 30000
    sim = start_simulator(spawn, redis_server, [
        "--antenna-id", "rb", "--antennas", str(antennas), "--rate", "2000", "--count",
        str(count), "--seed", "5", "--resend-window-ms", "10000"])
    client = redis_server.client()
    wait_until(lambda: client.xlen(STREAM) >= 6000, 30, "the first 6000 reports")
    backup = workdir / "appendonlydir-older"
    shutil.copytree(redis_server.dir / "appendonlydir", backup)
    at_copy = client.xlen(STREAM)
    wait_until(lambda: client.xlen(STREAM) >= at_copy + 3000, 30, "1.5 s more of reports")
    # With the simulator paused, Redis answers everything it was sent: each entry it holds
    # now is one the simulator will read a confirmation for before it sees the connection go.
    sim.proc.send_signal(signal.SIGSTOP)
    time.sleep(0.3)
    confirmed = identities(client)
    restore(redis_server, backup)
    held = identities(redis_server.client())
    lost = set(confirmed) - set(held)
    assert len(lost) >= 2000, (len(confirmed), len(held))
    assert set(held) <= set(confirmed)
    sim.proc.send_signal(signal.SIGCONT)

    wait_until(lambda: metric(sim.port, "simulator_redis_rollbacks_total") == 1, 30,
               "the simulator to detect the rollback")
    resent = metric(sim.port, "simulator_reports_resent_total")
    promtool_check(http_get(sim.port, "/metrics")[1], tmp_path)
    assert sim.wait_exit(RUN_TIMEOUT_S) == 0, sim.logs()

    print(f"figures rollback: confirmed {len(confirmed)}, held after the restore {len(held)}, "
          f"lost {len(lost)}, re-sent {resent}")
    assert resent == len(lost)
    assert identities(redis_server.client()) == every_report_once("rb", antennas, count)
    stopped = stopped_record(sim)
    assert (stopped["resent"], stopped["rollbacks"], stopped["dropped"]) == (len(lost), 1, 0)
    warnings = [r for r in sim.log_records()
                if r["msg"] == "redis lost confirmed reports; re-sending"]
    assert [w["reports"] for w in warnings] == [len(lost)]


def cut_connections(redis_server, sim, how):
    """Breaks the simulator's connection CUTS times while it writes; returns how many cuts."""
    admin = redis_server.client()
    cuts = 0
    deadline = time.monotonic() + 60
    while sim.alive() and cuts < CUTS and time.monotonic() < deadline:
        time.sleep(CUT_SETTLE_S)
        if how == "client-kill":
            cuts += admin.execute_command("CLIENT", "KILL", "USER", "simulator") > 0
        else:
            redis_server.proc.send_signal(signal.SIGSTOP)
            time.sleep(STOP_PAST_TIMEOUT_S)
            redis_server.proc.send_signal(signal.SIGCONT)
            cuts += 1
    return cuts


def run_with_cuts(spawn, redis_server, how, prefix, antennas, count, args=()):
    """A --rate 0 run whose connection is cut while it writes; returns the ended simulator."""
    sim = start_simulator(spawn, redis_server, [
        "--antenna-id", prefix, "--antennas", str(antennas), "--rate", "0", "--count",
        str(count), *args])
    wait_until(lambda: redis_server.client().xlen(STREAM) >= 1000, 30, "the first reports")
    cuts = cut_connections(redis_server, sim, how)
    assert sim.wait_exit(RUN_TIMEOUT_S) == 0, sim.logs()
    assert cuts >= 2, "the run ended before the connection could be cut"
    return sim


@pytest.mark.parametrize("how", ["client-kill", "sigstop"])
def test_cut_mid_batch_writes_each_report_once(spawn, redis_server, how):
    set_simulator_reads(redis_server, True)
    antennas, count = 10, 200000
    sim = run_with_cuts(spawn, redis_server, how, "cut", antennas, count, ["--seed", "7"])
    assert identities(redis_server.client()) == every_report_once("cut", antennas, count)
    stopped = stopped_record(sim)
    assert (stopped["sent"], stopped["resent"], stopped["rollbacks"]) == (count, 0, 0)
    if how == "sigstop":
        # Redis applies the batch it was sent while stopped after the simulator gave up on it
        assert stopped["resolved"] > 0, sim.logs()[-3000:]


@pytest.mark.parametrize("window_ms", ["2000", "0"])
def test_refused_read_back_falls_back_to_resending(spawn, redis_server, window_ms):
    set_simulator_reads(redis_server, False)
    antennas, count = 4, 100000
    sim = run_with_cuts(spawn, redis_server, "client-kill", "np", antennas, count,
                        ["--resend-window-ms", window_ms])
    seen = identities(redis_server.client())
    assert set(seen) == set(every_report_once("np", antennas, count))  # maybe some twice
    refusals = [r for r in sim.log_records()
                if r["msg"].startswith("cannot read the stream back")]
    assert len(refusals) == (1 if window_ms != "0" else 0)
    stopped = stopped_record(sim)
    assert (stopped["resent"], stopped["resolved"], stopped["rollbacks"]) == (0, 0, 0)
