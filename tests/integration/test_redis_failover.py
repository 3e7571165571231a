"""Redis high availability with Sentinel: under simulator load the master is killed (-9)
twice, the second time the master promoted by the first failover, once the old master has
rejoined as a replica. Each time the master had confirmed writes no replica received (its
replication cut first: asynchronous replication's worst case), so the promoted replica is
behind: the simulator re-sends what it lost (re-send window), analytics finds an older
checkpoint generation and reloads and replays. Simulator and analytics find every new
master through the Sentinels, analytics never exits, and the totals equal exactly what the
simulator generated."""
import time
from collections import Counter

import pytest

from conftest import free_port, metric_value, wait_until
from pipeline import stream_fields, stream_sums, summary
from redis_ha import SentinelCluster, monotonic_since, wait_promoted
from test_redis_durability import generated, read_to_the_end

KEY = "antenna_stream"
CONSUMERS = ("ha-0", "ha-1")
RATE = 2000                 # reports/s
BATCH = 256                 # reports per XADD batch, so at most this many are in flight
RESEND_WINDOW_MS = 30000    # longer than the unreplicated stretch plus the failover
UNREPLICATED_REPORTS = 300  # confirmed by the doomed master alone before it dies
FOLLOW_TIMEOUT_S = 60       # bound on each failover, promotion included


@pytest.fixture
def cluster(workdir):
    ha = SentinelCluster(workdir, replicas=2)
    yield ha
    ha.stop()


def gen(master, consumer):
    return int(master.client().hget(f"{KEY}:ckpt:{consumer}", "gen") or 0)


def last_ms(entry_id):
    return int(entry_id.split("-")[0]) if entry_id else 0


def sent(sim):
    return metric_value(sim.port, "simulator_reports_sent_total")


def cut_and_kill(master, sim, analytics):
    """Stops replication from master (replicas can no longer authenticate), waits until the
    simulator has had UNREPLICATED_REPORTS more reports confirmed than the batch that may
    have been in flight at the cut, and every analytics replica has saved a checkpoint,
    all on master alone; then kills it. Returns the wall time of the kill, ms."""
    admin = master.client()
    admin.execute_command("ACL", "SETUSER", "replication", "off")
    admin.execute_command("CLIENT", "KILL", "TYPE", "replica")
    confirmed, gens = sent(sim), {c: gen(master, c) for c in CONSUMERS}
    wait_until(lambda: sent(sim) >= confirmed + BATCH + UNREPLICATED_REPORTS and
               all(gen(master, c) > gens[c] for c in CONSUMERS), 20,
               "reports and checkpoints only the master holds")
    assert admin.info("replication")["connected_slaves"] == 0
    assert all(a.alive() for a in analytics)
    killed_ms = int(time.time() * 1000)
    master.kill9()
    return killed_ms


def connections(client, user):
    return sum(1 for c in client.client_list() if c.get("user") == user)


def follow(cluster, old, since_ms, analytics):
    """After a kill or a switchover: waits for the promotion, for the simulator to write
    to the new master and for analytics to read there (reader and checkpoint connections)
    and checkpoint; returns the new master and the seconds each took."""
    start = time.monotonic()
    checkpoints = {a.port: metric_value(a.port, "analytics_checkpoints_total") for a in analytics}
    master = wait_promoted(cluster, old, FOLLOW_TIMEOUT_S)
    promoted_s = monotonic_since(start)
    client = master.client()
    length = client.xlen(KEY)  # a master now: no more entries from the old one
    wait_until(lambda: connections(client, "simulator") >= 1 and client.xlen(KEY) > length,
               FOLLOW_TIMEOUT_S, "the simulator to write to the new master")
    simulator_s = monotonic_since(start)

    def analytics_there():
        groups = client.xinfo_groups(KEY)
        return groups and last_ms(groups[0]["last-delivered-id"]) > since_ms and \
            connections(client, "analytics") >= 2 * len(analytics) and all(
                metric_value(a.port, "analytics_checkpoints_total") > checkpoints[a.port]
                for a in analytics)
    wait_until(analytics_there, FOLLOW_TIMEOUT_S, "analytics to read and checkpoint there")
    return master, {"promoted_s": round(promoted_s, 2), "simulator_s": round(simulator_s, 2),
                    "analytics_s": round(monotonic_since(start), 2)}


def stop_and_check_exact(client, sim, analytics):
    """After a second more of reports on the master client talks to: stops the simulator,
    waits until analytics has read everything, and checks that its totals are what the
    simulator generated and that the stream holds each report once (what Redis lost was
    re-sent exactly once). Returns (records, packets, loss)."""
    length = client.xlen(KEY)
    wait_until(lambda: client.xlen(KEY) >= length + RATE, 30, "a second more of reports")
    assert sim.stop() == 0
    expected = generated(sim)

    def drained():
        got = _totals(analytics)
        return got if got[0] >= expected[0] and read_to_the_end(client) else None
    assert wait_until(drained, 120, f"analytics to reach {expected}") == expected
    seqs = Counter((f["antenna_id"], int(f["seq"])) for f in stream_fields(client, KEY))
    assert len(seqs) == expected[0] and set(seqs.values()) == {1}
    print(f"exact totals (records, packets, loss): {expected}")
    return expected


def start(spawn, name, env, args=()):
    port = free_port()
    proc = spawn(name, ["--port", str(port), "--listen", "127.0.0.1", *args], env)
    proc.port = port
    return proc


def test_two_failovers_under_load_keep_totals_exact(spawn, cluster):
    analytics = [start(spawn, "analytics", {**cluster.client_env("analytics"),
                                            "CONSUMER_NAME": c}) for c in CONSUMERS]
    for proc in analytics:
        proc.wait_ready(proc.port)
    sim = start(spawn, "simulator", cluster.client_env("simulator"), [
        "--antennas", "20", "--rate", str(RATE), "--seed", "16", "--antenna-id", "ha",
        "--batch", str(BATCH), "--resend-window-ms", str(RESEND_WINDOW_MS)])
    first = cluster.instances[0]
    wait_until(lambda: first.client().xlen(KEY) >= RATE, 30, "a second of reports")

    timings = []
    killed_ms = cut_and_kill(first, sim, analytics)
    second, took = follow(cluster, first, killed_ms, analytics)
    timings.append(took)
    # the old master comes back as it was configured (a master); the Sentinels make it a
    # replica of the new one
    first.start()

    def rejoined():  # (the master as the Sentinels name it now: a loaded machine may
        master = cluster.master()  # have had a failover of its own meanwhile)
        return master if master and first.replica_in_sync(master) else None
    second = wait_until(rejoined, FOLLOW_TIMEOUT_S, "the old master to rejoin as a replica")
    cluster.wait_ready()
    killed_ms = cut_and_kill(second, sim, analytics)
    third, took = follow(cluster, second, killed_ms, analytics)
    timings.append(took)
    cluster.settle()
    print(f"failover timings (s from kill -9): {timings}")

    client = third.client()
    expected = stop_and_check_exact(client, sim, analytics)
    truth = stream_sums(client, KEY)
    assert (truth["records"], truth["packets"], truth["loss"]) == expected
    stopped = next(r for r in sim.log_records() if r["msg"] == "simulator stopped")
    # each kill is one rollback (an unplanned failover of a loaded machine may add one)
    assert stopped["rollbacks"] >= 2 and stopped["resent"] >= 2 * UNREPLICATED_REPORTS
    for proc in analytics:
        assert proc.alive(), proc.logs()[-3000:]
        assert metric_value(proc.port, "analytics_redis_rollbacks_total") >= 2
        assert "adopted" not in proc.logs()
    assert all(t["analytics_s"] < FOLLOW_TIMEOUT_S for t in timings)


def _totals(analytics):
    bodies = [summary(a.port) for a in analytics]
    return tuple(sum(b[k] for b in bodies) for k in ("records", "packets", "loss"))


def test_a_switchover_is_followed_at_once_and_loses_nothing(spawn, cluster):
    """SENTINEL FAILOVER leaves the old master running and taking writes until Sentinel
    demotes it (about 10 s later), which then drops them. Simulator and analytics ask the
    Sentinels every second whether the master moved, so they leave it within about a
    second: a re-send window of a few seconds covers what it confirmed meanwhile."""
    analytics = [start(spawn, "analytics", {**cluster.client_env("analytics"),
                                            "CONSUMER_NAME": CONSUMERS[0]})]
    analytics[0].wait_ready(analytics[0].port)
    sim = start(spawn, "simulator", cluster.client_env("simulator"), [
        "--antennas", "20", "--rate", str(RATE), "--seed", "17", "--antenna-id", "sw",
        "--resend-window-ms", "5000"])
    old = cluster.instances[0]
    wait_until(lambda: old.client().xlen(KEY) >= RATE, 30, "a second of reports")
    switched_ms = int(time.time() * 1000)
    cluster.sentinels[0].client().execute_command("SENTINEL", "FAILOVER", "towerwatch")
    new, took = follow(cluster, old, switched_ms, analytics)
    cluster.settle()
    print(f"switchover timings (s from SENTINEL FAILOVER): {took}")
    stop_and_check_exact(new.client(), sim, analytics)
    assert any(r.get("error") == "the sentinels name another master"
               for r in sim.log_records()), sim.logs()[-3000:]
    assert analytics[0].alive()
