"""Motors stop whenever control is lost: a drive the daemon half refuses leaves them
stopped, and each Pi's dead-man's script (stored by the gateway, refreshed by every drive)
stops them when the gateway is killed, frozen, or loses its link. Everything is read back
from pigpio-sim with Debian's `pigs`."""
import os
import signal
import time

import pytest

from conftest import http_get, wait_until
from robot_support import DEADMAN_MARKER, Robots, deadman_scripts, levels, pigs, pigs_value

LINUS_IN = [13, 21, 17, 27]
LINUS_ENABLE = [12, 26]
TORVALDS_IN = [7, 8, 9, 10]
WATCHDOG_MS = 500
STOP_BOUND_S = 0.25    # the "small bound" past the watchdog time
STOP_WAIT_S = 5        # longest wait for a stop that should come far sooner
LONG_WATCHDOG_MS = 60000


def wait_stopped(port, pins, started):
    """Seconds from started until every pin reads 0 (polled with pigs)."""
    wait_until(lambda: levels(port, pins) == [0] * len(pins), STOP_WAIT_S, f"pins {pins} at 0")
    return time.monotonic() - started


def test_half_refused_drive_leaves_the_motors_stopped(spawn):
    robots = Robots(spawn, watchdog_ms=LONG_WATCHDOG_MS)
    port = robots.ports["linus"]
    assert pigs_value(port, "prs", 12, 100) == 250
    status, doc = robots.drive("linus", "forward", 1)
    assert status == 502
    assert doc["error"] == "pigpio PWM 12 255 failed: PI_BAD_DUTYCYCLE (-8)"
    assert levels(port, LINUS_IN) == [0, 0, 0, 0]
    assert [pigs_value(port, "gdc", g) for g in LINUS_ENABLE] == [0, 0]
    linus = robots.state()["linus"]
    assert (linus["direction"], linus["watchdog_stops"]) == ("stop", 0)
    assert [p["level"] for p in linus["pins"] if p["role"].startswith("in")] == [0, 0, 0, 0]
    metrics = http_get(robots.http, "/metrics")[1]
    assert 'robot_pigpio_errors_total{robot="linus"} 1' in metrics
    # a speed the range allows drives again
    assert robots.drive("linus", "forward", 0.2)[0] == 200
    assert levels(port, LINUS_IN) == [1, 0, 1, 0]
    assert [pigs_value(port, "gdc", g) for g in LINUS_ENABLE] == [51, 51]


def test_refused_drive_after_moving_stops_the_running_motors(spawn):
    robots = Robots(spawn, watchdog_ms=LONG_WATCHDOG_MS)
    port = robots.ports["linus"]
    assert robots.drive("linus", "backward", 0.5)[0] == 200
    assert levels(port, LINUS_IN) == [0, 1, 0, 1]
    assert pigs_value(port, "prs", 26, 100) == 250
    assert robots.drive("linus", "left", 0.5)[0] == 502
    assert levels(port, LINUS_IN) == [0, 0, 0, 0]
    assert robots.state()["linus"]["direction"] == "stop"


def test_gateway_stores_one_deadman_script_per_pi(spawn):
    robots = Robots(spawn, watchdog_ms=WATCHDOG_MS)
    for name in ("linus", "torvalds"):
        found = deadman_scripts(robots.ports[name])
        assert len(found) == 1, found
        status, params = next(iter(found.values()))
        assert (status, params) == (2, [0, 0, 0, 0, 0, 0, 0, 0, 0, DEADMAN_MARKER])
    assert robots.drive("torvalds", "forward")[0] == 200
    (status, params), = deadman_scripts(robots.ports["torvalds"]).values()
    assert status == 2 and 20 <= params[0] <= 25  # 25 steps of 20 ms, counting down


@pytest.mark.parametrize("how", ["kill -9", "SIGSTOP"])
def test_deadman_stops_motors_when_the_gateway_dies_or_hangs(spawn, how):
    robots = Robots(spawn, watchdog_ms=WATCHDOG_MS)
    assert robots.drive("linus", "forward", 1)[0] == 200
    assert robots.drive("torvalds", "left")[0] == 200
    started = time.monotonic()
    if how == "kill -9":
        robots.gateway.kill9()
    else:
        os.kill(robots.gateway.proc.pid, signal.SIGSTOP)
    try:
        assert levels(robots.ports["linus"], LINUS_IN) == [1, 0, 1, 0]
        linus_s = wait_stopped(robots.ports["linus"], LINUS_IN, started)
        torvalds_s = wait_stopped(robots.ports["torvalds"], TORVALDS_IN, started)
    finally:
        if how == "SIGSTOP":
            os.kill(robots.gateway.proc.pid, signal.SIGCONT)
    print(f"{how}: linus stopped after {linus_s * 1000:.0f} ms, torvalds {torvalds_s * 1000:.0f} ms")
    assert linus_s <= WATCHDOG_MS / 1000 + STOP_BOUND_S
    assert torvalds_s <= WATCHDOG_MS / 1000 + STOP_BOUND_S
    assert [pigs_value(robots.ports["linus"], "gdc", g) for g in LINUS_ENABLE] == [0, 0]
    (_, params), = deadman_scripts(robots.ports["linus"]).values()
    assert params[1] == 1  # fired once (a resumed gateway's own stop re-arms p0)
    if how == "kill -9":
        assert params[0] == 0


@pytest.mark.parametrize("how", ["cut", "blackhole"])
def test_deadman_stops_motors_when_the_link_is_lost(spawn, how):
    robots = Robots(spawn, watchdog_ms=WATCHDOG_MS, proxy="linus")
    port = robots.ports["linus"]
    try:
        assert robots.drive("linus", "right", 1)[0] == 200
        assert levels(port, LINUS_IN) == [1, 0, 0, 1]
        started = time.monotonic()
        getattr(robots.proxy, how)()
        elapsed = wait_stopped(port, LINUS_IN, started)
        print(f"link {how}: linus stopped after {elapsed * 1000:.0f} ms")
        assert elapsed <= WATCHDOG_MS / 1000 + STOP_BOUND_S
        assert robots.drive("torvalds", "backward")[0] == 200  # the other robot carries on
        assert levels(robots.ports["torvalds"], TORVALDS_IN) == [1, 0, 0, 1]
    finally:
        robots.proxy.restore()
    wait_until(lambda: robots.drive("linus", "forward")[0] == 200, 15, "linus back")
    assert levels(port, LINUS_IN) == [1, 0, 1, 0]
    robots.proxy.close()


def test_reconnect_stops_motors_first_and_replaces_the_old_script(spawn):
    robots = Robots(spawn, watchdog_ms=LONG_WATCHDOG_MS, proxy="linus")
    port = robots.ports["linus"]
    (old_id, _), = [(sid, s) for sid, s in deadman_scripts(port).items()]
    robots.proxy.cut()
    wait_until(lambda: not robots.connected()["linus"], 10, "linus seen down")
    for gpio, level in zip(LINUS_IN, [1, 0, 1, 0]):  # someone else drives meanwhile
        assert pigs(port, "w", gpio, level)[0] == 0
    robots.proxy.restore()
    wait_until(lambda: robots.connected()["linus"], 15, "linus reconnected")
    assert levels(port, LINUS_IN) == [0, 0, 0, 0]
    found = deadman_scripts(port)
    assert len(found) == 1 and old_id in found  # deleted, then the freed id reused
    assert robots.state()["linus"]["deadman"] is True
    robots.proxy.close()


def test_gateway_restart_deletes_the_scripts_it_left(spawn):
    robots = Robots(spawn, watchdog_ms=WATCHDOG_MS)
    robots.gateway.kill9()
    assert len(deadman_scripts(robots.ports["linus"])) == 1
    again = spawn("robot-gateway", [], {"PORT": str(robots.http), "LISTEN_ADDR": "127.0.0.1",
                                        "ROBOT_TOKEN": robots.token,
                                        "LINUS_PIGPIO": f"127.0.0.1:{robots.ports['linus']}",
                                        "TORVALDS_PIGPIO": f"127.0.0.1:{robots.ports['torvalds']}"})
    again.wait_ready(robots.http)
    wait_until(lambda: all(r["deadman"] for r in robots.state().values()), 10, "scripts back")
    assert len(deadman_scripts(robots.ports["linus"])) == 1
    assert len(deadman_scripts(robots.ports["torvalds"])) == 1


def test_deadman_does_not_stop_motors_while_refreshed(spawn):
    robots = Robots(spawn, watchdog_ms=300)
    port = robots.ports["linus"]
    deadline = time.monotonic() + 1.5  # five watchdog periods of repeated drives
    while time.monotonic() < deadline:
        assert robots.drive("linus", "forward", 1)[0] == 200
        assert levels(port, LINUS_IN) == [1, 0, 1, 0]
        time.sleep(0.1)
    (_, params), = deadman_scripts(port).values()
    assert params[1] == 0  # never fired
