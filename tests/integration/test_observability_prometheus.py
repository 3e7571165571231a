"""Every Grafana panel and every rule, proven against real Prometheus (Debian's) scraping a
real local stack: Redis, simulator, analytics, dashboard, robot-gateway and two pigpio-sims.
Each PromQL expression must parse and return data; a panel without data fails the test,
named. Alert conditions are asked for in their `bool` form (0 while healthy)."""
import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import yaml

from conftest import REPO, free_port, http_get, wait_until
from dashboard_stack import start_dashboard
from pipeline import start_analytics
from robot_support import Robots

DASHBOARDS = REPO / "observability" / "grafana" / "dashboards"
RULES = REPO / "observability" / "prometheus" / "rules" / "towerwatch.yml"
DATASOURCES = REPO / "observability" / "grafana" / "provisioning" / "datasources" / "datasources.yaml"
SCRAPE_INTERVAL = "1s"
# Grafana's $__rate_interval, for a 1 s scrape interval and a test that lasts seconds.
GRAFANA_VARIABLES = {"$__rate_interval": "30s"}
DATA_TIMEOUT_S = 40
PROMETHEUS_READY_S = 20
QUERY_TIMEOUT_S = 5
COMPARISON = re.compile(r"\s(==|!=|>=|<=|>|<)\s(?!bool\b)")
JOBS = ("simulator", "analytics", "dashboard", "robot-gateway", "prometheus")


def dashboards():
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def all_panels(panels):
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels", []))


def panel_queries():
    """(where, PromQL) for every Prometheus target of every panel, variables substituted."""
    queries = []
    for name, board in dashboards().items():
        for panel in all_panels(board["panels"]):
            for target in panel.get("targets", []):
                if target.get("datasource", panel.get("datasource", {}))["type"] != "prometheus":
                    continue
                expr = target["expr"]
                for variable, value in GRAFANA_VARIABLES.items():
                    expr = expr.replace(variable, value)
                assert "$" not in expr, f"{name} / {panel['title']}: unknown variable in {expr}"
                queries.append((f"{name} / {panel['title']} / {target['refId']}", expr))
    return queries


def rule_queries():
    """(where, PromQL) for every rule: recording rules as written and by their recorded
    name; alerting rules with `bool` on their comparison, so a healthy stack answers 0."""
    queries = []
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        for rule in group["rules"]:
            if "record" in rule:
                queries.append((f"rule {rule['record']}", rule["expr"]))
                queries.append((f"recorded series {rule['record']}", rule["record"]))
            else:
                condition = COMPARISON.sub(r" \1 bool ", rule["expr"])
                assert condition != rule["expr"], f"alert {rule['alert']}: no comparison"
                queries.append((f"alert {rule['alert']} (as bool)", condition))
    return queries


class Prometheus:
    """Debian's prometheus on a free loopback port, its data in the test's directory."""

    def __init__(self, workdir, targets):
        self.port = free_port()
        self.targets = targets
        rules = yaml.safe_load(RULES.read_text())
        for group in rules["groups"]:
            group["interval"] = SCRAPE_INTERVAL
        (workdir / "rules.yml").write_text(yaml.safe_dump(rules))
        config = {
            "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
            "rule_files": [str(workdir / "rules.yml")],
            "scrape_configs": [{"job_name": job, "static_configs": [{"targets": [target]}]}
                               for job, target in {**targets,
                                                   "prometheus": f"127.0.0.1:{self.port}"}.items()],
        }
        (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.log = open(workdir / "prometheus.log", "wb")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={workdir / 'prometheus.yml'}",
             f"--storage.tsdb.path={workdir / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(self.ready, PROMETHEUS_READY_S, "prometheus /-/ready", interval_s=0.2)

    def ready(self):
        assert self.proc.poll() is None, (self.log.name, "prometheus exited")
        try:
            return http_get(self.port, "/-/ready", timeout_s=1)[0] == 200
        except OSError:
            return False

    def api(self, path, **params):
        """GET /api/v1/<path>; returns (HTTP status, parsed JSON)."""
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=QUERY_TIMEOUT_S) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def query(self, expr):
        """The instant query's result list; fails the test when the expression is refused."""
        status, body = self.api("query", query=expr)
        assert status == 200 and body["status"] == "success", f"{expr}: {body.get('error')}"
        return body["data"]["result"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture
def stack(redis_server, spawn, workdir):
    """The whole local stack and Prometheus scraping all of it every second. Redis comes
    first so that it is stopped last, after analytics saved its final checkpoint."""
    analytics = start_analytics(spawn, redis_server, args=["--antenna-metrics", "10"])
    sim_port = free_port()
    sim = spawn("simulator", ["--port", str(sim_port), "--listen", "127.0.0.1", "--antennas", "3",
                              "--interval", "1"], {"REDIS_URL": redis_server.url("simulator")})
    sim.wait_ready(sim_port)
    dashboard = start_dashboard(spawn, f"127.0.0.1:{analytics.port}")
    robots = Robots(spawn, watchdog_ms=300)
    prometheus = Prometheus(workdir, {
        "simulator": f"127.0.0.1:{sim_port}", "analytics": f"127.0.0.1:{analytics.port}",
        "dashboard": f"127.0.0.1:{dashboard.port}", "robot-gateway": f"127.0.0.1:{robots.http}"})
    yield prometheus, robots, dashboard
    prometheus.stop()


def drive_robots(robots):
    """Commands of every kind on both robots, a watchdog stop each, and one refused POST."""
    for robot in ("linus", "torvalds"):
        assert robots.drive(robot, "forward", 0.5)[0] == 200
        assert robots.post(f"/api/v1/robots/{robot}/eyes", {"state": "blink"})[0] == 200
    assert robots.post("/api/v1/robots/linus/servos/1", {"angle": 45})[0] == 200
    assert robots.drive("linus", "left", token="wrong")[0] == 401
    wait_until(lambda: all(r["watchdog_stops"] >= 1 for r in robots.state().values()), 10,
               "a watchdog stop on each robot")


def missing_data(prometheus, queries):
    return [f"{where}: {expr}" for where, expr in queries if not prometheus.query(expr)]


def test_every_panel_and_rule_has_data_in_real_prometheus(stack):
    prometheus, robots, dashboard = stack
    drive_robots(robots)
    http_get(dashboard.port, "/api/v1/summary?window=60")
    queries = panel_queries() + rule_queries()
    assert len(queries) >= 40

    def all_have_data():
        up = {s["metric"]["job"]: s["value"][1] for s in prometheus.query("up")}
        return up == {job: "1" for job in JOBS} and not missing_data(prometheus, queries)

    deadline = time.monotonic() + DATA_TIMEOUT_S
    while not all_have_data() and time.monotonic() < deadline:
        time.sleep(0.5)
    missing = missing_data(prometheus, queries)
    assert not missing, "panels or rules without data:\n" + "\n".join(missing)
    for expr in (rule["expr"] for group in yaml.safe_load(RULES.read_text())["groups"]
                 for rule in group["rules"] if "alert" in rule):
        prometheus.query(expr)  # the alert condition as written parses too
    status, rules = prometheus.api("rules")
    assert status == 200
    health = {(r.get("name")): (r["health"], r.get("lastError", "")) for g in rules["data"]["groups"]
              for r in g["rules"]}
    assert set(health.values()) == {("ok", "")}, health
    active = {a["labels"]["alertname"] for a in prometheus.api("alerts")[1]["data"]["alerts"]}
    assert not active & {"ServiceDown", "RobotDaemonDisconnected"}, active
    # Prometheus (scraping itself) counts a series repeated within one scrape with another
    # value; the scrape text itself must not repeat a series either.
    duplicates = prometheus.query("prometheus_target_scrapes_sample_duplicate_timestamp_total")
    assert [d["value"][1] for d in duplicates] == ["0"]
    for job, target in prometheus.targets.items():
        series = [line.rsplit(" ", 1)[0] for line in http_get(
            int(target.rsplit(":", 1)[1]), "/metrics")[1].splitlines() if not line.startswith("#")]
        assert len(series) == len(set(series)), (job, [s for s in series if series.count(s) > 1])


def test_dashboards_use_provisioned_datasources_and_are_all_shipped():
    provisioned = {d["uid"]: d for d in yaml.safe_load(DATASOURCES.read_text())["datasources"]}
    assert provisioned["jaeger"]["url"] == "http://jaeger:16686"
    boards = dashboards()
    assert set(boards) == {"antenna-network.json", "services.json", "robots.json"}
    assert len({b["uid"] for b in boards.values()}) == 3
    for name, board in boards.items():
        ids = [p["id"] for p in all_panels(board["panels"])]
        assert len(ids) == len(set(ids)), name
        for panel in all_panels(board["panels"]):
            for target in panel["targets"]:
                assert target["datasource"]["uid"] in provisioned, (name, panel["title"])
    traces = [t for p in boards["robots.json"]["panels"] for t in p["targets"]
              if t["datasource"]["uid"] == "jaeger"]
    assert {(t["service"], t["operation"]) for t in traces} == {
        ("robot-gateway", "linus-eye"), ("robot-gateway", "torvalds-eye")}
    kustomization = yaml.safe_load((REPO / "observability" / "kustomization.yaml").read_text())
    shipped = kustomization["configMapGenerator"][0]["files"]
    assert sorted(shipped) == sorted(f"grafana/dashboards/{name}" for name in boards)
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert ("./observability/grafana/dashboards:/var/lib/grafana/dashboards:ro"
            in compose["services"]["grafana"]["volumes"])
