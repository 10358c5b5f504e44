"""The command line surface: help, version, init, schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from regc import __version__
from regc.commands.init import starter_text
from regc.envspec.schema import schema, schema_text
from tests.conftest import EXAMPLE_SPECS, EXAMPLES, run_console


def test_version_and_help(tmp_path: Path):
    assert run_console("--version", cwd=tmp_path).stdout == f"regc {__version__}\n"
    result = run_console("build", "--help", cwd=tmp_path)
    assert result.code == 0
    for text in ("--check", "--diff", "regc build environments/prod.yaml"):
        assert text in result.stdout
    top = run_console("--help", cwd=tmp_path)
    for command in ("build", "check", "init", "schema"):
        assert command in top.stdout


def test_unknown_option_is_a_usage_error(tmp_path: Path):
    result = run_console("build", "--frobnicate", cwd=tmp_path)
    assert result.code == 2
    assert "No such option" in result.stderr and "Traceback" not in result.stderr


def test_committed_schema_is_current():
    assert (EXAMPLES / "environment.schema.json").read_text() == schema_text()


def test_schema_command_prints_it(tmp_path: Path):
    assert json.loads(run_console("schema", cwd=tmp_path).stdout) == schema()


@pytest.mark.parametrize("spec", [p.name for p in EXAMPLE_SPECS])
def test_examples_start_with_schema_line_and_validate_against_it(spec: str):
    text = (EXAMPLES / spec).read_text()
    assert text.startswith("# yaml-language-server: $schema=./environment.schema.json\n")
    jsonschema.validate(YAML(typ="safe", pure=True).load(text), schema())


def test_schema_rejects_unknown_keys():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"apiVersion": "regc/v1", "kind": "Environment", "namespce": "x"}, schema())


def test_init_writes_a_starter_that_builds(tmp_path: Path):
    assert run_console("keys", "init", cwd=tmp_path).code == 0
    result = run_console("init", "staging", "--namespace", "registry-staging", cwd=tmp_path)
    assert result.code == 0, result.stderr
    spec = tmp_path / "environments" / "staging.yaml"
    assert spec.read_text() == starter_text("staging", "registry-staging")
    assert (tmp_path / "environments" / "environment.schema.json").read_text() == schema_text()
    build = run_console("build", cwd=tmp_path)
    assert build.code == 0, build.stderr
    assert "namespace: registry-staging" in (tmp_path / "overlays/staging/kustomization.yaml").read_text()
    again = run_console("init", "staging", cwd=tmp_path)
    assert again.code == 1 and "already exists" in again.stderr


def test_the_starters_commented_sections_build_when_uncommented(tmp_path: Path):
    assert run_console("keys", "init", cwd=tmp_path).code == 0
    assert run_console("init", "edge", cwd=tmp_path).code == 0
    spec = tmp_path / "environments" / "edge.yaml"
    lines = spec.read_text().splitlines()
    start = lines.index('# How the cluster syncs this overlay ("GitOps delivery"):')
    uncommented = [
        line[2:]
        if index > start
        and line.startswith("# ")
        and not line.startswith("# Production")
        and not line.startswith("# more replicas")
        else line
        for index, line in enumerate(lines)
    ]
    spec.write_text("\n".join(uncommented) + "\n")
    assert "\ngitops:\n  engine: flux" in spec.read_text() and "\nnetworkPolicy:" in spec.read_text()
    build = run_console("build", cwd=tmp_path)
    assert build.code == 0, build.stderr
    assert (tmp_path / "overlays" / "edge" / "gitops" / "flux-kustomization.yaml").is_file()
    assert (tmp_path / "overlays" / "edge" / "networkpolicy-registry.yaml").is_file()


def test_init_refuses_a_bad_name(tmp_path: Path):
    result = run_console("init", "Prod_1", cwd=tmp_path)
    assert result.code == 2  # invalid input
    assert "'Prod_1' is not a DNS label" in result.stderr
    assert not (tmp_path / "environments").exists()


def test_check_command_on_the_examples(built: Path):
    result = run_console("check", cwd=built)
    assert result.code == 0, result.stderr
    (built / "overlays" / "prod" / "leak.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {password: hunter2}\n"
    )
    result = run_console("check", cwd=built)
    assert result.code == 1
    assert "in clear: overlays/prod/leak.yaml holds a Secret that is not SOPS-encrypted" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
