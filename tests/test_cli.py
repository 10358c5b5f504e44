"""The command line surface: help, version, init, schema, check (the console script in its own process
for help, version and usage errors; the rest in memory)."""

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
from tests.memory import MemoryRepo


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


def test_init_writes_a_starter_that_builds(empty: MemoryRepo):
    result = empty.run("init", "staging", "--namespace", "registry-staging")
    assert result.code == 0, result.stderr
    assert empty.text("environments/staging.yaml") == starter_text("staging", "registry-staging")
    assert empty.text("environments/environment.schema.json") == schema_text()
    build = empty.run("build")
    assert build.code == 0, build.stderr
    assert "namespace: registry-staging" in empty.text("overlays/staging/kustomization.yaml")
    again = empty.run("init", "staging")
    assert again.code == 1 and "already exists" in again.stderr


def test_the_starters_commented_sections_build_when_uncommented(empty: MemoryRepo):
    assert empty.run("init", "edge").code == 0
    lines = empty.text("environments/edge.yaml").splitlines()
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
    empty.write("environments/edge.yaml", "\n".join(uncommented) + "\n")
    text = empty.text("environments/edge.yaml")
    assert "\ngitops:\n  engine: flux" in text and "\nnetworkPolicy:" in text
    build = empty.run("build")
    assert build.code == 0, build.stderr
    assert empty.exists("overlays/edge/gitops/flux-kustomization.yaml")
    assert empty.exists("overlays/edge/networkpolicy-registry.yaml")


def test_init_refuses_a_bad_name(empty: MemoryRepo):
    result = empty.run("init", "Prod_1")
    assert result.code == 2  # invalid input
    assert "'Prod_1' is not a DNS label" in result.stderr
    assert not empty.exists("environments")


def test_check_command_on_the_examples(built_memory: MemoryRepo):
    result = built_memory.run("check")
    assert result.code == 0, result.stderr
    built_memory.write(
        "overlays/prod/leak.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {password: hunter2}\n",
    )
    result = built_memory.run("check")
    assert result.code == 1
    assert "in clear: overlays/prod/leak.yaml holds a Secret that is not SOPS-encrypted" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
