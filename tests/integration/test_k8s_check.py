"""make k8s-check: every overlay renders and passes, and each kind of mistake the checker
exists for is caught in a deliberately broken manifest or overlay (exact problem lines)."""
import copy
import os
import subprocess

import pytest
import yaml

from conftest import REPO

CHECK = ["node", str(REPO / "tests" / "k8s" / "check.mjs")]
NODE_TIMEOUT_S = 120

# A Service + Deployment that pass every check; each case below breaks one thing.
GOOD = [
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    },
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}, "annotations": {"prometheus.io/port": "8000"}},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
                    "containers": [
                        {
                            "name": "web",
                            "image": "towerwatch/dashboard:0123abcd",
                            "ports": [{"name": "http", "containerPort": 8000}],
                            "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}},
                            "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                            "resources": {
                                "requests": {"cpu": "10m", "memory": "16Mi"},
                                "limits": {"cpu": "100m", "memory": "64Mi"},
                            },
                            "securityContext": {
                                "allowPrivilegeEscalation": False,
                                "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"]},
                            },
                        }
                    ],
                },
            },
        },
    },
]


def run_check(args, cwd=REPO):
    result = subprocess.run(CHECK + args, cwd=cwd, capture_output=True, text=True, timeout=NODE_TIMEOUT_S)
    return result.returncode, result.stdout.splitlines()


def check_objects(tmp_path, objects, *flags):
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump_all(objects))
    code, lines = run_check([*flags, str(path)])
    prefix = f"{path}: "
    problems = [line[len(prefix):] for line in lines if line.startswith(prefix)]
    return code, problems, lines[-1]


def container(objects):
    return objects[1]["spec"]["template"]["spec"]["containers"][0]


def test_every_overlay_and_the_argocd_application_pass():
    result = subprocess.run(
        [str(REPO / "deploy" / "k8s-check")], cwd=REPO, capture_output=True, text=True, timeout=NODE_TIMEOUT_S
    )
    assert result.stdout.splitlines() == [
        "k8s-check: k8s/overlays/minikube: 25 objects, 0 problems",
        "k8s-check: k8s/overlays/minikube-kafka: 27 objects, 0 problems",
        "k8s-check: k8s/overlays/production: 36 objects, 0 problems",
        "k8s-check: k8s/overlays/production-autoscaling: 38 objects, 0 problems",
        "k8s-check: k8s/argocd/application.yaml: 1 objects, 0 problems",
    ], result.stderr
    assert result.returncode == 0


def test_the_good_manifest_passes_even_pinned(tmp_path):
    code, problems, summary = check_objects(tmp_path, GOOD, "--pinned")
    assert problems == []
    assert summary.endswith("2 objects, 0 problems")
    assert code == 0


def break_unknown_field(objects):
    container(objects)["imagePullPolicyy"] = "Always"


def break_schema_type(objects):
    container(objects)["ports"][0]["containerPort"] = "8000"


def break_selector(objects):
    objects[0]["spec"]["selector"] = {"app": "webb"}


def break_target_port(objects):
    objects[0]["spec"]["ports"][0]["targetPort"] = "metrics"


def break_probe_port(objects):
    container(objects)["readinessProbe"]["httpGet"]["port"] = "htttp"


def break_scrape_port(objects):
    objects[1]["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] = "9090"


def break_root_pod(objects):
    del objects[1]["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]


def break_capabilities(objects):
    container(objects)["securityContext"]["capabilities"] = {"drop": ["NET_RAW"]}


def break_writable_root(objects):
    container(objects)["securityContext"]["readOnlyRootFilesystem"] = False


def break_limits(objects):
    del container(objects)["resources"]["limits"]["memory"]


def break_missing_secret(objects):
    container(objects)["env"] = [
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "nowhere", "key": "token"}}}
    ]


@pytest.mark.parametrize(
    "breaker, expected",
    [
        (break_unknown_field, ["Deployment/web: unknown field spec.template.spec.containers[0].imagePullPolicyy"]),
        (
            break_schema_type,
            [
                "Deployment/web: schema: data/spec/template/spec/containers/0/ports/0/containerPort must be integer",
                # a string containerPort is no longer the scrape annotation's number either
                "Deployment/web: prometheus.io/port 8000 is not a container port",
            ],
        ),
        (break_selector, ['Service/web: selector {"app":"webb"} matches no pod template']),
        (break_target_port, ["Service/web: targetPort metrics is not a port of the selected pods"]),
        (break_probe_port, ["Deployment/web: container web readinessProbe port htttp is not a container port"]),
        (break_scrape_port, ["Deployment/web: prometheus.io/port 9090 is not a container port"]),
        (break_root_pod, ["Deployment/web: pod securityContext.runAsNonRoot is not true"]),
        (break_capabilities, ["Deployment/web: container web: capabilities do not drop ALL"]),
        (break_writable_root, ["Deployment/web: container web: readOnlyRootFilesystem is not true"]),
        (break_limits, ["Deployment/web: container web: no limits.memory"]),
        (break_missing_secret, ["Deployment/web: Secret nowhere is never created"]),
    ],
)
def test_a_broken_manifest_is_caught(tmp_path, breaker, expected):
    objects = copy.deepcopy(GOOD)
    breaker(objects)
    code, problems, summary = check_objects(tmp_path, objects)
    assert problems == expected
    assert summary.endswith(f"2 objects, {len(expected)} problems")
    assert code == 1


def scaled_object(target_kind, target_name, auth):
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "web"},
        "spec": {
            "scaleTargetRef": {"kind": target_kind, "name": target_name},
            "triggers": [{"type": "redis-streams", "metadata": {"stream": "s"},
                          "authenticationRef": {"name": auth}}],
        },
    }


def test_a_keda_scaled_object_must_name_its_target_and_authentication(tmp_path):
    good = copy.deepcopy(GOOD) + [
        {"apiVersion": "keda.sh/v1alpha1", "kind": "TriggerAuthentication",
         "metadata": {"name": "redis"},
         "spec": {"secretTargetRef": [{"parameter": "password", "name": "redis-passwords",
                                       "key": "analytics"}]}},
        scaled_object("Deployment", "web", "redis"),
    ]
    assert check_objects(tmp_path, good)[:2] == (0, [])
    wrong = copy.deepcopy(GOOD) + [scaled_object("StatefulSet", "web", "nowhere"),
                                   {**scaled_object("Deployment", "web", "x"), "spec": {}}]
    code, problems, _ = check_objects(tmp_path, wrong)
    assert problems == [
        "ScaledObject/web: schema: data/spec must have required property scaleTargetRef, "
        "data/spec must have required property triggers",
        "ScaledObject/web: scaleTargetRef StatefulSet/web does not exist",
        "ScaledObject/web: authenticationRef nowhere does not exist",
    ]
    assert code == 1


def test_a_manifest_that_does_not_parse_is_caught(tmp_path):
    path = tmp_path / "manifest.yaml"
    path.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n   labels: {a: b}\n")
    code, lines = run_check([str(path)])
    assert lines[0].startswith(f"{path}: YAML does not parse: ")
    assert lines[-1] == f"k8s-check: {path}: 0 objects, 1 problems"
    assert code == 1


def overlay_over_production(tmp_path, body):
    """A kustomize overlay in tmp_path on top of the real production overlay."""
    production = os.path.relpath(REPO / "k8s" / "overlays" / "production", tmp_path)
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"resources:\n  - {production}\n{body}"
    )
    return run_check(["--pinned", str(tmp_path)])


def test_an_unpinned_production_image_is_caught(tmp_path):
    code, lines = overlay_over_production(
        tmp_path, "images:\n  - {name: ghcr.io/towerwatch/towerwatch-dashboard, newTag: latest}\n"
    )
    assert lines == [
        f"{tmp_path}: Deployment/dashboard: container dashboard: image "
        "ghcr.io/towerwatch/towerwatch-dashboard:latest is not pinned to a git SHA or digest",
        f"k8s-check: {tmp_path}: 36 objects, 1 problems",
    ]
    assert code == 1


def test_an_overlay_patch_that_orphans_a_service_is_caught(tmp_path):
    code, lines = overlay_over_production(
        tmp_path,
        "patches:\n  - target: {kind: Service, name: analytics-headless}\n    patch: |-\n"
        "      - op: replace\n        path: /spec/selector\n        value: {app.kubernetes.io/name: analytic}\n",
    )
    assert lines == [
        f'{tmp_path}: Service/analytics-headless: selector {{"app.kubernetes.io/name":"analytic"}} '
        "matches no pod template",
        f"k8s-check: {tmp_path}: 36 objects, 1 problems",
    ]
    assert code == 1
