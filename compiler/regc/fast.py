"""The no-op fast path: when every unit's recorded input and output digests still hold, the tree
is up to date, and nothing is parsed, rendered, hashed with bcrypt or sent to sops.
Standard library only, so `regc build` answers before typer, pydantic or ruamel are imported."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from regc.fingerprint import base_inputs, every_spec_inputs, outputs_digest, overlay_inputs
from regc.layout import SECRETS_SUFFIX
from regc.plan.names import APPLICATION_SET_DIRECTORY

MANIFEST = ".regc-manifest"


@dataclass(frozen=True)
class FreshUnit:
    directory: str
    files: dict[str, bytes]
    fields: dict[str, str]


def read_manifest(directory: Path) -> tuple[dict[str, str], list[str]] | None:
    """The `# key: value` fields and the file list of a unit's manifest, or None."""
    try:
        text = (directory / MANIFEST).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    fields, names = {}, []
    for line in text.splitlines():
        if line.startswith("# ") and ": " in line and line[2:].split(": ", 1)[0].isidentifier():
            key, value = line[2:].split(": ", 1)
            fields[key] = value
        elif line and not line.startswith("#"):
            names.append(line)
    return fields, names


def fresh_unit(root: Path, directory: str, inputs: str, now: datetime.datetime) -> FreshUnit | None:
    """The unit as it stands on disk, if its inputs and outputs are what its manifest records."""
    folder = root / directory
    manifest = read_manifest(folder)
    if manifest is None:
        return None
    fields, names = manifest
    if fields.get("inputs") != inputs:
        return None
    renew_by = fields.get("renew_by")
    if renew_by and datetime.datetime.fromisoformat(renew_by) <= now:
        return None
    files = {}
    for name in names:
        try:
            files[name] = (folder / name).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
    if fields.get("outputs") != outputs_digest(files):
        return None
    files[MANIFEST] = (folder / MANIFEST).read_bytes()
    return FreshUnit(directory, files, fields)


def spec_name(path: Path) -> str:
    name = path.name
    return name[: -len(".yaml")] if name.endswith(".yaml") else name.rsplit(".", 1)[0]


def all_fresh(root: Path, specs: list[Path] | None, now: datetime.datetime) -> list[FreshUnit] | None:
    """Every unit of this build, if all are fresh (and, with no SPECS, no overlay is orphaned)."""
    if (root / ".regc-journal").exists():
        return None
    whole = specs is None
    if whole:
        folder = root / "environments"
        if not folder.is_dir():
            return None
        specs = sorted(p for p in folder.glob("*.yaml") if not p.name.endswith(SECRETS_SUFFIX))
        if not specs:
            return None
        expected = {spec_name(p) for p in specs}
        overlays = root / "overlays"
        if overlays.is_dir() and any((d / MANIFEST).is_file() and d.name not in expected for d in overlays.iterdir()):
            return None
    units = [fresh_unit(root, "base", base_inputs(), now)]
    for spec in specs:
        if not spec.is_file():
            return None
        name = spec_name(spec)
        units.append(fresh_unit(root, f"overlays/{name}", overlay_inputs(root, spec, name), now))
    if any(u is None for u in units):
        return None
    if whole:
        # argocd/ depends on every spec; it must exist exactly when an overlay is in the ApplicationSet.
        if (root / APPLICATION_SET_DIRECTORY / MANIFEST).is_file():
            units.append(fresh_unit(root, APPLICATION_SET_DIRECTORY, every_spec_inputs(root, specs), now))
        elif any(u.fields.get("application_set") == "member" for u in units):
            return None
    return None if any(u is None for u in units) else units


def try_fast_build(specs: list[Path], root: Path, check: bool) -> int | None:
    """Answer a no-op `regc build [--check]` from the manifests; None when anything changed."""
    now = datetime.datetime.now(datetime.UTC)
    units = all_fresh(root, specs or None, now)
    if units is None:
        return None
    if check:
        print(f"up to date: {sum(u.directory.startswith('overlays/') for u in units)} environment(s)")
    else:
        for unit in units:
            print(f"{unit.directory}: up to date ({len(unit.files)} files)")
    return 0
