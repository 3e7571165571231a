"""Several analytics replicas on one stream: a replica killed for good is adopted by a
survivor (its checkpointed state merged, its pending entries claimed and applied once),
so the dashboard's totals over the survivors equal the stream's sums exactly; survivors
racing for the same gone replicas adopt each exactly once."""
import re
import signal

import redis

from conftest import Process, free_port, http_get, wait_until
from dashboard_stack import start_dashboard, wait_records
from pipeline import stream_sums, wait_pending_zero

QUIET_MS = 300
HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")


def start_replica(spawn, redis_server, port, host, name, adopt_after_s, args=()):
    proc = spawn("analytics", ["--port", str(port), "--listen", host,
                               "--adopt-after", str(adopt_after_s), *args],
                 {"REDIS_URL": redis_server.url("analytics"), "CONSUMER_NAME": name})
    proc.host, proc.consumer = host, name
    return proc.wait_ready(port, host=host)


def consumers(client):
    return {c["name"]: c for c in client.xinfo_consumers("antenna_stream", "analytics")}


def metric(port, host, name):
    status, text = http_get(port, "/metrics", host=host)
    assert status == 200
    found = re.search(rf"^{name} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def assert_exact(dash_port, redis_server):
    client = redis_server.client()
    expected = stream_sums(client)
    merged = wait_records(dash_port, expected["records"])
    assert (merged["packets"], merged["loss"]) == (expected["packets"], expected["loss"])
    wait_pending_zero(redis_server)
    status, rows = http_get(dash_port, "/api/v1/antennas?window=0&sort=antenna_id")
    assert status == 200
    assert {r["antenna_id"]: [r["records"], r["packets"], r["loss"]] for r in rows} == \
        expected["antennas"]
    return expected


def varint(data, at):
    value = shift = 0
    while True:
        byte = data[at]
        value, shift, at = value | (byte & 0x7F) << shift, shift + 7, at + 1
        if byte < 0x80:
            return value, at


def saved_records(name, redis_server):
    """Records in a consumer's checkpoint ("meta": version, started_at, records, ...)."""
    raw = redis.Redis(host="127.0.0.1", port=redis_server.port, username="admin",
                      password=redis_server.passwords["admin"])
    meta = raw.hget(f"antenna_stream:ckpt:{name}", "meta")
    if not meta:
        return 0
    _, at = varint(meta, 0)
    _, at = varint(meta, at)
    return varint(meta, at)[0]


def kill_with_pending(replicas, redis_server, least_pending):
    """kill -9 each replica once it has saved records and holds pending entries; returns
    consumer -> (pending entries, saved records). Once it looks ready, the replica is
    stopped (SIGSTOP) and looked at again, only once Redis has been quiet about it for a
    while: a read or a checkpoint it had sent before stopping may still be executed just
    after."""
    client = redis_server.client()
    killed = {}

    def quiet(name):
        return consumers(client).get(name, {}).get("idle", 0) >= QUIET_MS

    def ready(name):
        return consumers(client).get(name, {}).get("pending", 0) >= least_pending and \
            saved_records(name, redis_server) > 0

    def try_kill(replica):
        # looked at running first: stopping it on every poll would starve it of entries
        if not ready(replica.consumer):
            return False
        replica.proc.send_signal(signal.SIGSTOP)
        wait_until(lambda: quiet(replica.consumer), 10, f"{replica.consumer} to be quiet")
        pending = consumers(client)[replica.consumer]["pending"]
        saved = saved_records(replica.consumer, redis_server)
        if pending < least_pending or saved == 0:
            replica.proc.send_signal(signal.SIGCONT)
            return False
        replica.kill9()
        killed[replica.consumer] = (pending, saved)
        return True

    for replica in replicas:
        wait_until(lambda: try_kill(replica), 30,
                   f"{replica.consumer} to save records and hold pending entries",
                   interval_s=0.05)
    return killed


def adoption_logs(survivors, count):
    """consumer -> (pending applied, records) from the "adopted a gone replica" lines,
    once `count` of them are logged (a line follows the transaction and the applying)."""
    def logged():
        seen = {}
        for proc in survivors:
            for line in proc.log_records():
                if line["msg"] == "adopted a gone replica":
                    assert line["consumer"] not in seen, "adopted twice"
                    seen[line["consumer"]] = (line["pending_applied"], line["records"])
        return seen if len(seen) >= count else None
    return wait_until(logged, 15, f"{count} adoptions logged")


def test_replica_killed_for_good_is_adopted_and_totals_stay_exact(spawn, redis_server):
    client = redis_server.client()
    port = free_port()
    survivors = [start_replica(spawn, redis_server, port, h, f"replica-{i}", 2)
                 for i, h in enumerate(HOSTS[:2])]
    # the victim saves rarely, so it dies holding many applied-but-unacknowledged entries
    victim = start_replica(spawn, redis_server, port, HOSTS[2], "replica-victim", 2,
                           ["--checkpoint-ms", "1000", "--read-count", "200"])
    simulator = spawn("simulator", ["--port", "0", "--antennas", "40", "--rate", "40000",
                                    "--count", "150000", "--seed", "21", "--antenna-id", "r"],
                      {"REDIS_URL": redis_server.url("simulator")})
    killed = kill_with_pending([victim], redis_server, 1000)
    assert killed["replica-victim"][0] >= 1000
    wait_until(lambda: "replica-victim" not in consumers(client), 15, "the victim's adoption")
    # its state moved: what is left is the marker naming the adopter, so a process of that
    # name that comes back knows it was adopted (and not rolled back)
    marker = client.hgetall("antenna_stream:ckpt:replica-victim")
    assert list(marker) == ["adopted_by"]
    assert marker["adopted_by"] in {s.consumer for s in survivors}
    assert 0 < client.pttl("antenna_stream:ckpt:replica-victim") <= 7 * 24 * 3600 * 1000
    assert adoption_logs(survivors, 1) == killed
    # the adopter crashes too, right after adopting, and restarts under its own name
    adopter = next(s for s in survivors if metric(port, s.host, "analytics_adoptions_total"))
    adopter.kill9()
    restarted = start_replica(spawn, redis_server, port, adopter.host, adopter.consumer, 2)
    assert simulator.wait_exit(120) == 0, simulator.logs()
    assert client.xlen("antenna_stream") == 150000
    dash = start_dashboard(spawn, ",".join(f"{h}:{port}" for h in HOSTS[:2]))
    expected = assert_exact(dash.port, redis_server)
    assert expected["records"] == 150000
    assert set(consumers(client)) == {"replica-0", "replica-1"}
    assert metric(port, restarted.host, "analytics_adoptions_total") == 0


def test_survivors_racing_adopt_each_gone_replica_once(spawn, redis_server):
    client = redis_server.client()
    port = free_port()
    gone = [start_replica(spawn, redis_server, port, f"127.0.0.{11 + i}", f"gone-{i}", 2,
                          ["--checkpoint-ms", "1000", "--read-count", "100"])
            for i in range(4)]
    simulator = spawn("simulator", ["--port", "0", "--antennas", "20", "--rate", "20000",
                                    "--count", "60000", "--seed", "8", "--antenna-id", "q"],
                      {"REDIS_URL": redis_server.url("simulator")})
    killed = kill_with_pending(gone, redis_server, 200)
    assert min(pending for pending, _ in killed.values()) >= 200
    assert simulator.wait_exit(60) == 0, simulator.logs()
    # two survivors (threshold 1 s) start together once all four are adoptable (their
    # leases last 2 s): both go for the same ones
    wait_until(lambda: min(c["idle"] for c in consumers(client).values()) > 2500, 10,
               "the gone replicas to fall silent")
    survivors = [spawn("analytics", ["--port", str(port), "--listen", h,
                                     "--adopt-after", "1"],
                       {"REDIS_URL": redis_server.url("analytics"),
                        "CONSUMER_NAME": f"survivor-{i}"}) for i, h in enumerate(HOSTS[1:])]
    for proc, host in zip(survivors, HOSTS[1:]):
        proc.host = host
        proc.wait_ready(port, host=host)
    dash = start_dashboard(spawn, ",".join(f"{h}:{port}" for h in HOSTS[1:]))
    assert_exact(dash.port, redis_server)
    wait_until(lambda: set(consumers(client)) <= {"survivor-0", "survivor-1"}, 15,
               "every gone replica to leave the group")
    assert adoption_logs(survivors, len(gone)) == killed
    adoptions = sum(metric(port, s.host, "analytics_adoptions_total") for s in survivors)
    assert adoptions == len(gone)
    applied = sum(metric(port, s.host, "analytics_adopted_entries_total") for s in survivors)
    assert applied == sum(pending for pending, _ in killed.values())
    # each gone replica's hash is now only the marker of the survivor that adopted it
    assert sorted(client.keys("antenna_stream:ckpt:gone-*")) == [
        f"antenna_stream:ckpt:gone-{i}" for i in range(len(gone))]
    for i in range(len(gone)):
        marker = client.hgetall(f"antenna_stream:ckpt:gone-{i}")
        assert list(marker) == ["adopted_by"] and marker["adopted_by"].startswith("survivor-")


def test_adopted_replica_that_comes_back_exits_and_counts_nothing_twice(spawn, redis_server,
                                                                         workdir):
    """A replica frozen past the threshold (a long pause, a partition) is adopted; when it
    runs again its next save finds its checkpoint gone, and it exits with status 1."""
    client = redis_server.client()
    port = free_port()
    survivor = start_replica(spawn, redis_server, port, HOSTS[0], "survivor", 1)
    zombie = Process("analytics", ["--port", str(port), "--listen", HOSTS[1],
                                   "--adopt-after", "1", "--checkpoint-ms", "500"],
                     {"REDIS_URL": redis_server.url("analytics"), "CONSUMER_NAME": "zombie"},
                     workdir)
    try:
        zombie.wait_ready(port, host=HOSTS[1])
        zombie.consumer = "zombie"
        simulator = spawn("simulator", ["--port", "0", "--antennas", "10", "--rate", "10000",
                                        "--count", "40000", "--seed", "4", "--antenna-id", "z"],
                          {"REDIS_URL": redis_server.url("simulator")})

        def freeze():
            zombie.proc.send_signal(signal.SIGSTOP)
            if saved_records("zombie", redis_server) > 0 and \
                    consumers(client)["zombie"]["pending"] > 0:
                return True
            zombie.proc.send_signal(signal.SIGCONT)
            return False
        wait_until(freeze, 30, "the zombie to save records and hold pending entries",
                   interval_s=0.01)
        wait_until(lambda: "zombie" not in consumers(client), 15, "the survivor to adopt it")
        zombie.proc.send_signal(signal.SIGCONT)
        assert zombie.wait_exit(15) == 1
        assert "adopted by another" in zombie.logs()
        assert simulator.wait_exit(60) == 0, simulator.logs()
        expected = stream_sums(client)
        assert expected["records"] == 40000
        body = wait_records(port, expected["records"], host=HOSTS[0])
        assert (body["packets"], body["loss"]) == (expected["packets"], expected["loss"])
        wait_pending_zero(redis_server)
        wait_until(lambda: set(consumers(client)) == {"survivor"}, 15,
                   "whatever the zombie read after waking to be adopted too")
        assert client.hgetall("antenna_stream:ckpt:zombie") == {"adopted_by": "survivor"}
        assert survivor.alive()
    finally:
        if zombie.alive():
            zombie.kill9()
