"""The commit on disk: a unit whose folder stays has its changed files swapped one by one, the rest
untouched; a unit that loses files, or is reached through a symlink, takes the journaled swap of its
whole folder; both all or nothing, and durable by one sync where the system allows."""

from __future__ import annotations

from pathlib import Path

import pytest

from regc.emit.tree import Unit
from regc.errors import RegcError
from regc.layout import JOURNAL, MANIFEST, STAGING
from regc.write.commit import commit
from regc.write.compare import compare_unit

OLD = b"# inputs: sha256:old\nkustomization.yaml\n"  # a manifest lists the files regc wrote
NEW = b"# inputs: sha256:new\nkustomization.yaml\n"


def _unit(root: Path, directory: str, files: dict[str, bytes]) -> Path:
    folder = root / directory
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


def test_a_unit_whose_files_stand_as_built_gets_its_new_manifest_in_place(tmp_path: Path):
    folder = _unit(tmp_path, "overlays/a", {"kustomization.yaml": b"k\n", MANIFEST: OLD})
    before = folder.stat().st_ino
    change = compare_unit(tmp_path, Unit("overlays/a", "a", {"kustomization.yaml": b"k\n", MANIFEST: NEW}))
    assert change.changed
    commit(tmp_path, [change])
    assert (folder / MANIFEST).read_bytes() == NEW and (folder / "kustomization.yaml").read_bytes() == b"k\n"
    assert folder.stat().st_ino == before  # the same folder: nothing staged, nothing swapped
    assert not (tmp_path / STAGING).exists() and not (tmp_path / JOURNAL).exists()


def test_a_unit_whose_folder_stays_has_only_its_changed_files_swapped(tmp_path: Path):
    manifest = b"# inputs: sha256:old\nkustomization.yaml\nsame.yaml\n"
    folder = _unit(tmp_path, "overlays/a", {"kustomization.yaml": b"k\n", "same.yaml": b"s\n", MANIFEST: manifest})
    (folder / "NOTES.md").write_text("mine\n")
    before = {name: (folder / name).stat().st_ino for name in ("kustomization.yaml", "same.yaml")}
    files = {"kustomization.yaml": b"k2\n", "same.yaml": b"s\n", MANIFEST: NEW}
    commit(tmp_path, [compare_unit(tmp_path, Unit("overlays/a", "a", {**files}))])
    assert (folder / MANIFEST).read_bytes() == NEW and (folder / "kustomization.yaml").read_bytes() == b"k2\n"
    assert (folder / "same.yaml").stat().st_ino == before["same.yaml"]  # untouched
    assert (folder / "kustomization.yaml").stat().st_ino != before["kustomization.yaml"]  # swapped in
    assert (folder / "NOTES.md").read_text() == "mine\n"  # a file of yours stays, without a copy
    assert not (tmp_path / STAGING).exists() and not (tmp_path / JOURNAL).exists()


def test_a_unit_that_loses_a_file_is_swapped_whole(tmp_path: Path):
    manifest = b"# inputs: sha256:old\nkustomization.yaml\ngone.yaml\n"
    folder = _unit(tmp_path, "overlays/a", {"kustomization.yaml": b"k\n", "gone.yaml": b"g\n", MANIFEST: manifest})
    before = folder.stat().st_ino
    change = compare_unit(tmp_path, Unit("overlays/a", "a", {"kustomization.yaml": b"k\n", MANIFEST: NEW}))
    assert change.extra == ["gone.yaml"]
    commit(tmp_path, [change])
    assert sorted(p.name for p in folder.iterdir()) == [MANIFEST, "kustomization.yaml"]
    assert folder.stat().st_ino != before  # a staged folder took its place
    assert not (tmp_path / STAGING).exists() and not (tmp_path / JOURNAL).exists()


def test_a_file_of_yours_in_the_way_stops_the_commit_before_anything_is_written(tmp_path: Path):
    folder = _unit(tmp_path, "overlays/a", {"kustomization.yaml": b"k\n", "mine.yaml": b"m\n", MANIFEST: OLD})
    files = {"kustomization.yaml": b"k2\n", "mine.yaml": b"regc's\n", MANIFEST: NEW}
    with pytest.raises(RegcError, match=r"overlays/a/mine\.yaml exists and was not written by regc"):
        commit(tmp_path, [compare_unit(tmp_path, Unit("overlays/a", "a", files))])
    assert (folder / "kustomization.yaml").read_bytes() == b"k\n" and (folder / "mine.yaml").read_bytes() == b"m\n"
    assert not (tmp_path / STAGING).exists() and not (tmp_path / JOURNAL).exists()


def test_a_unit_reached_through_a_symlink_is_swapped_never_written_through(tmp_path: Path):
    elsewhere = _unit(tmp_path, "elsewhere", {"kustomization.yaml": b"k\n", MANIFEST: OLD})
    (tmp_path / "overlays").mkdir()
    (tmp_path / "overlays" / "a").symlink_to(elsewhere)
    change = compare_unit(tmp_path, Unit("overlays/a", "a", {"kustomization.yaml": b"k\n", MANIFEST: NEW}))
    commit(tmp_path, [change])
    assert (elsewhere / MANIFEST).read_bytes() == OLD  # the link's target is never written
    folder = tmp_path / "overlays" / "a"
    assert not folder.is_symlink() and (folder / MANIFEST).read_bytes() == NEW


def _committed_with(tmp_path: Path, monkeypatch, *, syncfs: bool) -> tuple[list[str], list[int]]:
    """A unit with a changed and a new file committed, its syncs recorded: the file systems synced
    whole, and the files fsynced one by one."""
    from regc import files

    _unit(tmp_path, "overlays/a", {"kustomization.yaml": b"k\n", MANIFEST: OLD})
    new = {"kustomization.yaml": b"k2\n", "b.yaml": b"b\n", MANIFEST: NEW}
    change = compare_unit(tmp_path, Unit("overlays/a", "a", new))
    whole: list[str] = []
    each: list[int] = []
    real_fsync = files.os.fsync

    def fake_syncfs(handle: int) -> int:
        whole.append(files.os.readlink(f"/proc/self/fd/{handle}"))
        return 0

    monkeypatch.setattr(files, "_syncfs", lambda: fake_syncfs if syncfs else None)
    monkeypatch.setattr(files.os, "fsync", lambda handle: (each.append(handle), real_fsync(handle))[1])
    commit(tmp_path, [change])
    assert (tmp_path / "overlays" / "a" / "b.yaml").read_bytes() == b"b\n"
    return whole, each


def test_the_commit_syncs_with_one_call_a_stage_where_the_system_has_syncfs(tmp_path: Path, monkeypatch):
    whole, each = _committed_with(tmp_path, monkeypatch, syncfs=True)
    assert whole == [str(tmp_path / STAGING), str(tmp_path)]  # the staged files, then the swapped folders
    assert len(each) == 2  # the journal's file and folder: no staged file, no folder of the swap


def test_without_syncfs_every_staged_file_is_fsynced(tmp_path: Path, monkeypatch):
    whole, each = _committed_with(tmp_path, monkeypatch, syncfs=False)
    assert whole == [] and len(each) == 3 + 2 + 1  # three staged files, the journal and its folder, the unit
