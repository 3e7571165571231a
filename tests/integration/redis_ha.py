"""Redis with Sentinels on loopback, for the failover tests: Debian's redis-server (one
master, replicas) and redis-sentinel, with broker-config's redis.conf (a copy per
instance, since Sentinel rewrites it) and the rendered ACL users, the replicas and the
Sentinels authenticating as the `replication` and `sentinel` users."""
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import redis

from conftest import REPO, free_port, wait_until

MASTER_NAME = "towerwatch"
USERS = ("admin", "simulator", "analytics", "replication", "sentinel")
DOWN_AFTER_MS = 2000       # a master silent this long is subjectively down
SETTLED_DOWN_AFTER_MS = 600000  # once a test has had its failovers (see settle)
FAILOVER_TIMEOUT_MS = 4000  # and Sentinel retries a stuck failover after this
START_TIMEOUT_S = 20


class Instance:
    """One redis-server, master or replica, with its own directory, config copy and AOF."""

    def __init__(self, root, index, acl_file, passwords):
        self.dir = Path(root) / f"redis-{index}"
        self.dir.mkdir()
        self.port = free_port()
        self.acl_file = acl_file
        self.passwords = passwords
        shutil.copy(REPO / "broker-config/redis.conf", self.dir / "redis.conf")
        self.proc = None

    def start(self, replica_of=None):
        args = ["redis-server", str(self.dir / "redis.conf"), "--port", str(self.port),
                "--bind", "127.0.0.1", "--dir", str(self.dir), "--aclfile", str(self.acl_file),
                "--masteruser", "replication", "--masterauth", self.passwords["replication"]]
        if replica_of is not None:
            args += ["--replicaof", "127.0.0.1", str(replica_of.port)]
        log = open(self.dir / "redis.log", "ab")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=self.dir)
        wait_until(self._answers, START_TIMEOUT_S, f"redis-server on {self.port}")
        return self

    def _answers(self):
        try:
            return self.client().ping()
        except (redis.exceptions.ConnectionError, redis.exceptions.BusyLoadingError):
            return False

    def client(self, user="admin"):
        return redis.Redis(host="127.0.0.1", port=self.port, username=user,
                           password=self.passwords[user], decode_responses=True,
                           socket_timeout=5)

    def role(self):
        try:
            return self.client().execute_command("ROLE")[0]
        except redis.exceptions.RedisError:
            return None

    def replica_in_sync(self, master):
        """A replica of master whose link is up."""
        try:
            info = self.client().info("replication")
        except redis.exceptions.RedisError:
            return False
        return info.get("role") == "slave" and info.get("master_port") == master.port and \
            info.get("master_link_status") == "up"

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        """At the end of a test: nothing to keep (a master's SIGTERM would wait up to 10 s,
        shutdown-timeout, for replicas that are already gone)."""
        if self.proc and self.proc.poll() is None:
            self.kill9()


class Sentinel:
    """One redis-sentinel watching the master, with its own rewritable config file."""

    def __init__(self, root, index, master, passwords):
        self.dir = Path(root) / f"sentinel-{index}"
        self.dir.mkdir()
        self.port = free_port()
        (self.dir / "sentinel.conf").write_text("\n".join([
            f"port {self.port}", "bind 127.0.0.1", f"dir {self.dir}",
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master.port} 2",
            f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}",
            f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}",
            f"sentinel parallel-syncs {MASTER_NAME} 2",
            f"sentinel auth-user {MASTER_NAME} sentinel",
            f"sentinel auth-pass {MASTER_NAME} {passwords['sentinel']}", ""]))
        log = open(self.dir / "sentinel.log", "ab")
        self.proc = subprocess.Popen(["redis-sentinel", str(self.dir / "sentinel.conf")],
                                     stdout=log, stderr=subprocess.STDOUT, cwd=self.dir)

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.port, decode_responses=True,
                           socket_timeout=5)

    def master_port(self):
        try:
            return int(self.client().execute_command(
                "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)[1])
        except (redis.exceptions.RedisError, TypeError):
            return None

    def ready(self, replicas):
        """Knows the master, `replicas` replicas and the other two Sentinels, and the
        quorum and majority needed for a failover are reachable."""
        try:
            client = self.client()
            return client.execute_command("SENTINEL", "CKQUORUM", MASTER_NAME).startswith("OK") \
                and len(client.execute_command("SENTINEL", "REPLICAS", MASTER_NAME)) == replicas \
                and len(client.execute_command("SENTINEL", "SENTINELS", MASTER_NAME)) == 2
        except redis.exceptions.RedisError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class SentinelCluster:
    """A master, `replicas` replicas and three Sentinels, all on loopback."""

    def __init__(self, workdir, replicas=2):
        root = Path(workdir) / "redis-ha"
        root.mkdir()
        self.passwords = {u: secrets.token_hex(12) for u in USERS}
        self.acl_file = root / "users.acl"
        env = dict(os.environ, SECRETS_DIR=str(root / "secrets"),
                   **{f"REDIS_{u.upper()}_PASSWORD": p for u, p in self.passwords.items()})
        subprocess.run([str(REPO / "broker-config/render-acl"), str(self.acl_file)], env=env,
                       check=True)
        self.instances = [Instance(root, i, self.acl_file, self.passwords)
                          for i in range(1 + replicas)]
        self.sentinels = []
        master = self.instances[0].start()
        for replica in self.instances[1:]:
            replica.start(replica_of=master)
        for replica in self.instances[1:]:
            wait_until(lambda r=replica: r.replica_in_sync(master), START_TIMEOUT_S,
                       f"replica {replica.port} to sync")
        self.sentinels = [Sentinel(root, i, master, self.passwords) for i in range(3)]
        self.wait_ready()

    def wait_ready(self):
        replicas = len(self.instances) - 1
        wait_until(lambda: all(s.ready(replicas) for s in self.sentinels), 30,
                   "the Sentinels to find the replicas, one another and their quorum",
                   interval_s=0.2)

    def addresses(self):
        return ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)

    def client_env(self, user):
        """Environment for a service that finds the master through the Sentinels."""
        return {"REDIS_SENTINELS": self.addresses(), "REDIS_MASTER_NAME": MASTER_NAME,
                "REDIS_USER": user, "REDIS_PASSWORD": self.passwords[user]}

    def instance_on(self, port):
        return next(i for i in self.instances if i.port == port)

    def master(self):
        """The instance every Sentinel names, once they agree and it says it is master."""
        ports = {s.master_port() for s in self.sentinels}
        if len(ports) != 1 or None in ports:
            return None
        instance = self.instance_on(ports.pop())
        return instance if instance.role() == "master" else None

    def settle(self):
        """No more failovers: a loaded machine can stall a master past DOWN_AFTER_MS, and
        a failover the test did not plan, after the simulator has stopped, could drop
        writes it can no longer re-send."""
        for sentinel in self.sentinels:
            sentinel.client().execute_command("SENTINEL", "SET", MASTER_NAME,
                                              "down-after-milliseconds", SETTLED_DOWN_AFTER_MS)

    def stop(self):
        for process in (*self.sentinels, *self.instances):
            process.stop()


def wait_promoted(cluster, old, timeout_s=60):
    """Waits until the Sentinels agree on a new master other than old; returns it."""
    def promoted():
        master = cluster.master()
        return master if master is not None and master is not old else None
    return wait_until(promoted, timeout_s, "the Sentinels to promote a replica", interval_s=0.05)


def monotonic_since(start):
    return time.monotonic() - start
