"""`regc diff`: the rendered objects that changed between two commits, and never a decrypted value."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from regc.commands.diff import render_overlays
from tests.conftest import TEST_KEY, Result, run_regc
from tests.secrets_helpers import decrypt_file


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _make_history(root: Path) -> Path:
    """The built examples committed, then one change built on top (uncommitted)."""
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A")
    git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "first")
    result = run_regc("user", "passwd", "prod", "alice", "--password-stdin", cwd=root, stdin="changed-pass-1\n")
    assert result.code == 0
    spec = root / "environments" / "dev.yaml"
    spec.write_text(spec.read_text().replace("logLevel: debug", "logLevel: warn"))
    assert run_regc("build", cwd=root).code == 0
    return root


@pytest.fixture
def history(built: Path) -> Path:
    return _make_history(built)


@pytest.fixture(scope="module")
def printed(built_once: Path, tmp_path_factory) -> tuple[Path, dict[str, Result]]:
    """One history, and what `regc diff --against main` prints in each output (read only)."""
    root = tmp_path_factory.mktemp("history")
    shutil.copytree(built_once, root, dirs_exist_ok=True)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOPS_AGE_KEY_FILE", str(TEST_KEY))
        env.setenv("HOME", str(tmp_path_factory.mktemp("home")))
        _make_history(root)
        outputs = {o: run_regc("diff", "--against", "main", "--output", o, cwd=root) for o in OUTPUTS}
    return root, outputs


OUTPUTS = ("text", "markdown", "json")
pytestmark = pytest.mark.xdist_group("diff")  # one worker computes `printed` once


def test_text_diff_names_exactly_the_changed_objects(printed):
    result = printed[1]["text"]
    assert result.code == 0, result.stderr
    out = result.stdout
    assert "overlays/dev:" in out and "overlays/prod:" in out and "overlays/staging" not in out
    assert "changed ConfigMap/registry-dev/registry-config" in out
    assert "-  level: debug" in out and "+  level: warn" in out
    assert "changed Secret/kube-registry/registry-htpasswd" in out
    assert "encrypted value of key `htpasswd` changed" in out
    assert "changed Secret/kube-registry/registry-tls" not in out
    assert "Deployment/kube-registry/registry" in out  # the pods roll on the new ciphertext


def test_markdown_and_json(printed):
    markdown = printed[1]["markdown"].stdout
    assert markdown.startswith("<!-- regc-rendered-diff -->")
    assert "<code>overlays/prod</code>" in markdown and "| `Secret/kube-registry/registry-htpasswd` |" in markdown
    document = json.loads(printed[1]["json"].stdout)
    by_overlay = {o["overlay"]: {c["object"]: c for c in o["changes"]} for o in document["overlays"]}
    assert set(by_overlay) == {"dev", "prod"}
    assert by_overlay["prod"]["Secret/kube-registry/registry-htpasswd"]["status"] == "changed"


def test_no_decrypted_value_is_ever_printed(printed):
    root, outputs = printed
    secrets = decrypt_file(root / "environments" / "prod.secrets.yaml")
    values = [*secrets["users"].values(), secrets["httpSecret"], secrets["swift"]["password"]]
    for output in OUTPUTS:
        assert outputs[output].code == 0
        assert not [v for v in values if v in outputs[output].stdout + outputs[output].stderr]


def test_no_change_and_the_default_base(history: Path):
    git(history, "checkout", "-q", "-b", "feature")
    git(history, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A")
    git(history, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "second")
    assert "overlays/prod:" in run_regc("diff", cwd=history).stdout  # merge base with main
    assert run_regc("diff", "--against", "HEAD", cwd=history).stdout == "no change in any overlay\n"
    assert "regc-diff-" not in git(history, "worktree", "list")  # the temporary worktree is gone


def test_only_overlays_whose_files_differ_are_rendered(built: Path, tmp_path: Path):
    """An overlay the same in both trees (with the same base) cannot differ: it is not rendered; a
    base change renders every overlay, and an overlay on one side only is rendered on that side."""
    old = tmp_path / "old"
    shutil.copytree(built, old)
    spec = built / "environments" / "dev.yaml"
    spec.write_text(spec.read_text().replace("logLevel: debug", "logLevel: warn"))
    assert run_regc("build", cwd=built).code == 0
    before, after = render_overlays(old, built)
    assert set(before) == set(after) == {"dev"}
    assert "Deployment/registry-dev/registry" in after["dev"] and "Deployment/registry-dev/registry" in before["dev"]
    for tree in (old, built):  # three overlays are enough to show the rule (each render takes time)
        for overlay in (tree / "overlays").glob("mirror*"):
            shutil.rmtree(overlay)
    shutil.rmtree(old / "overlays" / "staging")
    (old / "base" / "kustomization.yaml").write_text((old / "base" / "kustomization.yaml").read_text() + "\n")
    before, after = render_overlays(old, built)
    overlays = {p.name for p in (built / "overlays").iterdir()}
    assert set(after) == overlays == {"dev", "prod", "staging"} and set(before) == overlays - {"staging"}


def _deployment(env: list[dict], mounts: list[dict], image: str = "registry:2.8.3") -> dict:
    container = {"name": "registry", "image": image, "env": env, "volumeMounts": mounts}
    sidecar = {"name": "exporter", "image": "exporter:1"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "registry", "namespace": "prod"},
        "spec": {"template": {"spec": {"containers": [container, sidecar]}}},
    }


def test_lists_are_compared_item_by_item_by_their_key():
    from regc.commands.diff import as_text, diff_trees

    old = _deployment(
        [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
        [{"name": "config", "mountPath": "/etc/docker/registry"}],
    )
    new = _deployment(
        [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
        [{"name": "config", "mountPath": "/etc/distribution"}],
        image="registry:3.0.0",
    )
    new["spec"]["template"]["spec"]["containers"].reverse()  # order alone is no change
    [overlay] = diff_trees({"prod": {"d": old}}, {"prod": {"d": new}})
    [change] = overlay.changes
    assert change.fields == [
        "spec.template.spec.containers[registry].env[A]: removed",
        "spec.template.spec.containers[registry].env[B].value: 2 -> 3",
        "spec.template.spec.containers[registry].env[C]: added",
        "spec.template.spec.containers[registry].image: registry:2.8.3 -> registry:3.0.0",
        "spec.template.spec.containers[registry].volumeMounts[config].mountPath: "
        "/etc/docker/registry -> /etc/distribution",
    ]
    assert "[0]" not in as_text([overlay])


def test_the_comment_folds_long_values_and_stays_under_githubs_limit():
    from regc.commands.diff import COMMENT_LIMIT, ObjectChange, OverlayDiff, as_markdown

    long = "spec.template.metadata.annotations.note: " + "x" * 300
    diffs = [
        OverlayDiff(f"env{i:03}", [ObjectChange(f"ConfigMap/env{i:03}/c{j}", "changed", [long]) for j in range(40)])
        for i in range(20)
    ]
    comment = as_markdown(diffs, "0123456789abcdef")
    assert len(comment) <= COMMENT_LIMIT
    assert "<details><summary><code>spec.template.metadata.annotations.note: xxx" in comment
    shown = [d.overlay for d in diffs if f"<code>overlays/{d.overlay}</code>" in comment]
    left = [d.overlay for d in diffs if d.overlay not in shown]
    assert shown and left  # some fit, the rest are named
    note = comment.rsplit("> **Left out**", 1)[1]
    assert all(f"`overlays/{name}`" in note for name in left)
    assert "Run `regc diff --against 0123456789ab` to see all of it." in note
    small = as_markdown(diffs[:1], "0123456789abcdef")
    assert "Left out" not in small and "<code>overlays/env000</code>" in small


def test_the_comment_of_a_fleet_of_a_thousand_stays_under_the_limit_and_counts_what_it_left_out():
    from regc.commands.diff import COMMENT_LIMIT, ObjectChange, OverlayDiff, as_markdown

    change = ["spec.template.spec.containers[registry].image: registry:2.8.3 -> registry:3.0.0"]
    diffs = [
        OverlayDiff(f"edge-{i:04}", [ObjectChange(f"Deployment/edge-{i:04}/registry", "changed", change)])
        for i in range(1000)
    ]
    comment = as_markdown(diffs, "0123456789abcdef")
    assert len(comment) <= COMMENT_LIMIT
    shown = sum(f"<code>overlays/{d.overlay}</code>" in comment for d in diffs)
    note = comment.rsplit("> **Left out**", 1)[1]
    named = note.count("`overlays/edge-")
    assert 0 < shown < 1000 and 0 < named < 1000 - shown
    assert f" and {1000 - shown - named} more. Run `regc diff --against 0123456789ab`" in note
