"""robot-gateway against two pigpio-sims: every API call leaves exactly the expected
levels, dutycycles and pulse widths, read back with Debian's `pigs`; the watchdog, the
token, validation, and one robot's daemon dying while the other carries on."""
import subprocess
import time

import pytest

from conftest import binary, free_port, http_get, wait_until
from robot_support import Robots, levels, pigs, pigs_value, post, start_sim

LINUS_IN = [13, 21, 17, 27]
LINUS_ENABLE = [12, 26]
TORVALDS_IN = [7, 8, 9, 10]
LINUS_PATTERNS = {"forward": [1, 0, 1, 0], "backward": [0, 1, 0, 1], "left": [0, 1, 1, 0],
                  "right": [1, 0, 0, 1], "stop": [0, 0, 0, 0]}
TORVALDS_PATTERNS = {"forward": [0, 1, 1, 0], "backward": [1, 0, 0, 1], "left": [1, 0, 1, 0],
                     "right": [0, 1, 0, 1], "stop": [0, 0, 0, 0]}
LONG_WATCHDOG_MS = 60000


@pytest.fixture
def robots(spawn):
    return Robots(spawn, watchdog_ms=LONG_WATCHDOG_MS)


def duty(port):
    return [pigs_value(port, "gdc", g) for g in LINUS_ENABLE]


def test_linus_drive_patterns_and_speed(robots):
    port = robots.ports["linus"]
    for direction, speed, expected_duty in [("forward", 1, 255), ("backward", 0.5, 128),
                                            ("left", 0.25, 64), ("right", 0, 0),
                                            ("forward", None, 255), ("stop", 0.8, 0)]:
        status, doc = robots.drive("linus", direction, speed)
        assert status == 200, doc
        assert doc["direction"] == direction
        assert levels(port, LINUS_IN) == LINUS_PATTERNS[direction], direction
        assert duty(port) == [expected_duty, expected_duty], direction
    # torvalds untouched
    assert levels(robots.ports["torvalds"], TORVALDS_IN) == [0, 0, 0, 0]


def test_torvalds_drive_patterns(robots):
    port = robots.ports["torvalds"]
    for direction, pattern in TORVALDS_PATTERNS.items():
        status, doc = robots.drive("torvalds", direction, 0.5)
        assert status == 200, doc
        assert levels(port, TORVALDS_IN) == pattern, direction
    assert "speed" not in doc


def test_eyes_on_off_blink(robots):
    for robot, pin in (("linus", 16), ("torvalds", 25)):
        port = robots.ports[robot]
        assert robots.post(f"/api/v1/robots/{robot}/eyes", {"state": "on"})[0] == 200
        assert pigs_value(port, "r", pin) == 1
        assert robots.post(f"/api/v1/robots/{robot}/eyes", {"state": "off"})[0] == 200
        assert pigs_value(port, "r", pin) == 0
        status, doc = robots.post(f"/api/v1/robots/{robot}/eyes", {"state": "blink"})
        assert (status, doc["eyes"]) == (200, "blink")
        wait_until(lambda: pigs_value(port, "r", pin) == 0, 5, f"{robot} eyes off phase")
        wait_until(lambda: pigs_value(port, "r", pin) == 1, 5, f"{robot} eyes on phase")
        assert robots.post(f"/api/v1/robots/{robot}/eyes", {"state": "off"})[0] == 200
        assert pigs_value(port, "r", pin) == 0


def test_servo_angles_become_pulse_widths(robots):
    port = robots.ports["linus"]
    for servo, pin in ((1, 22), (2, 23)):
        for angle, width in [(-90, 1000), (0, 1500), (90, 2000), (45, 1750), (-30, 1333),
                             (12.5, 1569)]:
            status, doc = robots.post(f"/api/v1/robots/linus/servos/{servo}", {"angle": angle})
            assert status == 200, doc
            assert doc["servos"][servo - 1] == {"servo": servo, "gpio": pin, "angle": angle,
                                                "pulse_us": width}
            assert pigs_value(port, "gpw", pin) == width


def test_state_api_reads_pins_back(robots):
    robots.drive("linus", "left", 0.5)
    robots.post("/api/v1/robots/linus/servos/1", {"angle": 90})
    linus = robots.state()["linus"]
    pins = {p["gpio"]: p for p in linus["pins"]}
    assert [pins[g]["level"] for g in LINUS_IN] == [0, 1, 1, 0]
    assert [pins[g]["dutycycle"] for g in LINUS_ENABLE] == [128, 128]
    assert pins[22] == {"gpio": 22, "role": "servo1", "level": pins[22]["level"],
                        "pulse_us": 2000}
    assert linus["servos"][0] == {"servo": 1, "gpio": 22, "angle": 90, "pulse_us": 2000}
    assert (linus["connected"], linus["direction"], linus["speed"]) == (True, "left", 0.5)
    assert linus["speeds"] == {"left": 0.5, "right": 0.5}
    assert (linus["deadman"], linus["eyes"], linus["eyes_level"]) == (True, "off", 0)
    status, single = http_get(robots.http, "/api/v1/robots/torvalds")
    assert (status, single["name"], single["connected"]) == (200, "torvalds", True)


def test_gets_change_nothing(robots):
    before = [levels(robots.ports["linus"], LINUS_IN + [16]), duty(robots.ports["linus"])]
    for path in ("/api/v1/robots", "/api/v1/robots/linus", "/api/v1/robots/linus/drive",
                 "/api/v1/robots/linus/eyes", "/", "/metrics"):
        http_get(robots.http, path)
    assert http_get(robots.http, "/api/v1/robots/linus/drive")[0] == 405
    assert [levels(robots.ports["linus"], LINUS_IN + [16]), duty(robots.ports["linus"])] == before


def test_missing_or_wrong_token_is_401_and_changes_nothing(robots):
    port = robots.ports["linus"]
    for token in (None, "wrong-token", "test-token-and-more", ""):
        status, doc = robots.drive("linus", "forward", 1, token=token)
        assert status == 401 and "token" in doc["error"]
        status, _ = robots.post("/api/v1/robots/linus/eyes", {"state": "on"}, token=token)
        assert status == 401
        status, _ = robots.post("/api/v1/robots/linus/servos/1", {"angle": 10}, token=token)
        assert status == 401
    assert levels(port, LINUS_IN + [16]) == [0, 0, 0, 0, 0]
    assert duty(port) == [0, 0]
    assert pigs(port, "gpw", 22)[1] == "-93"


def test_a_body_over_the_limit_is_413_and_counted_as_413(robots):
    status, body = robots.post("/api/v1/robots/linus/drive", None, raw=b" " * 5000)
    assert (status, body) == (413, {"error": "request body larger than 4096 bytes"})
    _, text = http_get(robots.http, "/metrics")
    assert 'code="413"' in text and 'code="400"' not in text


def test_a_body_nested_1000_deep_is_400_and_the_gateway_lives(robots):
    deep = b'{"direction":"forward","speed":' + b"[" * 1000 + b"]" * 1000 + b"}"
    assert robots.post("/api/v1/robots/linus/drive", None, raw=deep) == (
        400, {"error": "body nests deeper than 16 levels"})
    assert robots.post("/api/v1/robots/linus/eyes", None, raw=b"[" * 4000) == (
        400, {"error": "body nests deeper than 16 levels"})
    assert robots.post("/api/v1/robots/linus/drive", {"direction": "stop"})[0] == 200
    assert levels(robots.ports["linus"], LINUS_IN) == [0, 0, 0, 0]


def test_invalid_input_is_400_with_a_reason(robots):
    cases = [
        ("/api/v1/robots/linus/drive", {"direction": "up"},
         "direction must be one of forward|backward|left|right|stop"),
        ("/api/v1/robots/linus/drive", {"direction": "forward", "speed": 1.5},
         "speed must be a number from 0 to 1"),
        ("/api/v1/robots/linus/drive", {"direction": "forward", "speed": -0.1},
         "speed must be a number from 0 to 1"),
        ("/api/v1/robots/linus/drive", {"direction": "forward", "speed": "fast"},
         "speed must be a number from 0 to 1"),
        ("/api/v1/robots/linus/eyes", {"state": "dim"}, "state must be one of on|off|blink"),
        ("/api/v1/robots/linus/servos/1", {"angle": 91}, "angle must be a number from -90 to 90"),
        ("/api/v1/robots/linus/servos/2", {}, "angle must be a number from -90 to 90"),
        ("/api/v1/robots/linus/drive", [1, 2], "body must be a JSON object"),
    ]
    for path, body, reason in cases:
        assert robots.post(path, body) == (400, {"error": reason}), path
    assert robots.post("/api/v1/robots/linus/drive", None, raw=b"{nope") == (
        400, {"error": "body must be a JSON object"})
    assert robots.post("/api/v1/robots/bender/drive", {"direction": "stop"})[0] == 404
    assert robots.post("/api/v1/robots/torvalds/servos/1", {"angle": 0})[0] == 404
    assert robots.post("/api/v1/robots/linus/servos/3", {"angle": 0})[0] == 404
    assert levels(robots.ports["linus"], LINUS_IN) == [0, 0, 0, 0]


def test_watchdog_stops_motors(spawn):
    robots = Robots(spawn, watchdog_ms=300)
    port = robots.ports["linus"]
    assert robots.drive("linus", "forward", 1)[0] == 200
    assert robots.drive("torvalds", "backward")[0] == 200
    assert levels(port, LINUS_IN) == [1, 0, 1, 0]
    wait_until(lambda: levels(port, LINUS_IN) == [0, 0, 0, 0], 5, "linus watchdog stop")
    wait_until(lambda: levels(robots.ports["torvalds"], TORVALDS_IN) == [0, 0, 0, 0], 5,
               "torvalds watchdog stop")
    assert duty(port) == [0, 0]
    state = robots.state()
    assert (state["linus"]["direction"], state["linus"]["watchdog_stops"]) == ("stop", 1)
    metrics = http_get(robots.http, "/metrics")[1]
    assert 'robot_watchdog_stops_total{robot="linus"} 1' in metrics
    assert 'robot_watchdog_stops_total{robot="torvalds"} 1' in metrics


def test_repeated_drive_keeps_moving_until_it_ceases(spawn):
    robots = Robots(spawn, watchdog_ms=400)
    port = robots.ports["linus"]
    for _ in range(8):
        assert robots.drive("linus", "right", 1)[0] == 200
        assert levels(port, LINUS_IN) == [1, 0, 0, 1]
        time.sleep(0.1)
    assert robots.state()["linus"]["watchdog_stops"] == 0
    wait_until(lambda: levels(port, LINUS_IN) == [0, 0, 0, 0], 5, "stop after drive ceased")


def test_one_daemon_down_other_robot_works_and_reconnects(robots, spawn):
    robots.post("/api/v1/robots/linus/eyes", {"state": "on"})
    robots.sims["linus"].kill9()
    status, doc = robots.drive("linus", "forward", 1)
    assert status == 503 and "linus" in doc["error"]
    wait_until(lambda: robots.connected() == {"linus": False, "torvalds": True}, 10,
               "linus reported down")
    assert http_get(robots.http, "/readyz")[0] == 200
    assert robots.drive("torvalds", "forward")[0] == 200
    assert levels(robots.ports["torvalds"], TORVALDS_IN) == [0, 1, 1, 0]
    assert robots.state()["linus"]["pins"] is None
    metrics = http_get(robots.http, "/metrics")[1]
    assert 'robot_connected{robot="linus"} 0' in metrics
    assert 'robot_connected{robot="torvalds"} 1' in metrics
    # the daemon comes back on the same port: the gateway reconnects and restores the eyes
    start_sim(spawn, robots.ports["linus"])
    wait_until(lambda: robots.connected()["linus"], 15, "linus reconnected")
    assert pigs_value(robots.ports["linus"], "r", 16) == 1
    assert robots.drive("linus", "backward", 0.5)[0] == 200
    assert levels(robots.ports["linus"], LINUS_IN) == [0, 1, 0, 1]
    assert duty(robots.ports["linus"]) == [128, 128]


def test_readyz_503_until_a_daemon_is_reachable(spawn):
    http = free_port()
    dead = [free_port(), free_port()]
    gateway = spawn("robot-gateway", [], {"PORT": str(http), "LISTEN_ADDR": "127.0.0.1",
                                          "ROBOT_TOKEN": "t",
                                          "LINUS_PIGPIO": f"127.0.0.1:{dead[0]}",
                                          "TORVALDS_PIGPIO": f"127.0.0.1:{dead[1]}"})
    wait_until(lambda: http_get(http, "/healthz")[0] == 200 if _up(http) else False, 10,
               "gateway up")
    status, doc = http_get(http, "/readyz")
    assert status == 503
    assert doc["reason"] == "linus not connected; torvalds not connected"
    assert post(http, "/api/v1/robots/torvalds/drive", {"direction": "stop"}, "t")[0] == 503
    start_sim(spawn, dead[1])
    gateway.wait_ready(http)
    assert http_get(http, "/readyz")[1] == {"status": "ready"}


def _up(port):
    try:
        http_get(port, "/healthz", timeout_s=1)
        return True
    except OSError:
        return False


def test_generated_token_is_logged_once_and_works(spawn):
    robots = Robots(spawn, token=None)
    records = [r for r in robots.gateway.log_records() if "token" in r]
    assert len(records) == 1 and len(records[0]["token"]) == 32
    token = records[0]["token"]
    assert robots.drive("linus", "forward", token=token)[0] == 200
    assert robots.drive("linus", "stop", token="")[0] == 401


def test_pin_file_and_command_metrics(spawn, workdir):
    pins = workdir / "pins.json"
    pins.write_text('{"torvalds": {"eyes": 25, "motor": [7, 8, 9, 10]},'
                        ' "linus": {"servos": [22, 31]}}')
    robots = Robots(spawn, extra_env={"ROBOT_CONFIG": str(pins)})
    robots.drive("linus", "stop")
    robots.drive("linus", "forward")
    robots.post("/api/v1/robots/torvalds/eyes", {"state": "on"})
    robots.post("/api/v1/robots/linus/servos/2", {"angle": 0})
    metrics = http_get(robots.http, "/metrics")[1]
    assert 'robot_commands_total{robot="linus",action="drive"} 2' in metrics
    assert 'robot_commands_total{robot="torvalds",action="eyes"} 1' in metrics
    assert 'robot_commands_total{robot="linus",action="servo"} 1' in metrics
    assert 'robot_command_duration_seconds_count{robot="linus"} 3' in metrics
    assert 'robot_pigpio_errors_total{robot="linus"} 0' in metrics
    assert pigs_value(robots.ports["linus"], "gpw", 31) == 1500


def test_bad_pin_file_exits_2(workdir):
    bad = workdir / "bad.json"
    bad.write_text('{"linus": {"eyes": 77}}')
    done = subprocess.run([binary("robot-gateway"), "--config", str(bad), "--port", "1"],
                          env={"ROBOT_TOKEN": "t", "PATH": "/usr/bin:/bin"}, capture_output=True,
                          text=True, timeout=30, check=False)
    assert done.returncode == 2
    assert "linus.eyes[0] must be a GPIO number 0..31" in done.stderr


def test_metrics_pass_promtool(robots):
    robots.drive("linus", "stop")
    text = http_get(robots.http, "/metrics")[1]
    check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=30, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert 'robot_connected{robot="linus"} 1' in text
    assert 'robot_pigpio_connects_total{robot="torvalds"} 1' in text


def test_control_page_is_served_from_the_embedded_files(robots):
    import urllib.request
    from conftest import REPO
    for path, name, ctype in (("/", "robot-gateway/static/index.html", "text/html"),
                              ("/app.js", "robot-gateway/static/app.js", "text/javascript"),
                              ("/style.css", "robot-gateway/static/style.css", "text/css"),
                              ("/theme.css", "dashboard/static/app.css", "text/css")):
        with urllib.request.urlopen(f"http://127.0.0.1:{robots.http}{path}", timeout=5) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith(ctype)
            assert resp.read() == (REPO / name).read_bytes()
    page = (REPO / "robot-gateway/static/index.html").read_text()
    assert "http://" not in page and "https://" not in page
    assert http_get(robots.http, "/no-such-page")[0] == 404


def test_sigterm_stops_the_motors_and_exits_0(robots):
    port = robots.ports["linus"]
    assert robots.drive("linus", "forward", 1)[0] == 200
    assert robots.drive("torvalds", "left")[0] == 200
    assert levels(port, LINUS_IN) == [1, 0, 1, 0]
    assert robots.gateway.stop() == 0
    assert levels(port, LINUS_IN) == [0, 0, 0, 0]
    assert duty(port) == [0, 0]
    assert levels(robots.ports["torvalds"], TORVALDS_IN) == [0, 0, 0, 0]
    assert robots.gateway.log_records()[-1]["msg"] == "stopped"


def test_per_motor_speeds_on_enables_12_and_26(robots):
    port = robots.ports["linus"]
    for speeds, duties in [({"left": 0.5, "right": 1}, [128, 255]),
                           ({"left": 0, "right": 0.25}, [0, 64]), ({"left": 1, "right": 1}, [255, 255])]:
        status, doc = robots.drive("linus", "forward", speeds)
        assert status == 200, doc
        assert (doc["speeds"], doc["speed"]) == (speeds, max(speeds.values()))
        assert levels(port, LINUS_IN) == [1, 0, 1, 0]
        assert duty(port) == duties
    cases = [({"left": 0.5}, "speed.right must be a number from 0 to 1"),
             ({"left": 2, "right": 0}, "speed.left must be a number from 0 to 1"),
             ({"left": 0.5, "right": 0.5, "middle": 1}, "speed.middle: unknown motor (left|right)")]
    for speed, reason in cases:
        assert robots.drive("linus", "forward", speed) == (400, {"error": reason})
    assert duty(port) == [255, 255]


def test_every_direction_of_both_robots_at_both_speeds(robots):
    for robot, pins, patterns in (("linus", LINUS_IN, LINUS_PATTERNS),
                                  ("torvalds", TORVALDS_IN, TORVALDS_PATTERNS)):
        port = robots.ports[robot]
        for direction, pattern in patterns.items():
            for speed, expected_duty in ((0.5, 128), (1, 255)):
                status, doc = robots.drive(robot, direction, speed)
                assert (status, doc["direction"]) == (200, direction)
                assert levels(port, pins) == pattern, (robot, direction)
                if robot == "linus":
                    want = 0 if direction == "stop" else expected_duty
                    assert duty(port) == [want, want], (direction, speed)


def test_state_reads_servo_angles_and_eyes_from_the_daemon(robots):
    port = robots.ports["linus"]
    assert pigs(port, "s", 22, 2000) == (0, "", "")  # set behind the gateway's back
    assert pigs(port, "s", 23, 1250) == (0, "", "")
    assert pigs(port, "w", 16, 1) == (0, "", "")
    linus = robots.state()["linus"]
    assert linus["servos"] == [{"servo": 1, "gpio": 22, "angle": 90, "pulse_us": 2000},
                               {"servo": 2, "gpio": 23, "angle": -45, "pulse_us": 1250}]
    assert (linus["eyes"], linus["eyes_level"]) == ("off", 1)
    assert robots.state()["torvalds"]["servos"] == []


def test_state_carries_each_robots_config(robots):
    state = robots.state()
    assert state["linus"]["config"] == {
        "motor": [13, 21, 17, 27], "enable": [12, 26], "motors": ["left", "right"], "eyes": 16,
        "servos": [{"servo": 1, "gpio": 22, "min_pulse_us": 1000, "max_pulse_us": 2000},
                   {"servo": 2, "gpio": 23, "min_pulse_us": 1000, "max_pulse_us": 2000}],
        "directions": LINUS_PATTERNS}
    assert state["torvalds"]["config"] == {
        "motor": [7, 8, 9, 10], "enable": [], "motors": [], "eyes": 25, "servos": [],
        "directions": TORVALDS_PATTERNS}


def test_config_gives_torvalds_servos_with_their_own_range(spawn, workdir):
    pins = workdir / "pins.json"
    pins.write_text('{"torvalds": {"servos": [{"gpio": 18, "min_pulse_us": 600, "max_pulse_us": 2400}]}}')
    robots = Robots(spawn, watchdog_ms=LONG_WATCHDOG_MS, extra_env={"ROBOT_CONFIG": str(pins)})
    port = robots.ports["torvalds"]
    for angle, width in ((-90, 600), (0, 1500), (90, 2400)):
        status, doc = robots.post("/api/v1/robots/torvalds/servos/1", {"angle": angle})
        assert status == 200, doc
        assert pigs_value(port, "gpw", 18) == width
    assert robots.state()["torvalds"]["config"]["servos"] == [
        {"servo": 1, "gpio": 18, "min_pulse_us": 600, "max_pulse_us": 2400}]


def test_eyes_on_off_blink_read_back(robots):
    for robot, pin in (("linus", 16), ("torvalds", 25)):
        port = robots.ports[robot]
        robots.post(f"/api/v1/robots/{robot}/eyes", {"state": "on"})
        assert (robots.state()[robot]["eyes_level"], pigs_value(port, "r", pin)) == (1, 1)
        robots.post(f"/api/v1/robots/{robot}/eyes", {"state": "blink"})
        seen = set()
        wait_until(lambda: seen.add(pigs_value(port, "r", pin)) or seen == {0, 1}, 5, "blinking")
        robots.post(f"/api/v1/robots/{robot}/eyes", {"state": "off"})
        assert pigs_value(port, "r", pin) == 0
