"""Browser test of the robot control page (tests/browser/robot.mjs): D-pad press and
release with mouse and keyboard, motor pins read back with `pigs`, a screenshot."""
import json
import subprocess

from conftest import BUILD, REPO
from robot_support import Robots

BROWSER_TIMEOUT_S = 120


def test_control_page_dpad_drives_and_stops(spawn):
    robots = Robots(spawn, watchdog_ms=500)
    screenshot = BUILD / "robot-control.png"
    screenshot.unlink(missing_ok=True)
    done = subprocess.run(
        ["node", str(REPO / "tests/browser/robot.mjs"), f"http://127.0.0.1:{robots.http}/",
         robots.token, str(robots.ports["linus"]), str(robots.ports["torvalds"]), str(screenshot)],
        capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ok"] and len(result["checks"]) == 6, result
    assert screenshot.stat().st_size > 0
    assert robots.state()["linus"]["watchdog_stops"] == 0
