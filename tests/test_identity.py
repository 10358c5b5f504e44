"""Clusters as they are: the registry's ServiceAccount for a cloud's workload identity, images
pulled from a private mirror by every pod regc emits, node affinity, and variables from the
cluster's own Secrets, ConfigMaps and the pod itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_kustomize import VARIANTS
from tests.test_operations import build, one, refused


def _pod_templates(objects: list[dict]) -> dict[str, dict]:
    return {
        f"{o['kind']}/{o['metadata']['name']}": o["spec"]["template"]["spec"]
        for o in objects
        if o["kind"] in ("Deployment", "DaemonSet", "Job")
    }


def test_service_account_name_and_annotations_reach_the_pods(repo: Path):
    objects = build(repo, "cloud", VARIANTS["identity-images"])
    account = one(objects, "ServiceAccount")
    assert account["metadata"]["name"] == "registry-cloud"
    assert account["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/registry"
    }
    assert account["automountServiceAccountToken"] is False
    assert one(objects, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == "registry-cloud"


def test_every_pod_pulls_with_the_mirror_secret_and_policy(repo: Path):
    pods = _pod_templates(build(repo, "mirrored", VARIANTS["identity-images"]))
    assert {name.split("/")[0] for name in pods} == {"Deployment", "DaemonSet", "Job"}
    for name, pod in pods.items():
        assert pod["imagePullSecrets"] == [{"name": "mirror-credentials"}], name
        assert {c["imagePullPolicy"] for c in pod["containers"]} == {"Always"}, name


def test_the_defaults_pull_if_not_present_with_no_secret(repo: Path):
    body = VARIANTS["identity-images"].split("auth:")[1]
    pods = _pod_templates(build(repo, "plain", "auth:" + body))
    for name, pod in pods.items():
        assert "imagePullSecrets" not in pod, name
        assert {c["imagePullPolicy"] for c in pod["containers"]} == {"IfNotPresent"}, name


OWN_SECRET = (
    "auth:\n  htpasswd:\n    users: [p]\n    generateMissingPasswords: true\n"
    "pullSecrets:\n  name: regcred\n  user: p\n  namespaces: [{namespaces}]\n"
    "imagePullSecrets: [regcred]\n"
)


def test_the_environments_own_pull_secret_must_exist_in_its_namespace(repo: Path):
    message = refused(repo, OWN_SECRET.format(namespaces="apps"))
    assert "environments/bad.yaml:" in message
    assert "imagePullSecrets[0]: 'regcred' is this environment's pull secret, which exists only in apps" in message
    assert "add bad to pullSecrets.namespaces" in message
    (repo / "environments" / "bad.yaml").unlink()
    objects = build(repo, "good", OWN_SECRET.format(namespaces="apps, good"))
    assert one(objects, "Deployment")["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "regcred"}]
    assert any(
        o["kind"] == "Secret" and o["metadata"]["name"] == "regcred" and o["metadata"].get("namespace") == "good"
        for o in objects
    )


def test_bad_names_are_located_errors(repo: Path):
    message = refused(repo, "imagePullSecrets: [Not_A_Name]\nserviceAccount:\n  name: -x\n")
    assert "imagePullSecrets[0]" in message and "serviceAccount.name" in message
    message = refused(repo, "imagePullPolicy: Sometimes\n")
    assert "imagePullPolicy: must be 'IfNotPresent', 'Always' or 'Never'" in message


def test_node_affinity_stands_beside_the_anti_affinity_preset(repo: Path):
    pod = one(build(repo, "placed", VARIANTS["affinity-env"]), "Deployment")["spec"]["template"]["spec"]
    nodes = pod["affinity"]["nodeAffinity"]
    assert nodes["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "node-role/registry", "operator": "Exists"}]}]
    }
    assert nodes["preferredDuringSchedulingIgnoredDuringExecution"] == [
        {
            "weight": 50,
            "preference": {
                "matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["a", "b"]}]
            },
        }
    ]
    assert "requiredDuringSchedulingIgnoredDuringExecution" in pod["affinity"]["podAntiAffinity"]


def test_variables_come_from_secrets_configmaps_and_the_pod(repo: Path):
    pod = one(build(repo, "sourced", VARIANTS["affinity-env"]), "Deployment")["spec"]["template"]["spec"]
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    assert env["POD_NAME"] == {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}
    assert env["OTEL_TOKEN"]["valueFrom"] == {"secretKeyRef": {"name": "otel", "key": "token"}}
    assert env["LEVEL"]["valueFrom"] == {"configMapKeyRef": {"name": "tuning", "key": "level", "optional": True}}
    assert env["PLAIN"] == {"name": "PLAIN", "value": "yes"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "scheduling:\n  nodeAffinity:\n    required:\n      - matchExpressions: [{{key: a, operator: In}}]\n",
            "scheduling.nodeAffinity.required[0].matchExpressions[0].values: In takes at least one value",
        ),
        (
            "scheduling:\n  nodeAffinity:\n    preferred:\n      - weight: 1\n        preference:\n"
            "          matchExpressions: [{{key: a, operator: Exists, values: [x]}}]\n",
            "scheduling.nodeAffinity.preferred[0].preference.matchExpressions[0].values: Exists takes no values",
        ),
        (
            "scheduling:\n  nodeAffinity:\n    required:\n"
            "      - matchExpressions: [{{key: a, operator: Gt, values: [x]}}]\n",
            "Gt takes exactly one integer",
        ),
        (
            "extras:\n  env:\n    X: {{valueFrom: {{fieldRef: {{fieldPath: metadata.name}}, "
            "secretKeyRef: {{name: s, key: k}}}}}}\n",
            "extras.env.X.valueFrom: give exactly one of secretKeyRef, configMapKeyRef and fieldRef, "
            "not secretKeyRef and fieldRef",
        ),
        (
            "extras:\n  env:\n    X: {{valueFrom: {{fieldRef: {{fieldPath: spec.containers}}}}}}\n",
            "extras.env.X.valueFrom.fieldRef.fieldPath: 'spec.containers' is not a field",
        ),
        (
            "extras:\n  env:\n    REGISTRY_HTTP_SECRET: {{valueFrom: {{secretKeyRef: {{name: s, key: k}}}}}}\n",
            "extras.env.REGISTRY_HTTP_SECRET: regc sets this variable",
        ),
    ],
)
def test_contradictions_are_located_errors(repo: Path, body: str, message: str):
    error = refused(repo, body)
    assert message in error and "environments/bad.yaml:" in error
