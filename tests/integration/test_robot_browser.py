"""Browser test of the robot control page (tests/browser/robot.mjs) at desktop and phone
size: D-pad holds with mouse and keys, focused sliders, per-motor speeds, servos and eyes
read back with `pigs`, a killed daemon, the gateway killed while the page is open, and
screenshots in build/ (screenshot-robots.png, screenshot-robots-phone.png)."""
import json
import subprocess

from conftest import BUILD, REPO, binary
from robot_support import Robots

BROWSER_TIMEOUT_S = 180
CHECKS = 12


def test_control_page_at_desktop_and_phone_size(spawn):
    robots = Robots(spawn, watchdog_ms=500)
    shots = BUILD / "robot-page"
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    done = subprocess.run(
        ["node", str(REPO / "tests/browser/robot.mjs"), f"http://127.0.0.1:{robots.http}/",
         robots.token, str(robots.ports["linus"]), str(robots.ports["torvalds"]),
         str(robots.gateway.proc.pid), str(robots.sims["torvalds"].proc.pid),
         str(binary("pigpio-sim")), str(shots)],
        capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print("\n".join(result["checks"]))
    assert result["ok"] and len(result["checks"]) == CHECKS, result
    for name in ("screenshot-robots.png", "screenshot-robots-phone.png"):
        assert (shots / name).stat().st_size > 0
    robots.gateway.proc.wait(timeout=10)
