"""The corpus of what teams run (tests/corpus/import: values files and manifests collected from
public repositories, each with its source and licence): every input is imported as its regc.yaml
says (exit status, report, the spec's security-relevant keys), never with a traceback and never
with a credential of it in clear on the disk or the terminal; every written spec builds, and the
registry the real build runs (rendered by kustomize, its Secrets decrypted by sops) differs from
the one the input runs only where the import's report says so."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from regc import yamlread
from regc.adopt.compare import config_differences, object_differences
from regc.adopt.helm import from_helm_values
from regc.adopt.manifests import from_manifests, read_objects
from regc.adopt.runtime import registry_container, runtime
from regc.adopt.source import manifest_documents
from regc.world import DiskFiles
from tests.conftest import REPO, run_regc

CORPUS = Path(__file__).parent / "corpus" / "import"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "regc.yaml").is_file())


def _yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text())


def test_every_case_says_what_regc_must_do():
    folders = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    assert folders == CASES and len(CASES) >= 30
    for case in CASES:
        source = _yaml(CORPUS / case / "SOURCE.yaml")
        assert source["repository"] and source["licence"] and len(str(source["commit"])) == 40, case


def _runs(case: str) -> list[dict[str, Any]]:
    first = _yaml(CORPUS / case / "regc.yaml")
    found = [first]
    if "then" in first:
        found.append({**first["then"], "args": [*first.get("args", []), *first["then"].get("args", [])]})
    return found


def _inputs(case: str, run: dict[str, Any]) -> list[Path]:
    folder = CORPUS / case
    if run.get("input"):
        return [folder / name for name in run["input"]]
    for name in ("values.yaml", "manifests.yaml", "manifests"):
        if (folder / name).exists():
            return [folder / name]
    raise AssertionError(f"{case}: no input")


def _secret_material(case: str) -> list[str]:
    """The credentials the input holds (a template's placeholder is none: the refusal shows it)."""
    facts = _yaml(CORPUS / case / "expect.yaml") or {}
    values = [
        str(v)
        for v in facts.get("secret_material") or []
        if len(str(v)) >= 6 and not any(mark in str(v) for mark in ("$", "{{", "PLACEHOLDER"))
    ]
    return values + [base64.b64encode(v.encode()).decode() for v in values]


def _get(spec: dict[str, Any], dotted: str) -> Any:
    node: Any = spec
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return "(absent)"
        node = node[part]
    return node


@pytest.mark.parametrize("case", CASES)
def test_what_teams_run_imports_as_expected(case: str, tmp_path: Path):
    for number, run in enumerate(_runs(case)):
        work = tmp_path / f"run{number}"
        work.mkdir()
        shutil.copy(REPO / ".sops.yaml", work / ".sops.yaml")
        inputs = _inputs(case, run)
        helm = inputs[0].name == "values.yaml"
        command = ["import", "helm-values"] if helm else ["import", "manifests"]
        result = run_regc(*command, *map(str, inputs), "--name", "old", *run.get("args", []), cwd=work)
        shown = result.stdout + result.stderr
        assert "Traceback" not in shown and result.code == run["exit"], shown
        said = shown.replace(str(CORPUS / case), "(case)")
        for line in run.get("says", []):
            assert line in shown, f"{case}: {line!r} not in\n{shown}"
        spec_file = work / "environments" / "old.yaml"
        for secret in _secret_material(case):
            assert secret not in said, f"{case}: a credential of the input is printed"
            for path in work.rglob("*"):
                held = path.read_bytes().replace(str(CORPUS / case).encode(), b"(case)") if path.is_file() else b""
                assert secret.encode() not in held, f"{case}: {path} holds one"
        if not spec_file.exists():
            assert not run.get("spec"), f"{case}: nothing was written\n{shown}"
            continue
        spec = _yaml(spec_file)
        for dotted, value in (run.get("spec") or {}).items():
            assert _get(spec, dotted) == value, f"{case}: {dotted}"
        for dotted in run.get("absent") or []:
            assert _get(spec, dotted) == "(absent)", f"{case}: {dotted}"
        if run.get("builds", True):
            _held_to_the_real_build(case, run, inputs, work, result.stderr)


def _held_to_the_real_build(case: str, run: dict[str, Any], inputs: list[Path], work: Path, report: str) -> None:
    """Build, render (Secrets decrypted) and compare the registry regc runs with the input's: no
    difference the report did not name."""
    built = run_regc("build", cwd=work)
    assert built.code == 0, f"{case}: {built.stderr}"
    rendered = run_regc("render", "old", cwd=work)
    assert rendered.code == 0, rendered.stderr
    after = [o for o in yamlread.load_all(rendered.stdout) if isinstance(o, dict)]
    args = run.get("args", [])
    if inputs[0].name == "values.yaml":
        version = args[args.index("--chart-version") + 1]
        imported = from_helm_values(_yaml(inputs[0]), "registry", version)
    else:
        major = int(args[args.index("--registry-version") + 1]) if "--registry-version" in args else None
        imported = from_manifests(read_objects(manifest_documents(list(map(str, inputs)), DiskFiles())), None, major)
    before = imported.before
    assert before is not None and before.parsed is not None and before.parsed.error is None, case
    deployment = next(o for o in after if o["kind"] == "Deployment")
    container = registry_container(deployment)
    assert container is not None
    now = runtime(after, deployment, container)
    spec = _yaml(work / "environments" / "old.yaml")
    pulls = spec.get("pullSecrets")
    names = [f"{ns}/{pulls.get('name', 'registry-pull')}" for ns in pulls["namespaces"]] if pulls else []
    found = config_differences(before, now) + object_differences(imported.objects, before.workload, after, names)
    unreported = [d.line() for d in found if f"{d.where}: " not in report]
    assert not unreported, f"{case}: differences the report does not name:\n" + "\n".join(unreported)
