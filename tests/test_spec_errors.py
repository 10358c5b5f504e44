"""Bad input: each error is located, says what to do, exits 2, shows no traceback, writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_regc, tree_bytes, write_spec

CASES = [
    (
        "replicas",
        "registry:\n  replicas: 0\n",
        "environments/bad.yaml:4:13: registry.replicas: must be greater than or equal to 1",
    ),
    (
        "unknown key with suggestion",
        "registry:\n  replcas: 2\n",
        "environments/bad.yaml:4:3: registry: unknown key 'replcas'\n  hint: did you mean 'replicas'?",
    ),
    (
        "unknown top-level key",
        "namespce: x\n",
        "environments/bad.yaml:3:1: the top level: unknown key 'namespce'\n  hint: did you mean 'namespace'?",
    ),
    (
        "namespace not a DNS label",
        "namespace: Kube_Registry\n",
        "environments/bad.yaml:3:12: namespace: 'Kube_Registry' is not a DNS label",
    ),
    (
        "unpinned image",
        "registry:\n  image: registry:latest\n",
        "environments/bad.yaml:4:10: registry.image: 'registry:latest' is not pinned",
    ),
    ("image without tag", "registry:\n  image: registry\n", "is not pinned"),
    (
        "bad quantity",
        "storage:\n  size: ten\n",
        "environments/bad.yaml:4:9: storage.size: 'ten' is not a Kubernetes quantity",
    ),
    (
        "bad duration",
        "registry:\n  healthCheck:\n    storageDriver:\n      interval: often\n",
        "environments/bad.yaml:6:17: registry.healthCheck.storageDriver.interval: 'often' is not a duration",
    ),
    ("bad literal", "registry:\n  logLevel: loud\n", "registry.logLevel: must be 'error', 'warn', 'info' or 'debug'"),
    ("wrong type", "registry:\n  replicas: many\n", "registry.replicas: must be a valid integer"),
    ("label value", "labels:\n  team: 'has space'\n", "is not a label value"),
    ("label key", "labels:\n  'bad key': x\n", "is not a label key"),
    (
        "rwo replicas",
        "registry:\n  replicas: 3\n",
        "environments/bad.yaml:4:13: registry.replicas: 3 replicas cannot share a ReadWriteOnce volume",
    ),
    (
        "node port on ClusterIP",
        "service:\n  nodePort: 30500\n",
        "service.nodePort: a ClusterIP Service has no node port",
    ),
    (
        "node port out of range",
        "service:\n  type: NodePort\n  nodePort: 80\n",
        "service.nodePort: must be greater than or equal to 30000",
    ),
    ("duplicate key", "namespace: a\nnamespace: b\n", "environments/bad.yaml:4:1: duplicate key 'namespace'"),
]


@pytest.mark.parametrize("body, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_spec_is_located_and_writes_nothing(built: Path, body: str, message: str):
    before = tree_bytes(built)
    write_spec(built, "bad", body)
    result = run_regc("build", cwd=built)
    assert result.code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_bytes(built) == before
    assert not (built / "overlays" / "bad").exists()


def test_several_errors_reported_together_in_file_order(repo: Path):
    write_spec(repo, "bad", "namespace: UPPER\nregistry:\n  replicas: 0\n  logLevel: loud\nstorage:\n  size: x\n")
    result = run_regc("build", "environments/bad.yaml", cwd=repo)
    assert result.code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("environments/")]
    assert [line.split(":")[1] for line in lines] == ["3", "5", "6", "8"]


def test_errors_of_several_files_reported_together(repo: Path):
    write_spec(repo, "bad1", "registry:\n  replicas: 0\n")
    write_spec(repo, "bad2", "namespace: UPPER\n")
    result = run_regc("build", cwd=repo)
    assert result.code == 2
    assert "environments/bad1.yaml:4:13" in result.stderr
    assert "environments/bad2.yaml:3:12" in result.stderr


def test_environment_name_must_be_a_dns_label(repo: Path):
    write_spec(repo, "Prod_EU", "")
    result = run_regc("build", cwd=repo)
    assert result.code == 2
    assert "environments/Prod_EU.yaml:1:1: environment name: 'Prod_EU' is not a DNS label" in result.stderr
    assert "rename the file" in result.stderr


def test_missing_header(repo: Path):
    (repo / "environments" / "bad.yaml").write_text("namespace: x\n")
    result = run_regc("build", "environments/bad.yaml", cwd=repo)
    assert result.code == 2
    assert "the top level: missing required key 'apiVersion'" in result.stderr
    assert "the top level: missing required key 'kind'" in result.stderr


def test_wrong_api_version(repo: Path):
    (repo / "environments" / "bad.yaml").write_text("apiVersion: regc/v0\nkind: Environment\n")
    result = run_regc("build", "environments/bad.yaml", cwd=repo)
    assert result.code == 2
    assert "environments/bad.yaml:1:13: apiVersion: must be 'regc/v1'" in result.stderr


def test_missing_spec_file(repo: Path):
    result = run_regc("build", "environments/nope.yaml", cwd=repo)
    assert result.code == 2
    assert "environments/nope.yaml: no such file" in result.stderr


def test_no_environments_folder(tmp_path: Path):
    result = run_regc("build", cwd=tmp_path)
    assert result.code == 1
    assert "no environments/ folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_alias_bomb_through_the_cli(repo: Path):
    lines = ["apiVersion: regc/v1", "kind: Environment", "labels:", "  a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdefg", "bcdefgh", strict=False):
        lines.append(f"  {name}: &{name} [{', '.join(['*' + previous] * 10)}]")
    (repo / "environments" / "bomb.yaml").write_text("\n".join(lines) + "\n")
    result = run_regc("build", "environments/bomb.yaml", cwd=repo)
    assert result.code == 2
    assert "through aliases" in result.stderr
