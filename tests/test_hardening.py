"""An outside opinion on hardening: checkov (PyPI, run offline) over the rendered examples. Every
failed check must be listed, with its reason, in tests/checkov-skips.yaml, and every listed one
must still fail: a new finding, or a fixed one left listed, breaks the suite."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from ruamel.yaml import YAML

from regc import yamltext
from tests.conftest import EXAMPLE_SPECS, kustomize

SKIPS = Path(__file__).parent / "checkov-skips.yaml"


def finding(check: str, resource: str) -> str:
    """`CHECK Kind/name`, the Job's digest suffix and a Pod's labels left out (they change by design)."""
    kind, _namespace, name = resource.split(".", 2)
    name = re.sub(r"^(registry-smoke)-[0-9a-f]{10}", r"\1-*", name)
    name = name.split(".app.kubernetes.io/", 1)[0]
    return f"{check} {kind}/{name}"


def test_checkov_findings_are_exactly_the_listed_ones(built: Path, tmp_path: Path):
    checkov = shutil.which("checkov")
    assert checkov, "checkov is missing: .ci/run installs it (pip install checkov, in its own venv)"
    rendered = tmp_path / "rendered"
    rendered.mkdir()
    for spec in EXAMPLE_SPECS:
        objects = kustomize(built / "overlays" / spec.stem)  # Secrets stay encrypted: nothing in clear
        (rendered / f"{spec.stem}.yaml").write_text("---\n".join(yamltext.dump(o) for o in objects))
    done = subprocess.run(
        [
            checkov,
            "--directory",
            str(rendered),
            "--framework",
            "kubernetes",
            "--quiet",
            "--compact",
            "--output",
            "json",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["summary"]["passed"] > 400 and report["summary"]["parsing_errors"] == 0, report["summary"]
    found = {finding(f["check_id"], f["resource"]) for f in report["results"]["failed_checks"]}
    listed = YAML(typ="safe", pure=True).load(SKIPS.read_text())
    allowed = {f"{check} {resource}" for check, entry in listed.items() for resource in entry["resources"]}
    for check, entry in listed.items():
        assert len(entry["reason"]) > 40, f"{check}: give the reason"
    new = sorted(found - allowed)
    assert new == [], f"new findings: fix them, or list them with a reason: {new}"
    assert sorted(allowed - found) == [], "listed findings that no longer fail: remove them from the list"
