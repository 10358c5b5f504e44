"""The reusable action (action.yml) and this repository's workflows, as GitHub would take them:
actionlint (built from its Go module, with Debian's shellcheck for the `run:` scripts) passes
over the workflows and the action they use; the action's own scripts take every `${{ }}` value
through the environment (no script injection) and pass shellcheck."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.cluster.apiserver import tool
from tests.conftest import REPO

pytestmark = pytest.mark.contract  # actionlint and shellcheck over the workflows


def _actionlint(cwd: Path) -> subprocess.CompletedProcess:
    assert shutil.which("shellcheck"), "shellcheck is missing: .ci/run installs Debian's"
    return subprocess.run([str(tool("actionlint")), "-no-color"], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_workflows_and_the_action_they_use_pass_actionlint():
    workflows = sorted(p.name for p in (REPO / ".github" / "workflows").glob("*.yml"))
    assert "rendered-diff.yml" in workflows
    uses = YAML(typ="safe", pure=True).load((REPO / ".github" / "workflows" / "rendered-diff.yml").read_text())
    assert {"uses": "./"} in uses["jobs"]["diff"]["steps"]  # this repository's own action
    done = _actionlint(REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_reads_the_action_and_refuses_an_input_it_does_not_have(tmp_path: Path):
    shutil.copy(REPO / "action.yml", tmp_path / "action.yml")
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "use.yml").write_text(
        "on: pull_request\njobs:\n  regc:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: ./\n        with:\n          comment: 'false'\n          commnet: 'false'\n"
    )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    done = _actionlint(tmp_path)
    assert done.returncode == 1
    assert 'input "commnet" is not defined in action "regc"' in done.stdout, done.stdout
    assert '"comment"' not in done.stdout.split("available inputs")[0]  # the right one is taken


def test_the_actions_scripts_take_values_through_the_environment_and_pass_shellcheck(tmp_path: Path):
    action = YAML(typ="safe", pure=True).load((REPO / "action.yml").read_text())
    scripts = [step["run"] for step in action["runs"]["steps"] if "run" in step]
    assert scripts
    for index, script in enumerate(scripts):
        assert "${{" not in script, script  # an expression in a script is a way in for injection
        path = tmp_path / f"step{index}.sh"
        path.write_text(script)
        checked = subprocess.run(["shellcheck", "-s", "bash", str(path)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout
