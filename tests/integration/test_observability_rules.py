"""The recording and alerting rules: promtool accepts them, promtool's unit tests make
every alert fire and clear, compose's Prometheus loads them, and the k8s PrometheusRule
is exactly what observability/prometheus/prometheus-rule generates from them."""
import subprocess

import yaml

from conftest import REPO

RULES = REPO / "observability" / "prometheus" / "rules" / "towerwatch.yml"
RULE_TESTS = REPO / "tests" / "prometheus" / "towerwatch.test.yml"
PROMETHEUS_RULE = REPO / "k8s" / "components" / "monitoring" / "prometheus-rule.yaml"
ALERTS = {"AntennaOffline", "SuccessRateBelowObjective", "LatencyP99AboveObjective",
          "ConsumerLagGrowing", "StreamEntriesDeletedUnread", "StreamIdsExhausted",
          "MalformedSpike", "RobotDaemonDisconnected", "HTTPWorkersSaturated",
          "DashboardDiscoveryFailing", "ServiceDown"}
PROMTOOL_TIMEOUT_S = 60


def promtool(*args):
    done = subprocess.run(["promtool", *args], capture_output=True, text=True,
                          timeout=PROMTOOL_TIMEOUT_S, check=False)
    return done.returncode, done.stdout + done.stderr


def rules_of(kind):
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if kind in rule]


def test_rules_pass_promtool_check():
    code, out = promtool("check", "rules", str(RULES))
    assert code == 0, out
    assert f"SUCCESS: {len(rules_of('alert')) + len(rules_of('record'))} rules found" in out


def test_the_alerts_operators_need_are_defined_with_severity_and_summary():
    alerts = rules_of("alert")
    assert {rule["alert"] for rule in alerts} == ALERTS
    for rule in alerts:
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]


def test_promtool_unit_tests_fire_and_clear_every_alert():
    code, out = promtool("test", "rules", str(RULE_TESTS))
    assert code == 0, out
    fired, cleared = set(), set()
    for case in yaml.safe_load(RULE_TESTS.read_text())["tests"]:
        seen_firing = set()
        for check in sorted(case.get("alert_rule_test", []),
                            key=lambda c: yaml.safe_load(c["eval_time"].replace("m", ""))):
            name = check["alertname"]
            if check["exp_alerts"]:
                seen_firing.add(name)
                fired.add(name)
            elif name in seen_firing:
                cleared.add(name)
    assert fired == ALERTS and cleared == ALERTS


def test_promtool_unit_tests_fail_when_a_threshold_moves(tmp_path):
    """The unit tests are not vacuous: a rules file with one objective changed fails them."""
    moved = tmp_path / "rules" / "towerwatch.yml"
    moved.parent.mkdir()
    moved.write_text(RULES.read_text().replace("ratio5m < 0.95", "ratio5m < 0.85"))
    tests = tmp_path / "tests" / "towerwatch.test.yml"
    tests.parent.mkdir()
    tests.write_text(RULE_TESTS.read_text().replace(
        "../../observability/prometheus/rules/towerwatch.yml", "../rules/towerwatch.yml"))
    code, out = promtool("test", "rules", str(tests))
    assert code == 1 and "alertname: SuccessRateBelowObjective" in out, out


def test_compose_prometheus_loads_the_rules_directory():
    config = REPO / "observability" / "prometheus" / "prometheus.yml"
    code, out = promtool("check", "config", str(config))
    assert code == 0 and "SUCCESS: 1 rule files found" in out, out
    assert yaml.safe_load(config.read_text())["rule_files"] == ["rules/*.yml"]
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert ("./observability/prometheus/rules:/etc/prometheus/rules:ro"
            in compose["services"]["prometheus"]["volumes"])
    dockerfile = (REPO / "observability" / "prometheus" / "Dockerfile").read_text()
    assert "COPY observability/prometheus/rules /etc/prometheus/rules\n" in dockerfile


def test_prometheus_rule_for_k8s_is_generated_from_the_rules_file():
    generated = subprocess.run([str(REPO / "observability" / "prometheus" / "prometheus-rule")],
                               capture_output=True, text=True, timeout=30, check=True).stdout
    assert PROMETHEUS_RULE.read_text() == generated, (
        "regenerate: observability/prometheus/prometheus-rule > " + str(PROMETHEUS_RULE))
    rule = yaml.safe_load(generated)
    assert rule["spec"]["groups"] == yaml.safe_load(RULES.read_text())["groups"]
    kustomization = yaml.safe_load(
        (PROMETHEUS_RULE.parent / "kustomization.yaml").read_text())
    assert "prometheus-rule.yaml" in kustomization["resources"]
