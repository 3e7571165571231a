"""A real DNS server on loopback for the dashboard's discovery tests: Debian's dnsmasq on
port 53 of a loopback address of its own (resolv.conf cannot name a port), answering
only from a directory of hosts files, which it re-reads by itself when one changes, so A
records come and go while it runs; every other name is NXDOMAIN, as a cluster's DNS says
of a headless Service with no ready pod. The dashboard runs in a mount namespace whose
/etc/resolv.conf names that server alone, with a Kubernetes pod's search list."""
import os
import random
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

import pytest

from conftest import wait_until

DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
NAMESPACE = "towerwatch"
SERVICE = "analytics-headless"
FQDN = f"{SERVICE}.{NAMESPACE}.svc.cluster.local"
SEARCH = f"{NAMESPACE}.svc.cluster.local svc.cluster.local cluster.local"
DNS_PORT = 53
QUERY_TYPE_A = 1
QUERY_CLASS_IN = 1
STOP_TIMEOUT_S = 5.0


def unavailable():
    """Why this machine cannot run a DNS server and a mount namespace, or None."""
    if not os.path.exists(DNSMASQ):
        return "dnsmasq is not installed (Debian dnsmasq-base, in mk/deps-test.txt)"
    if os.geteuid() != 0:
        return "needs root: a DNS server on port 53 and a mount namespace"
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        return f"no mount namespace: {probe.stderr.decode(errors='replace').strip()}"
    return None


def free_dns_address():
    """A loopback address whose port 53 is free over UDP and TCP."""
    for _ in range(64):
        host = f"127.53.{random.randint(0, 255)}.{random.randint(1, 254)}"
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
                udp.bind((host, DNS_PORT))
                tcp.bind((host, DNS_PORT))
        except OSError:
            continue
        return host
    pytest.fail("no loopback address with a free port 53")


def a_query(name, query_id):
    """A DNS query for name's A records."""
    labels = b"".join(bytes([len(part)]) + part.encode() for part in name.split("."))
    return struct.pack(">HHHHHH", query_id, 0x0100, 1, 0, 0, 0) + labels + b"\0" + \
        struct.pack(">HH", QUERY_TYPE_A, QUERY_CLASS_IN)


class DnsServer:
    """dnsmasq answering for FQDN from hosts files in its own directory."""

    def __init__(self, workdir):
        self.dir = Path(workdir) / "dns"
        self.hosts_dir = self.dir / "hosts"
        self.hosts_dir.mkdir(parents=True)
        self.address = free_dns_address()
        self.resolv_conf = self.dir / "resolv.conf"
        self.resolv_conf.write_text(f"nameserver {self.address}\nsearch {SEARCH}\n"
                                    "options ndots:5\n")
        self.query_log = self.dir / "queries.log"
        self.proc = None
        self.start()

    def start(self):
        self.output = open(self.dir / "dnsmasq.out", "ab")
        self.proc = subprocess.Popen(
            [DNSMASQ, "--keep-in-foreground", "--no-resolv", "--no-hosts", "--local=/#/",
             f"--hostsdir={self.hosts_dir}", f"--listen-address={self.address}",
             "--bind-interfaces", f"--port={DNS_PORT}", "--cache-size=0", "--user=root",
             "--group=root", f"--pid-file={self.dir / 'dnsmasq.pid'}", "--log-queries",
             f"--log-facility={self.query_log}"],
            stdout=self.output, stderr=subprocess.STDOUT)
        wait_until(self.answers, 10, f"dnsmasq to answer on {self.address}")

    def answers(self):
        assert self.proc.poll() is None, (self.dir / "dnsmasq.out").read_text()
        query_id = random.randint(0, 0xFFFF)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.5)
            sock.sendto(a_query(FQDN, query_id), (self.address, DNS_PORT))
            try:
                reply = sock.recv(512)
            except OSError:
                return False
        return struct.unpack(">H", reply[:2])[0] == query_id

    def set_records(self, addresses):
        """FQDN's A records become exactly these (none: the name is gone); returns the
        monotonic time of the change. The file is replaced whole, never seen half written."""
        target = self.hosts_dir / "replicas"
        if addresses:
            staged = self.dir / "replicas.next"
            staged.write_text("".join(f"{a} {FQDN}\n" for a in addresses))
            os.replace(staged, target)
        elif target.exists():
            target.unlink()
        return time.monotonic()

    def queried(self, name):
        """Whether a client asked for name's A records."""
        return self.query_log.exists() and f"query[A] {name} from" in self.query_log.read_text()

    def pause(self):
        """SIGSTOP: queries reach the socket and are never answered."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def kill(self):
        """SIGKILL: queries are refused (nothing listens on the port)."""
        self.proc.kill()
        self.proc.wait()

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(timeout=STOP_TIMEOUT_S)


def resolving_with(dns):
    """A spawn prefix: the binary runs in a new mount namespace where /etc/resolv.conf is
    dns's (the bind mount is private to that namespace)."""
    mount = f"mount --bind {shlex.quote(str(dns.resolv_conf))} /etc/resolv.conf"
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            f'{mount} && exec "$0" "$@"']
