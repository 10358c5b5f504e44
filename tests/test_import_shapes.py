"""Inputs not in the shape Kubernetes or the chart reads are refused where they are wrong, before the
importers read them: the shapes are Kubernetes' own, and no input ends in a traceback (the importers
catch nothing broad that could hide a bug of theirs)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regc import yamlread
from regc.adopt import shapes
from regc.adopt.helm import from_helm_values
from regc.adopt.manifests import from_manifests, read_objects
from regc.adopt.source import manifest_documents
from regc.envspec.keys import unknown_keys
from regc.errors import RegcError
from regc.world import DiskFiles
from tests import kube_shapes_source
from tests.guide_manifests import radosgw_front
from tests.hostile_inputs import mutated

CORPUS = Path(__file__).parent / "corpus" / "import"


def test_the_shapes_are_kubernetes_own():
    """The shapes regc ships are cut, unchanged, from the API's published schemas."""
    committed = (Path(shapes.__file__).parent / shapes.SHAPES_FILE).read_text()
    assert committed == kube_shapes_source.text(), "regenerate: python -m tests.kube_shapes_source"
    assert set(shapes.kinds()) == set(kube_shapes_source.KINDS)


def test_a_mapping_where_kubernetes_reads_one_is_located_and_nothing_is_guessed():
    objects = radosgw_front()
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": "1Gi"}
    service = next(o for o in objects if o["kind"] == "Service")
    service["spec"]["ports"].append(None)
    imported = from_manifests(objects, None)
    assert not imported.complete and imported.spec == {}
    said = {item.path: item.reason for item in imported.unmapped}
    name = deployment["metadata"]["name"]
    where = f"Deployment/{deployment['metadata'].get('namespace', '')}/{name}".replace("//", "/")
    assert said[f"{where}: spec.template.spec.containers[0].resources.limits"] == (
        "must be a mapping as Kubernetes reads it"
    )
    assert any(path.endswith(f"spec.ports[{len(service['spec']['ports']) - 1}]") for path in said), said


def test_a_secret_value_that_is_not_base64_is_located_and_a_sops_value_is_not():
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"a": "not base64!", "b": "é"}}
    assert shapes.misshapen(secret) == [("data.a", "base64 text"), ("data.b", "base64 text")]
    secret["data"] = {"a": "ENC[AES256_GCM,data:abc,iv:x,tag:y,type:str]", "b": "aGk="}
    assert shapes.misshapen(secret) == []


def test_an_unknown_kind_is_held_to_its_metadata_only():
    assert shapes.misshapen({"kind": "Widget", "metadata": ["a"], "spec": 3}) == [("metadata", "a mapping")]
    assert shapes.misshapen({"kind": "Widget", "metadata": {"labels": {"a": 1}}}) == [("metadata.labels.a", "text")]


def test_a_chart_value_written_whole_into_an_object_is_checked_as_kubernetes_reads_it():
    values = {"ingress": {"enabled": True, "hosts": ["r.example.com"], "className": "nginx", "tls": [None]}}
    values["tolerations"] = [{"key": "a", "tolerationSeconds": "soon"}]
    imported = from_helm_values(values, "registry", "2.2.2")
    said = {item.path: item.reason for item in imported.unmapped}
    chart = "as Kubernetes reads it (the chart writes it into its objects)"
    assert said["ingress.tls[0]"] == f"must be a mapping {chart}"
    assert said["tolerations[0].tolerationSeconds"] == f"must be a whole number {chart}"
    assert "tlsSecretName" not in imported.spec.get("ingress", {})  # the refused value is not read
    assert "tolerations" not in imported.spec.get("scheduling", {})


# Every part of the chart's values the importer reads deeper than a key, set (so that a change at any
# depth meets the code that reads it).
FULL_VALUES = {
    "replicaCount": 2,
    "image": {"tag": "2.8.3", "pullPolicy": "IfNotPresent"},
    "imagePullSecrets": [{"name": "mirror"}],
    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
    "storage": "s3",
    "s3": {"region": "us-east-1", "bucket": "images", "regionEndpoint": "http://rgw:7480", "secure": False},
    "secrets": {"s3": {"accessKey": "AK", "secretKey": "SK"}, "htpasswd": "alice:$2y$05$abcdefghijklmnopqrstuu"},
    "service": {"type": "NodePort", "port": 5000, "nodePort": 30500, "annotations": {"a": "b"}},
    "ingress": {
        "enabled": True,
        "className": "nginx",
        "hosts": ["r.example.com", "r2.example.com"],
        "path": "/",
        "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "0"},
        "tls": [{"secretName": "t", "hosts": ["r.example.com"]}, {"secretName": "u"}],
    },
    "proxy": {"enabled": False},
    "metrics": {"enabled": True, "serviceMonitor": {"enabled": True}, "prometheusRule": {"enabled": False}},
    "nodeSelector": {"disk": "ssd"},
    "tolerations": [{"key": "registry", "operator": "Exists", "effect": "NoSchedule"}],
    "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": "a", "operator": "In", "values": ["b"]}]}]
            },
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 5, "preference": {"matchExpressions": [{"key": "c", "operator": "Exists"}]}}
            ],
        }
    },
    "podDisruptionBudget": {"maxUnavailable": 1},
    "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
    "podAnnotations": {"a": "b"},
    "podLabels": {"team": "x"},
    "extraEnvVars": [{"name": "TZ", "value": "UTC"}, {"name": "X", "valueFrom": {"fieldRef": {"fieldPath": "a"}}}],
    "extraVolumeMounts": [{"name": "certs", "mountPath": "/certs", "readOnly": True}],
    "extraVolumes": [{"name": "certs", "secret": {"secretName": "certs"}}],
    "serviceAccount": {"create": True, "name": "registry", "annotations": {"a": "b"}},
    "configData": {"log": {"level": "info"}, "http": {"headers": {"X-A": ["b"]}}},
}


def _values_cases() -> list[dict]:
    found = [FULL_VALUES]
    for case in sorted(CORPUS.iterdir()):
        if (case / "values.yaml").is_file():
            data = yamlread.load((case / "values.yaml").read_text())
            if isinstance(data, dict):
                found.append(data)
    return found


def _manifest_cases() -> list[list[dict]]:
    found = [radosgw_front()]
    for case in sorted(CORPUS.iterdir()):
        source = case / "manifests.yaml" if (case / "manifests.yaml").is_file() else case / "manifests"
        if source.exists():
            try:
                found.append(read_objects(manifest_documents([str(source)], DiskFiles())))
            except RegcError:  # a case that is not YAML, or a folder kustomize cannot build
                continue
    return found


VALUES, MANIFESTS = _values_cases(), _manifest_cases()
EXAMPLES = int(os.environ.get("REGC_FUZZ_EXAMPLES", "300"))  # 4,000 found nothing more when this landed


@pytest.mark.parametrize("kind", ["helm-values", "manifests"])
@settings(
    max_examples=int(os.environ.get("REGC_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_inputs_at_any_depth_are_imported_or_refused_never_a_traceback(kind: str, data):
    """Real inputs (the corpus) with any value at any depth, a list entry or an affinity term
    included, replaced by another shape: the importer returns what it made of them."""
    if kind == "helm-values":
        values = mutated(data.draw(st.sampled_from(VALUES)), data)
        version = data.draw(st.sampled_from(["1.9.1", "2.2.2", "3.0.0"]))
        try:
            imported = from_helm_values(values, "registry", version)
        except RegcError as exc:  # refused whole (not a values file of this chart): said, not raised
            assert exc.message
            return
    else:
        objects = read_objects(mutated(data.draw(st.sampled_from(MANIFESTS)), data))
        imported = from_manifests(objects, None)
    json.dumps(imported.spec)  # what is written is data, whatever came in
    assert unknown_keys(imported.spec) == []  # every key the model's: what has none is reported instead
