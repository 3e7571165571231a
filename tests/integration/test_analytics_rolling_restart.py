"""A rollout of analytics with stable names (the StatefulSet's analytics-0..2): each of
three replicas in turn gets SIGTERM and starts again under the same consumer name while
records flow. Sampled every 200 ms, the since-start records of every replica and their
sum (a replica briefly down counting with its last answer, as the dashboard shows it)
never go down: a restarted replica saved its state on the way out and restores it
before it answers (503 until then). The totals end exact."""
import threading
import time

from conftest import http_get, wait_until
from pipeline import start_analytics, summary
from test_redis_durability import generated, read_to_the_end

NAMES = ("analytics-0", "analytics-1", "analytics-2")
SAMPLE_EVERY_S = 0.2
RATE = 1500
COUNT = 30000  # 20 s of records at RATE, the rollout happens inside it


class Sampler(threading.Thread):
    """Polls every replica's since-start records; keeps, per sample, each replica's last
    answer (None before its first) and what was answered instead of 200."""

    def __init__(self, ports):
        super().__init__(daemon=True)
        self.ports = ports
        self.samples = []
        self.refusals = {}
        self.last = {name: None for name in NAMES}
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            for name in NAMES:
                try:
                    status, body = http_get(self.ports[name], "/api/v1/summary?window=0",
                                            timeout_s=1)
                except OSError:
                    status, body = "down", None
                if status == 200:
                    self.last[name] = body["records"]
                else:
                    self.refusals[status] = self.refusals.get(status, 0) + 1
            self.samples.append(dict(self.last))
            time.sleep(SAMPLE_EVERY_S)


def never_decreases(values):
    return all(b >= a for a, b in zip(values, values[1:]))


def test_restarting_each_replica_under_its_name_never_lowers_the_totals(spawn, redis_server):
    replicas = {name: start_analytics(spawn, redis_server, consumer=name) for name in NAMES}
    ports = {name: proc.port for name, proc in replicas.items()}
    sim = spawn("simulator", ["--port", "0", "--antennas", "15", "--rate", str(RATE), "--count",
                              str(COUNT), "--seed", "21", "--antenna-id", "roll"],
                {"REDIS_URL": redis_server.url("simulator")})
    client = redis_server.client()
    wait_until(lambda: sum(summary(p)["records"] for p in ports.values()) >= RATE, 30,
               "a second of records")
    sampler = Sampler(ports)
    sampler.start()
    for name in NAMES:
        samples_before = len(sampler.samples)
        assert replicas[name].stop() == 0
        replicas[name] = start_analytics(spawn, redis_server, consumer=name, port=ports[name])
        wait_until(lambda: len(sampler.samples) >= samples_before + 5, 30,
                   "a second of samples with the restarted replica")
    assert sim.alive(), "the rollout should happen while records flow"
    assert sim.wait_exit(120) == 0, sim.logs()
    expected = generated(sim)

    def drained():
        got = tuple(sum(summary(p)[k] for p in ports.values())
                    for k in ("records", "packets", "loss"))
        return got if got[0] >= expected[0] and read_to_the_end(client) else None
    assert wait_until(drained, 60, f"analytics to reach {expected}") == expected
    sampler.done.set()
    sampler.join(timeout=10)

    samples = [s for s in sampler.samples if None not in s.values()]
    assert len(samples) >= 3 * 5
    for name in NAMES:
        assert never_decreases([s[name] for s in samples]), name
    assert never_decreases([sum(s.values()) for s in samples])
    print(f"samples: {len(samples)}, not answered: {sampler.refusals}")
    assert set(sampler.refusals) <= {503, "down"}, sampler.refusals
    for name, proc in replicas.items():
        assert "restored" in proc.logs() and "adopted" not in proc.logs(), name
