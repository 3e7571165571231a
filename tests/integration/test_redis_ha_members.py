"""broker-config/redis-ha, the start-up of each member of Redis with Sentinel in
k8s/components/redis-ha and compose's ha profile, on loopback: three members (Redis and
Sentinel each) on 127.0.0.2-4 sharing ports, as pods share them on their own addresses.
A new set makes the first member master and the others its replicas; a member killed
with -9 and started again after the failover asks the Sentinels and comes back as a
replica of the new master at once, without waiting for Sentinel to demote it."""
import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest
import redis

from conftest import REPO, wait_until

HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
USERS = ("admin", "simulator", "analytics", "replication", "sentinel")
MASTER_NAME = "towerwatch"
START_TIMEOUT_S = 20
FAILOVER_TIMEOUT_S = 60


def port_free_on_all():
    """A TCP port free on every member's address."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind((HOSTS[0], 0))
            port = probe.getsockname()[1]
        try:
            for host in HOSTS[1:]:
                with socket.socket() as other:
                    other.bind((host, port))
            return port
        except OSError:
            continue
    pytest.fail("no port free on every member address")


class Member:
    """One member: `redis-ha redis` and `redis-ha sentinel` with their own folders."""

    def __init__(self, root, host, env):
        self.host = host
        self.dir = Path(root) / host
        (self.dir / "data").mkdir(parents=True)
        (self.dir / "run").mkdir()
        self.env = {**env, "HA_SELF": host, "BIND_ADDR": host, "RUN_DIR": str(self.dir / "run"),
                    "DATA_DIR": str(self.dir / "data")}
        self.procs = {}

    def start(self, role):
        log = open(self.dir / f"{role}.log", "ab")
        self.procs[role] = subprocess.Popen([str(REPO / "broker-config/redis-ha"), role],
                                            env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def log(self, role):
        return (self.dir / f"{role}.log").read_text()

    def kill9(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()



@pytest.fixture
def members(workdir):
    redis_port, sentinel_port = port_free_on_all(), port_free_on_all()
    secrets = workdir / "secrets"
    secrets.mkdir()
    for user in USERS:
        (secrets / user).write_text(os.urandom(12).hex())
    subprocess.run([str(REPO / "broker-config/render-acl"), str(workdir / "users.acl")],
                   env=dict(os.environ, SECRETS_DIR=str(secrets)), check=True)
    env = dict(os.environ, HA_PEERS=",".join(HOSTS), REDIS_PORT=str(redis_port),
               SENTINEL_PORT=str(sentinel_port), SECRETS_DIR=str(secrets),
               CONF_DIR=str(REPO / "broker-config"), ACL_FILE=str(workdir / "users.acl"),
               DOWN_AFTER_MS="2000", FAILOVER_TIMEOUT_MS="4000")
    started = [Member(workdir, host, env) for host in HOSTS]
    for m in started:
        m.redis_port, m.sentinel_port = redis_port, sentinel_port
        m.admin_password = (secrets / "admin").read_text()
    yield started
    for m in started:
        m.kill9()  # a temporary set: nothing to keep


def admin(member):
    return redis.Redis(host=member.host, port=member.redis_port, username="admin",
                       password=member.admin_password, decode_responses=True, socket_timeout=5)


def replication(member):
    try:
        return admin(member).info("replication")
    except redis.exceptions.RedisError:
        return {}


def named_master(member):
    try:
        return tuple(redis.Redis(host=member.host, port=member.sentinel_port,
                                 decode_responses=True, socket_timeout=5).execute_command(
            "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME))
    except (redis.exceptions.RedisError, TypeError):
        return None


def in_sync_with(member, master):
    info = replication(member)
    return info.get("role") == "slave" and info.get("master_host") == master.host and \
        info.get("master_link_status") == "up"


def test_members_start_as_one_set_and_a_restarted_master_rejoins_as_a_replica(members):
    first, *others = members
    for member in members:  # in order, as a StatefulSet starts its pods
        member.start("redis")
        member.start("sentinel")
        wait_until(lambda m=member: replication(m).get("role"), START_TIMEOUT_S,
                   f"redis on {member.host}")
    assert replication(first)["role"] == "master"
    for member in others:
        wait_until(lambda m=member: in_sync_with(m, first), START_TIMEOUT_S,
                   f"{member.host} to replicate {first.host}")
    want = (first.host, str(first.redis_port))
    wait_until(lambda: all(named_master(m) == want for m in members), START_TIMEOUT_S,
               "every Sentinel to name the first member")
    # min-replicas-to-write: the master takes writes once a replica has acknowledged
    wait_until(lambda: replication(first).get("min_slaves_good_slaves") == len(others),
               START_TIMEOUT_S, "the replicas to acknowledge the master")
    admin(first).xadd("antenna_stream", {"before": "failover"})
    assert admin(first).execute_command("WAIT", len(others), 10000) == len(others)

    first.kill9()  # its node is gone: Redis and Sentinel at once
    def promoted():
        names = {named_master(m) for m in others}
        return names.pop() if len(names) == 1 and None not in names and \
            want not in names else None
    host, _ = wait_until(promoted, FAILOVER_TIMEOUT_S, "the Sentinels to promote a replica")
    new = next(m for m in others if m.host == host)
    wait_until(lambda: replication(new).get("role") == "master", FAILOVER_TIMEOUT_S,
               "the promoted replica to be master")

    first.start("redis")
    first.start("sentinel")
    wait_until(lambda: in_sync_with(first, new), START_TIMEOUT_S,
               "the restarted member to replicate the new master")
    assert f"starts as replica of {new.host}:" in first.log("redis")
    assert f"monitors {new.host}:" in first.log("sentinel")
    assert admin(first).xrange("antenna_stream")[0][1] == {"before": "failover"}
    wait_until(lambda: named_master(first) == (new.host, str(new.redis_port)),
               START_TIMEOUT_S, "the restarted Sentinel to name the new master")
