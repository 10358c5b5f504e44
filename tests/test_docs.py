"""The documentation: the README stays short, the generated pages (the spec reference, the command
line) are current, and the site builds with `mkdocs build --strict` (a broken link or a page missing
from the navigation fails it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def build_site(project: Path, site: Path) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of the project's mkdocs.yml into `site`."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


def test_the_readme_is_short_and_starts_with_the_two_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) <= 10 * 1024
    first_block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    assert first_block.splitlines()[0].startswith("pip install -e . && regc build")
    assert first_block.splitlines()[1].startswith("bash .ci/run")


def test_the_generated_pages_are_current():
    from regc.docgen import example_graph, pages
    from regc.envspec.reference import reference_markdown

    for name, text in pages().items():
        assert (REPO / name).read_text(encoding="utf-8") == text, f"{name}: run `python -m regc.docgen`"
    assert reference_markdown() in (REPO / "docs" / "reference" / "spec.md").read_text(encoding="utf-8")
    picture = "```mermaid\n" + example_graph("prod") + "```\n"
    assert picture in (REPO / "README.md").read_text(encoding="utf-8")
    examples = (REPO / "docs" / "reference" / "examples.md").read_text(encoding="utf-8")
    for env in ("dev", "mirror", "mirror-edge-a", "prod", "staging"):
        assert f"## {env}\n" in examples and example_graph(env) in examples


def test_the_cli_reference_lists_every_command_and_option():
    from regc.docgen import cli_reference

    page = cli_reference()
    for command in ("regc build", "regc diff", "regc user add", "regc keys init", "regc secrets edit", "regc graph"):
        assert f"## `{command}`" in page, command
    assert "| `--regenerate-secrets` |" in page and "| `--root`, `-C` |" in page


def test_the_site_builds_strictly(tmp_path: Path):
    done = build_site(REPO, tmp_path / "site")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "tutorial" / "getting-started" / "index.html").is_file()
    assert (tmp_path / "site" / "reference" / "cli" / "index.html").is_file()


def test_a_broken_link_fails_the_site(tmp_path: Path):
    shutil.copytree(REPO / "docs", tmp_path / "docs")
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    page = tmp_path / "docs" / "how-to" / "rotate.md"
    page.write_text(page.read_text() + "\nSee [the missing page](nowhere.md).\n")
    done = build_site(tmp_path, tmp_path / "site")
    assert done.returncode != 0 and "nowhere.md" in done.stdout + done.stderr


def test_the_rules_catalogue_holds_every_refusal_of_the_code():
    import re

    from regc.docgen import RULE_MODULES, rules_catalogue

    catalogue = rules_catalogue()
    entries = [line for line in catalogue.splitlines() if line.startswith("- ")]
    package = REPO / "compiler"
    made = sum(
        len(re.findall(r"\b(?:Problem|ValueError)\(", (package / module).read_text(encoding="utf-8")))
        for module in RULE_MODULES
    )
    assert len(entries) == made  # one entry per refusal the rules' code can make
    assert "- registry.replicas: «replicas» replicas cannot share a «volume» volume" in catalogue
    assert "- «value» is not pinned: name a version tag" in catalogue
    assert "*Fix:* set tls.enabled: true" in catalogue


def test_every_spec_example_in_the_docs_is_a_valid_spec():
    """A ```yaml block of the docs whose keys are the spec's is validated by the spec's own model."""
    import re

    from ruamel.yaml import YAML

    from regc.envspec.model import Environment

    fields = {field.alias or name for name, field in Environment.model_fields.items()}
    checked = 0
    for page in sorted((REPO / "docs").rglob("*.md")):
        for block in re.findall(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            document = YAML(typ="safe", pure=True).load(block)
            if isinstance(document, dict) and set(document) <= fields:
                Environment.model_validate({"apiVersion": "regc/v1", "kind": "Environment", **document})
                checked += 1
    assert checked >= 6
