"""The contract's promises for robot-gateway and pigpio-sim: --help with every flag, env
and default; exit 2 with one line on a bad flag, value or environment value; JSON logs."""
import subprocess

import pytest

from conftest import binary
from robot_support import Robots

HELP_MUST_NAME = {
    "robot-gateway": ["--port", "PORT", "8002", "ROBOT_TOKEN", "LINUS_PIGPIO", "127.0.0.1:8888",
                      "TORVALDS_PIGPIO", "127.0.0.1:8889", "ROBOT_WATCHDOG_MS", "500", "--config",
                      "--listen", "LISTEN_ADDR", "--dashboard-url", "DASHBOARD_URL"],
    "pigpio-sim": ["--port", "PIGPIO_PORT", "8888", "--listen", "LISTEN_ADDR"],
}


@pytest.mark.parametrize("name", sorted(HELP_MUST_NAME))
def test_help_lists_flags_env_and_defaults(name):
    out = subprocess.run([binary(name), "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0
    for word in HELP_MUST_NAME[name]:
        assert word in out.stdout, word


@pytest.mark.parametrize("name,args,env", [
    ("robot-gateway", ["--no-such-flag"], {}),
    ("robot-gateway", ["--port", "70000"], {}),
    ("robot-gateway", ["--watchdog-ms", "10"], {}),
    ("robot-gateway", ["stray"], {}),
    ("robot-gateway", [], {"ROBOT_WATCHDOG_MS": "soon"}),
    ("pigpio-sim", ["--port", "0"], {}),
    ("pigpio-sim", ["--log-level", "loud"], {}),
    ("pigpio-sim", [], {"PIGPIO_PORT": "abc"}),
])
def test_bad_flag_or_value_exits_2_with_one_line(name, args, env):
    out = subprocess.run([binary(name), *args], env={"PATH": "/usr/bin:/bin", **env},
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith(name)


def test_bad_pigpio_address_exits_2():
    out = subprocess.run([binary("robot-gateway")], env={"LINUS_PIGPIO": "no-port-here",
                         "ROBOT_TOKEN": "t", "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 2 and "no-port-here" in out.stderr


def test_logs_are_json_lines(spawn):
    robots = Robots(spawn)
    robots.drive("linus", "forward")
    assert robots.gateway.stop() == 0
    for proc, svc in ((robots.gateway, "robot-gateway"), (robots.sims["linus"], "pigpio-sim")):
        proc.stop()
        records = proc.log_records()
        assert records and all({"ts", "level", "svc", "msg"} <= set(r) for r in records)
        assert {r["svc"] for r in records} == {svc}
        assert all(line.startswith("{") for line in proc.logs().splitlines())
