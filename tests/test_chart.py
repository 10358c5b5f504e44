"""regc's rendition of the community chart (`regc.adopt.chart`) against `helm template` of the real
chart (vendored under tests/charts/ at four versions, stable 1.4.0 to twuni 3.0.0, with their source
commits): for the values files of the corpus and for generated ones, the registry the chart's
objects run (its effective configuration, read as the registry reads it) and the objects around it
(image, Service, Ingress, volume claim) are the same, and values the chart refuses are refused."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from regc import yamlread
from regc.adopt import chart
from regc.adopt.helm import shaped
from regc.adopt.runtime import registry_container, runtime
from regc.distribution import parser
from tests.cluster.apiserver import tool

CHARTS = Path(__file__).parent / "charts"
VERSIONS = sorted(
    (p.name.removeprefix("docker-registry-") for p in CHARTS.iterdir()), key=lambda v: tuple(map(int, v.split(".")))
)
CORPUS = Path(__file__).parent / "corpus" / "import"


def helm_objects(version: str, values: dict[str, Any], work: Path) -> list[dict[str, Any]] | None:
    """What `helm template` renders, or None when the chart refuses the values."""
    path = work / "values.yaml"
    YAML().dump(values, path)
    done = subprocess.run(
        [
            str(tool("helm")),
            "template",
            chart.RELEASE,
            str(CHARTS / f"docker-registry-{version}"),
            "-f",
            str(path),
            "--namespace",
            "registry",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        return None
    return [d for d in yamlread.load_all(done.stdout) if isinstance(d, dict)]


def facts(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """What the comparison of an import reads from a chart's objects."""
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    container = registry_container(deployment)
    assert container is not None
    run = runtime(objects, deployment, container)
    assert run.parsed is not None and run.major is not None
    config = (
        parser.canonical_config(run.parsed.config, run.major) if run.parsed.error is None else run.parsed.error.message
    )
    if isinstance(config, dict) and isinstance(config.get("http"), dict):
        config["http"].pop("secret", None)  # the chart's random value, when the values give none
    service = next(o for o in objects if o["kind"] == "Service")
    found: dict[str, Any] = {
        "image": container["image"],
        "replicas": deployment["spec"].get("replicas"),
        "config": config,
        "ignored": sorted(run.parsed.ignored),
        "files": {
            p: (f.kind, f.name, f.key, f.text)
            for p in ("/auth/htpasswd", "/etc/ssl/docker/tls.crt")
            if (f := run.file(p))
        },
        "service": (
            service["spec"].get("type"),
            sorted(((p.get("port"), p.get("nodePort")) for p in service["spec"]["ports"]), key=str),
        ),
        "pull": deployment["spec"]["template"]["spec"].get("imagePullSecrets"),
    }
    for obj in objects:
        if obj["kind"] == "Ingress":
            rules = obj["spec"].get("rules") or []
            found["ingress"] = (
                sorted(r.get("host") for r in rules),
                obj["spec"].get("ingressClassName"),
                obj["spec"].get("tls"),
                dict(obj["metadata"].get("annotations") or {}),
                sorted({p.get("path") for r in rules for p in r["http"]["paths"]}),
            )
        if obj["kind"] == "PersistentVolumeClaim":
            found["claim"] = (
                obj["spec"]["accessModes"],
                obj["spec"]["resources"]["requests"]["storage"],
                obj["spec"].get("storageClassName"),
            )
    return found


def agree(version: str, values: dict[str, Any], work: Path) -> None:
    """The chart and regc's rendition agree on `values` as the import gives them to it: without the
    settings that are not in the shape the chart documents (the import reports those)."""
    values, _ = shaped(values, chart.defaults(version))
    real = helm_objects(version, values, work)
    try:
        ours = chart.chart_objects(chart.coalesced(values, version), version, "registry")
    except chart.ChartError:
        assert real is None, "regc refuses values the chart renders"
        return
    assert real is not None, "the chart refuses values regc renders"
    assert facts(ours) == facts(real)


def corpus_values() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for case in sorted(CORPUS.iterdir()):
        values = case / "values.yaml"
        if values.is_file() and "${" not in values.read_text() and "PLACEHOLDER" not in values.read_text():
            loaded = YAML(typ="safe", pure=True).load(values.read_text())
            if isinstance(loaded, dict):
                found.append((case.name, loaded))
    return found


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("case", "values"), corpus_values(), ids=[c for c, _ in corpus_values()])
def test_the_chart_of_each_version_runs_the_registry_regc_renders(case, values, version, tmp_path):
    agree(version, values, tmp_path)


HASH = "$2y$05$" + "Ab0/" * 13 + "a"
SETTINGS = {
    "storage": st.sampled_from(["filesystem", "s3", "swift", "azure"]),
    "secrets": st.fixed_dictionaries(
        {},
        optional={
            "htpasswd": st.just(f"alice:{HASH}\n"),
            "haSharedSecret": st.just("shared"),
            "s3": st.fixed_dictionaries(
                {}, optional={"accessKey": st.just("AK"), "secretKey": st.just("SK"), "secretRef": st.just("s3-keys")}
            ),
            "swift": st.fixed_dictionaries({}, optional={"username": st.just("u"), "password": st.just("p")}),
        },
    ),
    "s3": st.fixed_dictionaries(
        {},
        optional={
            "region": st.just("us-east-1"),
            "bucket": st.just("images"),
            "regionEndpoint": st.just("http://minio:9000"),
            "secure": st.booleans(),
            "encrypt": st.booleans(),
            "rootdirectory": st.just("/r"),
            "forcepathstyle": st.booleans(),
            "skipverify": st.booleans(),
        },
    ),
    "swift": st.fixed_dictionaries(
        {}, optional={"authurl": st.just("http://rgw/auth/v1"), "container": st.just("images")}
    ),
    "tlsSecretName": st.just("tls"),
    "persistence": st.fixed_dictionaries(
        {},
        optional={
            "enabled": st.booleans(),
            "deleteEnabled": st.booleans(),
            "size": st.just("20Gi"),
            "storageClass": st.sampled_from(["rbd", "-"]),
            "existingClaim": st.just("old"),
        },
    ),
    "proxy": st.fixed_dictionaries(
        {"enabled": st.booleans()},
        optional={"remoteurl": st.just("https://registry-1.docker.io"), "secretRef": st.just("hub")},
    ),
    "image": st.fixed_dictionaries({}, optional={"tag": st.sampled_from(["2.8.3", "3.0.0"])}),
    "service": st.fixed_dictionaries(
        {},
        optional={"type": st.sampled_from(["ClusterIP", "NodePort"]), "port": st.just(443), "nodePort": st.just(30500)},
    ),
    "ingress": st.fixed_dictionaries(
        {"enabled": st.booleans()},
        optional={
            "hosts": st.just(["r.example.com"]),
            "className": st.just("traefik"),
            "tls": st.just([{"secretName": "t", "hosts": ["r.example.com"]}]),
        },
    ),
    "configData": st.fixed_dictionaries(
        {}, optional={"log": st.just({"level": "debug"}), "storage": st.just({"delete": {"enabled": True}})}
    ),
    "extraEnvVars": st.just([{"name": "REGISTRY_LOG_LEVEL", "value": "warn"}]),
    "metrics": st.fixed_dictionaries({"enabled": st.booleans()}),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(version=st.sampled_from(VERSIONS), values=st.fixed_dictionaries({}, optional=SETTINGS))
def test_generated_values_render_alike(version, values, tmp_path):
    agree(version, values, tmp_path)
