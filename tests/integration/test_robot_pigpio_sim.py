"""pigpio-sim driven by clients nobody here wrote: Debian's `pigs` and python3-pigpio.
Every expected value and error text is what those clients print against a real pigpiod."""
import socket
import struct
import subprocess

from conftest import wait_until
from robot_support import pigs, pigs_value, start_sim

PIGS_ERROR_EXIT = 253  # pigs exits 253 (-3) whenever the daemon answers an error


def test_modes_set_and_read_back_with_pigs(spawn):
    _, port = start_sim(spawn)
    assert pigs_value(port, "mg", 4) == 0
    assert pigs(port, "m", 4, "w") == (0, "", "")
    assert pigs_value(port, "mg", 4) == 1
    assert pigs(port, "m", 4, 0) == (0, "", "")
    assert pigs_value(port, "mg", 4) == 4
    assert pigs(port, "m", 4, "r") == (0, "", "")
    assert pigs_value(port, "mg", 4) == 0


def test_writes_read_back_with_pigs(spawn):
    _, port = start_sim(spawn)
    for gpio, level in [(17, 1), (27, 0), (21, 1), (53, 1)]:
        assert pigs(port, "w", gpio, level) == (0, "", "")
        assert pigs_value(port, "r", gpio) == level
        assert pigs_value(port, "mg", gpio) == 1
    assert pigs(port, "br1")[1] == f"{(1 << 17) | (1 << 21):08X}"
    assert pigs(port, "br2")[1] == f"{1 << (53 - 32):08X}"


def test_servo_pulse_widths_with_pigs(spawn):
    _, port = start_sim(spawn)
    for width in (500, 1500, 2500, 1234):
        assert pigs(port, "s", 22, width) == (0, "", "")
        assert pigs_value(port, "gpw", 22) == width
    assert pigs(port, "s", 22, 0) == (0, "", "")
    assert pigs_value(port, "gpw", 22) == 0


def test_pwm_dutycycles_ranges_and_frequencies_with_pigs(spawn):
    _, port = start_sim(spawn)
    for duty in (0, 1, 128, 255):
        assert pigs(port, "p", 12, duty) == (0, "", "")
        assert pigs_value(port, "gdc", 12) == duty
    assert pigs_value(port, "prg", 12) == 255
    assert pigs_value(port, "pfg", 12) == 800
    assert pigs_value(port, "prs", 12, 1000) == 250
    assert pigs(port, "p", 12, 700) == (0, "", "")
    assert pigs_value(port, "gdc", 12) == 700
    assert pigs_value(port, "pfs", 12, 1900) == 2000
    assert pigs_value(port, "prrg", 12) == 100


def test_errors_print_what_pigs_prints_against_the_daemon(spawn):
    _, port = start_sim(spawn)
    cases = [
        (("w", 54, 1), "-3", "ERROR: GPIO not 0-53"),
        (("r", 60), "-3", "ERROR: GPIO not 0-53"),
        (("mg", 99), "-3", "ERROR: GPIO not 0-53"),
        (("w", 4, 2), "-5", "ERROR: level not 0-1"),
        (("s", 22, 499), "-7", "ERROR: pulsewidth not 0 or 500-2500"),
        (("s", 22, 2501), "-7", "ERROR: pulsewidth not 0 or 500-2500"),
        (("s", 32, 1500), "-2", "ERROR: GPIO not 0-31"),
        (("p", 12, 256), "-8", "ERROR: dutycycle not 0-range (default 255)"),
        (("p", 40, 1), "-2", "ERROR: GPIO not 0-31"),
        (("prs", 12, 24), "-21", "ERROR: dutycycle range not 25-40000"),
        (("gdc", 5), "-92", "ERROR: GPIO is not in use for PWM"),
        (("gpw", 5), "-93", "ERROR: GPIO is not in use for servo pulses"),
        (("pud", 4, "x"), "", "pud: bad parameter, pigs h for help"),
    ]
    for args, out, err in cases:
        assert pigs(port, *args) == (PIGS_ERROR_EXIT, out, err), args
    # a rejected command changes nothing
    assert pigs_value(port, "mg", 4) == 0
    assert pigs(port, "gpw", 22)[0] == PIGS_ERROR_EXIT


def test_identity_commands_with_pigs(spawn):
    _, port = start_sim(spawn)
    assert pigs_value(port, "pigpv") == 79
    assert pigs_value(port, "hwver") == 0xA020D3
    first = pigs_value(port, "t")
    wait_until(lambda: pigs_value(port, "t") != first, 5, "tick to advance")


PYTHON_CLIENT = r"""
import sys, time, pigpio
pi = pigpio.pi("127.0.0.1", int(sys.argv[1]))
assert pi.connected
pi.set_mode(5, pigpio.OUTPUT)
pi.write(5, 1)
print("read", pi.read(5), pi.get_mode(5))
pi.set_servo_pulsewidth(23, 2000)
print("servo", pi.get_servo_pulsewidth(23))
pi.set_PWM_dutycycle(26, 64)
print("pwm", pi.get_PWM_dutycycle(26), pi.get_PWM_range(26), pi.get_PWM_frequency(26))
edges = []
cb = pi.callback(6, pigpio.EITHER_EDGE, lambda g, l, t: edges.append((g, l)))
pi.write(6, 1)
pi.write(6, 0)
deadline = time.monotonic() + 5
while len(edges) < 2 and time.monotonic() < deadline:
    time.sleep(0.01)
print("edges", edges)
cb.cancel()
pigpio.exceptions = False
print("errors", pi.set_servo_pulsewidth(23, 100), pi.write(60, 1), pi.get_PWM_dutycycle(4))
print("version", pi.get_pigpio_version(), hex(pi.get_hardware_revision()))
pi.stop()
"""


def run_python_client(program, port):
    """Runs a python3-pigpio program against 127.0.0.1:port; returns its output lines."""
    done = subprocess.run(["/usr/bin/python3", "-c", program, str(port)],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_python3_pigpio_client(spawn):
    sim, port = start_sim(spawn)
    assert run_python_client(PYTHON_CLIENT, port) == [
        "read 1 1",
        "servo 2000",
        "pwm 64 255 800",
        "edges [(6, 1), (6, 0)]",
        "errors -7 -3 -92",
        "version 79 0xa020d3",
    ]
    # the notification handle was opened and closed again with NC
    records = sim.log_records()
    assert [r["msg"] for r in records if r["msg"].startswith("notification")] == [
        "notification opened", "notification closed"]
    assert {"what": "pulsewidth", "gpio": 23, "from": 0, "to": 2000}.items() <= next(
        r for r in records if r.get("what") == "pulsewidth").items()


def test_many_clients_at_once(spawn):
    _, port = start_sim(spawn)
    clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(40)]
    try:
        for n, sock in enumerate(clients):
            sock.sendall(struct.pack("<IIII", 4, 2 + n % 20, 1, 0))  # WRITE gpio 1
        for n, sock in enumerate(clients):
            reply = b""
            while len(reply) < 16:
                chunk = sock.recv(16 - len(reply))
                assert chunk, "pigpio-sim closed a client"
                reply += chunk
            assert struct.unpack("<IIIi", reply) == (4, 2 + n % 20, 1, 0)
    finally:
        for sock in clients:
            sock.close()
    assert pigs(port, "br1")[1] == f"{sum(1 << g for g in range(2, 22)):08X}"


def test_sigterm_exits_cleanly(spawn):
    sim, port = start_sim(spawn)
    assert pigs(port, "w", 4, 1)[0] == 0
    assert sim.stop() == 0
    assert sim.log_records()[-1]["msg"] == "stopped"


def test_scripts_with_pigs_as_its_manual_shows(spawn):
    _, port = start_sim(spawn)
    assert pigs(port, "proc", "tag", 123, "w", 4, 0, "mils", 200, "w", 4, 1, "mils", 300,
                "dcr", "p0", "jp", 123) == (0, "0", "")
    assert pigs(port, "procp", 0) == (0, "1 0 0 0 0 0 0 0 0 0 0", "")
    assert pigs(port, "procr", 0, 1) == (0, "", "")
    assert pigs(port, "procp", 0)[1] == "2 1 0 0 0 0 0 0 0 0 0"
    assert pigs_value(port, "r", 4) == 0
    wait_until(lambda: pigs(port, "procp", 0)[1] == "1 -1 0 0 0 0 0 0 0 0 0", 5, "script halted")
    assert pigs_value(port, "r", 4) == 1
    assert pigs(port, "proc", "tag", 123, "w", 4, 0, "mils", 5, "w", 4, 1, "mils", 5, "jmp", 12) == (
        PIGS_ERROR_EXIT, "-63", "ERROR: script has unresolved tag")
    assert pigs(port, "procd", 0) == (0, "", "")
    assert pigs(port, "procd", 0) == (PIGS_ERROR_EXIT, "-48", "ERROR: unknown script id")
    assert pigs(port, "procs", 1) == (PIGS_ERROR_EXIT, "-48", "ERROR: unknown script id")


def test_script_parameters_update_stop_and_errors_with_pigs(spawn):
    _, port = start_sim(spawn)
    # a dead-man's loop like the gateway's: p0 counts down every 20 ms, zero stops GPIO 17
    assert pigs(port, "proc", "tag 0 mils 20 lda p0 cmp 0 jz 0 dcr p0 jnz 0 w 17 0 inr p1 jmp 0")[1] == "0"
    assert pigs(port, "w", 17, 1) == (0, "", "")
    assert pigs(port, "procr", 0, *[0] * 9, 42) == (0, "", "")
    assert pigs(port, "procu", 0, 1000) == (0, "", "")
    status = [int(w) for w in pigs(port, "procp", 0)[1].split()]
    assert status[0] == 2 and 900 < status[1] <= 1000 and status[2:] == [0] * 8 + [42]
    assert pigs_value(port, "r", 17) == 1
    assert pigs(port, "procu", 0, 3) == (0, "", "")
    wait_until(lambda: pigs_value(port, "r", 17) == 0, 5, "GPIO 17 zeroed by the script")
    assert pigs(port, "procp", 0)[1].split()[:3] == ["2", "0", "1"]
    assert pigs(port, "procs", 0) == (0, "", "")
    assert pigs(port, "procp", 0)[1].split()[0] == "1"
    cases = [
        (("proc", "fly 3"), "-55", "ERROR: illegal script command"),
        (("proc", "dcr p10"), "-52", "ERROR: script parameter id not 0-9"),
        (("proc", "ld v150 1"), "-56", "ERROR: script variable id not 0-149"),
        (("proc", "tag 1 tag 1"), "-53", "ERROR: script has duplicate tag"),
        (("proc", "mils 60001"), "-65", "ERROR: bad MILS delay (too large)"),
        (("procr", 9), "-48", "ERROR: unknown script id"),
    ]
    for args, out, err in cases:
        assert pigs(port, *args) == (PIGS_ERROR_EXIT, out, err), args


def test_failing_script_command_fails_the_script(spawn):
    _, port = start_sim(spawn)
    assert pigs(port, "proc", "w 4 1 pwm 12 300 w 4 0")[1] == "0"
    assert pigs(port, "procr", 0) == (0, "", "")
    wait_until(lambda: pigs(port, "procp", 0)[1].split()[0] == "4", 5, "script failed")
    assert pigs_value(port, "r", 4) == 1


PYTHON_SCRIPTS = r"""
import sys, time, pigpio
pi = pigpio.pi("127.0.0.1", int(sys.argv[1]))
sid = pi.store_script(b"tag 1 w 5 1 mils 10 w 5 0 mils 10 dcr p0 jp 1")
print("stored", sid)
print("run", pi.run_script(sid, [3]))
deadline = time.monotonic() + 5
while pi.script_status(sid)[0] == pigpio.PI_SCRIPT_RUNNING and time.monotonic() < deadline:
    time.sleep(0.01)
status, params = pi.script_status(sid)
print("status", status, list(params))
print("update", pi.update_script(sid, [7, 8]), pi.script_status(sid)[1][:2])
print("delete", pi.delete_script(sid))
pigpio.exceptions = False
print("gone", pi.script_status(sid)[0], pi.stop_script(sid))
pi.stop()
"""


def test_python3_pigpio_scripts(spawn):
    _, port = start_sim(spawn)
    assert run_python_client(PYTHON_SCRIPTS, port) == [
        "stored 0",
        "run 0",
        "status 1 [-1, 0, 0, 0, 0, 0, 0, 0, 0, 0]",
        "update 0 (7, 8)",
        "delete 0",
        "gone -48 -48",
    ]
