"""The compiled tree: golden files, zero churn, --check and --diff, ownership, all-or-nothing writes."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from regc.compiler import Compiler, discover_specs, disk_world
from regc.write import commit as commit_module
from tests.conftest import REPO, run_regc, tree_bytes, write_spec
from tests.memory import MemoryRepo


def test_committed_tree_is_what_the_examples_compile_to():
    """Golden test: base/ and overlays/ in this repository, byte for byte."""
    compiled = Compiler(disk_world(REPO), reuse_fresh=False).compile(discover_specs(REPO))
    expected = {f"{u.directory}/{name}": content for u in compiled.units for name, content in u.files.items()}
    assert expected == tree_bytes(REPO)


def test_example_content(built_memory: MemoryRepo):
    kustomization = built_memory.text("overlays/prod/kustomization.yaml")
    assert "      namespace: kube-registry\n" in kustomization  # the NamespaceTransformer (pull secrets)
    assert "  - ../../base\n" in kustomization
    assert "commonLabels" not in kustomization and "patchesStrategicMerge" not in kustomization
    assert built_memory.exists("overlays/prod/patches/delete-persistentvolumeclaim-registry-data.yaml")  # Swift
    assert "swift:" in built_memory.text("overlays/prod/patches/configmap-registry-config.yaml")
    assert "storage: 5Gi" in built_memory.text("overlays/dev/patches/persistentvolumeclaim-registry-data.yaml")
    base_claim = built_memory.text("base/persistentvolumeclaim-registry-data.yaml")
    assert "storage: 10Gi" in base_claim and "ReadWriteOnce" in base_claim


def test_every_file_has_header_lf_and_trailing_newline(built_memory: MemoryRepo):
    for name, content in built_memory.tree().items():
        text = content.decode()
        assert text.startswith("# "), name
        assert "regc" in text.splitlines()[0], name
        assert "\r" not in text and text.endswith("\n") and not text.endswith("\n\n"), name


def test_a_build_names_what_changed_and_sums_up_the_rest(built_memory: MemoryRepo):
    spec = "environments/dev.yaml"
    built_memory.write(spec, built_memory.text(spec) + "\nuploadPurging:\n  age: 48h\n")
    result = built_memory.run("build")
    assert result.code == 0, result.stderr
    assert result.stdout == "overlays/dev: 3 updated\nargocd: 1 updated\nbase/ and 5 overlays up to date\n"
    one = built_memory.run("build", "environments/dev.yaml")
    assert one.stdout == "base/ and 1 overlay up to date\n"


def test_rebuild_is_byte_identical_and_touches_nothing(built: Path):
    before = tree_bytes(built)
    mtimes = {p: p.stat().st_mtime_ns for p in built.rglob("*") if p.is_file()}
    result = run_regc("build", cwd=built)
    assert result.code == 0
    assert result.stdout == "base/, argocd/ and 6 overlays up to date\n"  # what did not change, summed up
    listed = run_regc("build", "-v", cwd=built)
    assert "base: up to date (" in listed.stdout and "overlays/prod: up to date (" in listed.stdout
    assert tree_bytes(built) == before
    assert {p: p.stat().st_mtime_ns for p in built.rglob("*") if p.is_file()} == mtimes


def test_from_scratch_builds_differ_only_in_ciphertext(repo: Path, tmp_path_factory):
    """Two fresh builds of the same inputs agree on every file but the encrypted ones (SOPS picks a
    fresh data key) and what digests their ciphertext."""
    other = tmp_path_factory.mktemp("other")
    shutil.copytree(repo / "environments", other / "environments")
    shutil.copy(repo / ".sops.yaml", other / ".sops.yaml")
    assert run_regc("build", cwd=repo).code == 0
    assert run_regc("build", cwd=other).code == 0
    ciphertext_bound = (
        "/secret-",
        "/.regc-secrets.yaml",
        "/patches/deployment-registry.yaml",
        "/ca.crt",
        "/job-registry-smoke-",
        "/kustomization.yaml",
        "/.regc-manifest",
    )
    first, second = tree_bytes(repo), tree_bytes(other)
    job = "/job-registry-smoke-"
    assert {n for n in first if job not in n} == {n for n in second if job not in n}
    differing = {name for name in {*first, *second} if first.get(name) != second.get(name)}
    assert differing and all(any(part in name for part in ciphertext_bound) for name in differing)


def test_a_changed_spec_changes_only_its_overlay(built_memory: MemoryRepo):
    before = built_memory.tree()
    built_memory.edit("environments/dev.yaml", "size: 5Gi", "size: 20Gi")
    assert built_memory.run("build", "environments/dev.yaml").code == 0
    after = built_memory.tree()
    changed = {name for name in after if after[name] != before.get(name)}
    # the patch, and the manifest that records the digests of the overlay's inputs and outputs
    assert changed == {"overlays/dev/patches/persistentvolumeclaim-registry-data.yaml", "overlays/dev/.regc-manifest"}


def test_config_change_rolls_the_pods(built_memory: MemoryRepo):
    patch = "overlays/dev/patches/deployment-registry.yaml"
    before = _annotation(built_memory.text(patch), "regc/config-sha256")
    built_memory.edit("environments/dev.yaml", "logLevel: debug", "logLevel: warn")
    assert built_memory.run("build").code == 0
    assert _annotation(built_memory.text(patch), "regc/config-sha256") not in (before, None)
    assert "level: warn" in built_memory.text("overlays/dev/patches/configmap-registry-config.yaml")


def _annotation(text: str, key: str) -> str | None:
    for line in text.splitlines():
        if line.strip().startswith(key + ":"):
            return line.split(":", 1)[1].strip()
    return None


def test_check_passes_on_fresh_tree_and_names_stale_missing_extra(built_memory: MemoryRepo):
    assert built_memory.run("build", "--check").code == 0
    built_memory.write("overlays/prod/namespace.yaml", "edited\n")
    built_memory.remove("overlays/dev/kustomization.yaml")
    manifest = "overlays/dev/.regc-manifest"
    built_memory.write(manifest, built_memory.text(manifest) + "old-file.yaml\n")
    built_memory.write("overlays/dev/old-file.yaml", "# left from an older build\n")
    before = built_memory.tree()
    result = built_memory.run("build", "--check")
    assert result.code == 1
    assert "stale: overlays/prod/namespace.yaml" in result.stderr
    assert "missing: overlays/dev/kustomization.yaml" in result.stderr
    assert "extra: overlays/dev/old-file.yaml" in result.stderr
    assert built_memory.tree() == before


def test_check_fails_when_nothing_was_built(memory: MemoryRepo):
    result = memory.run("build", "--check")
    assert result.code == 1
    assert "missing: base/kustomization.yaml" in result.stderr
    assert not memory.exists("base")


def test_diff_prints_unified_diff_and_writes_nothing(built_memory: MemoryRepo):
    built_memory.edit("environments/dev.yaml", "size: 5Gi", "size: 7Gi")
    before = built_memory.tree()
    result = built_memory.run("build", "--diff")
    assert result.code == 1
    assert "--- a/overlays/dev/patches/persistentvolumeclaim-registry-data.yaml" in result.stdout
    assert "-      storage: 5Gi\n+      storage: 7Gi\n" in result.stdout
    assert built_memory.tree() == before


def test_files_regc_did_not_write_are_left_alone(built: Path):
    notes = built / "overlays" / "prod" / "NOTES.md"
    notes.write_text("ours\n")
    extra = built / "overlays" / "prod" / "patches" / "hand-written.yaml"
    extra.write_text("mine: true\n")
    spec = built / "environments" / "prod.yaml"
    spec.write_text(spec.read_text().replace("size: 10Gi", "size: 30Gi"))
    assert run_regc("build", cwd=built).code == 0
    assert notes.read_text() == "ours\n" and extra.read_text() == "mine: true\n"


def test_a_file_in_the_way_stops_the_build(built: Path):
    (built / "environments" / "dev.yaml").unlink()
    assert run_regc("build", cwd=built).code == 0
    (built / "overlays" / "dev").mkdir(parents=True)
    (built / "overlays" / "dev" / "kustomization.yaml").write_text("# mine\n")
    write_spec(built, "dev", "namespace: dev\n")
    result = run_regc("build", cwd=built)
    assert result.code == 1
    assert "overlays/dev/kustomization.yaml exists and was not written by regc" in result.stderr
    assert (built / "overlays" / "dev" / "kustomization.yaml").read_text() == "# mine\n"


def test_a_file_in_the_way_stops_the_build_in_memory_too(built_memory: MemoryRepo):
    built_memory.remove_spec("dev")
    assert built_memory.run("build").code == 0
    built_memory.write("overlays/dev/kustomization.yaml", "# mine\n")
    built_memory.write_spec("dev", "namespace: dev\n")
    before = built_memory.tree()
    result = built_memory.run("build")
    assert result.code == 1
    assert "overlays/dev/kustomization.yaml exists and was not written by regc" in result.stderr
    assert built_memory.tree() == before and built_memory.text("overlays/dev/kustomization.yaml") == "# mine\n"


def test_removed_environment_loses_its_overlay_but_not_user_files(built: Path):
    (built / "overlays" / "dev" / "NOTES.md").write_text("keep\n")
    (built / "environments" / "dev.yaml").unlink()
    result = run_regc("build", cwd=built)
    assert result.code == 0
    assert sorted(p.name for p in (built / "overlays" / "dev").rglob("*")) == ["NOTES.md"]
    (built / "overlays" / "dev" / "NOTES.md").unlink()
    (built / "overlays" / "prod" / "namespace.yaml").write_text("stale\n")
    assert run_regc("build", cwd=built).code == 0
    assert (built / "overlays" / "dev").exists()  # an empty folder of the user's stays as it is


def test_building_one_spec_does_not_prune_the_others(built_memory: MemoryRepo):
    built_memory.remove_spec("dev")
    assert built_memory.run("build", "environments/prod.yaml").code == 0
    assert built_memory.exists("overlays/dev/kustomization.yaml")


def _changed(root: Path):
    compiler = Compiler(disk_world(root))
    return compiler.changes(compiler.compile(discover_specs(root)), prune=True)


@pytest.mark.parametrize("failing", ["_stage", "_stage_file", "_swap"])
def test_a_failure_mid_build_leaves_the_tree_unchanged(built: Path, monkeypatch, failing: str):
    for name in ("dev", "prod"):  # their files swapped one by one
        spec = built / "environments" / f"{name}.yaml"
        spec.write_text(spec.read_text().replace("logLevel: ", "logLevel: error #"))
    for name in ("one", "two"):  # new: their folders swapped whole
        write_spec(built, name, f"namespace: {name}\n")
    before = tree_bytes(built)
    real = getattr(commit_module, failing)
    calls = []

    def fail_on_second(*args):
        calls.append(args)
        if len(calls) == 2:
            raise OSError("injected failure")
        return real(*args)

    monkeypatch.setattr(commit_module, failing, fail_on_second)
    with pytest.raises(OSError, match="injected"):
        commit_module.commit(built, _changed(built))
    assert len(calls) == 2
    assert tree_bytes(built) == before
    assert not (built / commit_module.STAGING).exists() and not (built / commit_module.JOURNAL).exists()


KILL_BETWEEN_SWAPS = """
import os, signal, sys
from pathlib import Path
from regc.compiler import Compiler, discover_specs, disk_world
from regc.write import commit
root = Path(sys.argv[1])
real_swap, done = commit._swap, []
def swap(*args):
    if done:
        os.kill(os.getpid(), signal.SIGKILL)
    done.append(args)
    real_swap(*args)
commit._swap = swap
compiler = Compiler(disk_world(root))
commit.commit(root, compiler.changes(compiler.compile(discover_specs(root)), prune=True))
"""


def test_a_build_killed_between_swaps_is_finished_by_the_next(built: Path):
    for name, old, new in (("dev", "size: 5Gi", "size: 6Gi"), ("staging", "tier: staging", "tier: stage")):
        spec = built / "environments" / f"{name}.yaml"
        spec.write_text(spec.read_text().replace(old, new))
    expected = {
        f"{u.directory}/{n}": c
        for u in Compiler(disk_world(built)).compile(discover_specs(built)).units
        for n, c in u.files.items()
    }
    killed = subprocess.run([sys.executable, "-c", KILL_BETWEEN_SWAPS, str(built)], capture_output=True)
    assert killed.returncode == -signal.SIGKILL
    assert (built / commit_module.JOURNAL).exists()
    assert tree_bytes(built) != expected  # half swapped: one overlay new, the other old
    result = run_regc("build", "--check", cwd=built)
    assert result.code == 1
    result = run_regc("build", cwd=built)
    assert result.code == 0, result.stderr
    assert "finished an interrupted build" in result.stderr
    assert tree_bytes(built) == expected
    assert not (built / commit_module.JOURNAL).exists() and not (built / commit_module.STAGING).exists()


def test_two_builds_at_once_do_not_interleave(built: Path):
    for name in ("dev", "prod"):
        spec = built / "environments" / f"{name}.yaml"
        spec.write_text(spec.read_text().replace("team: platform", "team: core"))
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "regc", "build"], cwd=built, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    assert [run.wait(timeout=120) for run in runs] == [0, 0, 0, 0]
    assert run_regc("build", "--check", cwd=built).code == 0
