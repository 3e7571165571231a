"""docker-compose.yml, checked without an engine: Debian's docker-compose renders it, and
the rendered stack has what the deployment promises (health checks, depends_on on
health, memory limits, loopback-only ports, no default secrets, every service scraped)."""
import re
import subprocess

import pytest
import yaml

from conftest import REPO

COMPOSE = REPO / "docker-compose.yml"
SECRETS = [
    "REDIS_ADMIN_PASSWORD",
    "REDIS_SIMULATOR_PASSWORD",
    "REDIS_ANALYTICS_PASSWORD",
    "REDIS_REPLICATION_PASSWORD",
    "REDIS_SENTINEL_PASSWORD",
    "ROBOT_TOKEN",
    "GRAFANA_ADMIN_PASSWORD",
]
# Every service and the port its /metrics is on (pigpio-sim speaks no HTTP).
SCRAPED = {"simulator": 8003, "analytics": 8001, "dashboard": 8000, "robot-gateway": 8002}
COMPOSE_TIMEOUT_S = 60


def render(tmp_path, env_lines):
    env = tmp_path / "compose.env"
    env.write_text("".join(f"{line}\n" for line in env_lines))
    return subprocess.run(
        ["docker-compose", "--env-file", str(env), "-f", str(COMPOSE), "config"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=COMPOSE_TIMEOUT_S,
    )


@pytest.fixture
def stack(tmp_path):
    result = render(tmp_path, [f"{name}=secret-{i}" for i, name in enumerate(SECRETS)])
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)["services"]


def test_the_stack_has_every_service(stack):
    assert sorted(stack) == [
        "analytics",
        "dashboard",
        "grafana",
        "jaeger",
        "kafka",
        "kafka-topics",
        "linus-pi",
        "prometheus",
        "redis",
        "redis-ha-0",
        "redis-ha-1",
        "redis-ha-2",
        "robot-gateway",
        "sentinel-0",
        "sentinel-1",
        "sentinel-2",
        "simulator",
        "torvalds-pi",
    ]
    assert stack["simulator"]["scale"] == 3
    ha = {f"{kind}-{i}" for kind in ("redis-ha", "sentinel") for i in range(3)}
    assert {name for name, svc in stack.items() if svc.get("profiles")} == {"kafka", "kafka-topics",
                                                                            *ha}
    assert all(stack[name]["profiles"] == ["kafka"] for name in ("kafka", "kafka-topics"))
    assert all(stack[name]["profiles"] == ["ha"] for name in ha)
    # each Sentinel shares its Redis' network namespace: both answer on that member's name
    assert all(stack[f"sentinel-{i}"]["network_mode"] == f"service:redis-ha-{i}" for i in range(3))


def test_broker_selects_the_path_of_simulator_and_analytics(tmp_path):
    secrets = [f"{name}=secret-{i}" for i, name in enumerate(SECRETS)]
    for broker in ("redis", "kafka"):
        result = render(tmp_path, secrets + ([f"BROKER={broker}"] if broker == "kafka" else []))
        assert result.returncode == 0, result.stderr
        services = yaml.safe_load(result.stdout)["services"]
        for name in ("simulator", "analytics"):
            assert services[name]["environment"]["BROKER"] == broker
            assert services[name]["environment"]["KAFKA_BROKERS"] == "kafka:9092"


@pytest.mark.parametrize("missing", SECRETS)
def test_a_missing_secret_stops_compose(tmp_path, missing):
    result = render(tmp_path, [f"{name}=x" for name in SECRETS if name != missing])
    assert result.returncode == 1
    assert f"set {missing} in .env" in result.stderr


def test_every_service_has_a_health_check_and_a_memory_limit(stack):
    assert [name for name, svc in stack.items() if "healthcheck" not in svc] == []
    assert [name for name, svc in stack.items() if "mem_limit" not in svc] == []


def test_depends_on_waits_for_health_of_services_that_report_it(stack):
    pairs = []
    for name, svc in stack.items():
        for dep, cond in svc.get("depends_on", {}).items():
            assert cond == {"condition": "service_healthy"}, (name, dep)
            assert "healthcheck" in stack[dep]
            pairs.append(f"{name}->{dep}")
    assert sorted(pairs) == [
        "analytics->redis",
        "dashboard->analytics",
        "grafana->prometheus",
        "kafka-topics->kafka",
        "redis-ha-1->redis-ha-0",
        "redis-ha-2->redis-ha-1",
        "robot-gateway->linus-pi",
        "robot-gateway->torvalds-pi",
        "sentinel-0->redis-ha-0",
        "sentinel-1->redis-ha-1",
        "sentinel-2->redis-ha-2",
        "simulator->redis",
    ]


def test_published_ports_are_bound_to_loopback(stack):
    published = {}
    for name, svc in stack.items():
        for port in svc.get("ports", []):
            # docker-compose 1.x renders "ip:published:target"
            host_ip, published_port, _ = str(port).split(":")
            published[name] = (host_ip, int(published_port))
    assert published == {
        "analytics": ("127.0.0.1", 8001),
        "dashboard": ("127.0.0.1", 8000),
        "robot-gateway": ("127.0.0.1", 8002),
        "prometheus": ("127.0.0.1", 9090),
        "grafana": ("127.0.0.1", 3000),
        "jaeger": ("127.0.0.1", 16686),
    }


def test_secrets_have_no_default_anywhere():
    text = COMPOSE.read_text()
    for name in SECRETS:
        uses = re.findall(r"\$\{" + name + r"(:?[-?][^}]*)?\}", text)
        assert uses, name
        # Only `${NAME}` (after a required `${NAME:?...}`) or `${NAME:?...}`: never a default.
        assert all(u == "" or u.startswith(":?") for u in uses), (name, uses)
        assert any(u.startswith(":?") for u in uses), name


def test_the_towerwatch_containers_are_hardened(stack):
    for name, svc in stack.items():
        if name in ("grafana", "kafka"):  # upstream images that write under their root
            continue
        assert svc.get("read_only") is True, name
        assert svc.get("cap_drop") == ["ALL"], name
        assert "no-new-privileges:true" in svc.get("security_opt", []), name


def test_prometheus_scrapes_every_http_service_and_the_config_is_valid():
    config_path = REPO / "observability" / "prometheus" / "prometheus.yml"
    result = subprocess.run(["promtool", "check", "config", str(config_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load(config_path.read_text())
    ports = {}
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                host, port = target.rsplit(":", 1)
                ports[job["job_name"]] = (host, int(port))
        for sd in job.get("dns_sd_configs", []):
            ports[job["job_name"]] = (sd["names"][0], sd["port"])
    assert ports == {**{name: (name, port) for name, port in SCRAPED.items()}, "prometheus": ("localhost", 9090)}


def image_args(service):
    """The build arguments `make -s print-image-args` prints for service, as a dict."""
    out = subprocess.run(["make", "-s", "print-image-args", f"SERVICE={service}"], cwd=REPO,
                         capture_output=True, text=True, check=True, timeout=COMPOSE_TIMEOUT_S)
    return dict(line.split("=", 1) for line in out.stdout.splitlines())


def test_every_service_image_builds_from_deploy_dockerfile_with_the_printed_arguments(stack):
    services = subprocess.run(["make", "-s", "print-services"], cwd=REPO, capture_output=True,
                              text=True, check=True, timeout=COMPOSE_TIMEOUT_S).stdout.split()
    built = {name: svc["build"] for name, svc in stack.items()
             if svc.get("build", {}).get("dockerfile", "").endswith("deploy/Dockerfile")}
    assert {b["args"]["SERVICE"] for b in built.values()} == set(services)
    for build in built.values():
        assert build["args"] == image_args(build["args"]["SERVICE"])
