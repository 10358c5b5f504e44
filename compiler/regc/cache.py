"""The compiled tree as its own cache: each unit's manifest (`.regc-manifest`) lists the files regc
wrote and the digests of what they were made from and of what they hold; a unit whose digests still
hold is taken as it stands, and a no-op build answers from the manifests alone, before anything
is parsed, rendered, hashed with bcrypt or sent to sops.
Standard library only: `regc build` answers before typer, pydantic or ruamel are imported."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from regc import layout
from regc.statcache import StatCache
from regc.world import DiskFiles, Files

DISK = DiskFiles()

PACKAGE = Path(__file__).resolve().parent


# -- what a unit is made from -------------------------------------------------------------------


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """regc's own code: a new version (or a local edit of it) recompiles every unit."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


Digest = Callable[[Path], bytes]  # a file's SHA-256 (reading it, or trusting a stat cache)


def _file_digest(path: Path, files: Files, digest: Digest | None = None) -> bytes:
    try:
        return digest(path) if digest is not None else hashlib.sha256(files.read_bytes(path)).digest()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return b"missing"


def base_inputs() -> str:
    return "sha256:" + hashlib.sha256(b"base\0" + code_fingerprint().encode()).hexdigest()


def overlay_inputs(
    root: Path,
    spec: Path,
    name: str,
    secrets: bytes | None = None,
    files: Files = DISK,
    shared: str | None = None,
    known: Digest | None = None,
) -> str:
    """The spec, the shared file it extends (`shared`, relative to the root), its secrets file
    (ciphertext; `secrets`: its new bytes, not written yet), .sops.yaml and regc's code."""
    digest = hashlib.sha256(b"overlay\0" + code_fingerprint().encode())
    if shared is not None:
        digest.update(b"extends\0" + shared.encode() + b"\0" + _file_digest(root / shared, files, known))
    secrets_file = layout.secrets_path(root, name)
    for path in (spec, secrets_file, root / layout.SOPS_CONFIG):
        digest.update(
            hashlib.sha256(secrets).digest()
            if path is secrets_file and secrets is not None
            else _file_digest(path, files, known)
        )
    return "sha256:" + digest.hexdigest()


def every_spec_inputs(root: Path, specs: list[Path], files: Files = DISK, known: Digest | None = None) -> str:
    """Every spec, every shared file a spec may extend, and regc's code: what an object made from
    all environments depends on."""
    digest = hashlib.sha256(b"every\0" + code_fingerprint().encode())
    for spec in sorted(specs, key=lambda p: p.name):
        digest.update(spec.name.encode() + b"\0" + _file_digest(spec, files, known))
    for shared in layout.shared_files(root / layout.ENVIRONMENTS, files):
        digest.update(shared.relative_to(root).as_posix().encode() + b"\0" + _file_digest(shared, files, known))
    return "sha256:" + digest.hexdigest()


def outputs_digest(files: dict[str, bytes]) -> str:
    return _outputs({name: hashlib.sha256(content).digest() for name, content in files.items()})


def _outputs(digests: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(digests):
        digest.update(name.encode() + b"\0" + digests[name])
    return "sha256:" + digest.hexdigest()


# -- the manifest --------------------------------------------------------------------------------


def manifest_text(directory: str, source: str, files: dict[str, bytes], fields: dict[str, str]) -> bytes:
    """The manifest of a unit holding `files`: the files regc wrote here (it never touches others),
    `fields` (the inputs digest and what else a no-op build needs) and the digest of the files."""
    fields = {"inputs": fields["inputs"], "outputs": outputs_digest(files), **fields}
    header = f"# Files written by regc in {directory}/ ({source}). Other files here are yours and left alone.\n"
    header += "".join(f"# {key}: {value}\n" for key, value in fields.items())
    return (header + "".join(f"{name}\n" for name in sorted(files))).encode()


def parse_manifest(text: str) -> tuple[dict[str, str], list[str]]:
    """The `# key: value` fields and the file list of a manifest."""
    fields, names = {}, []
    for line in text.splitlines():
        if line.startswith("# ") and ": " in line and line[2:].split(": ", 1)[0].isidentifier():
            key, value = line[2:].split(": ", 1)
            fields[key] = value
        elif line and not line.startswith("#"):
            names.append(line)
    return fields, names


def read_manifest(directory: Path, files: Files = DISK) -> tuple[dict[str, str], list[str]] | None:
    try:
        text = files.read_bytes(directory / layout.MANIFEST).decode("utf-8")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    return parse_manifest(text)


def owned_files(directory: Path, files: Files = DISK) -> list[str]:
    """The files regc wrote in `directory` last time, from its manifest (the manifest included)."""
    manifest = read_manifest(directory, files)
    if manifest is None:
        return []
    names = [name for name in manifest[1] if name != layout.MANIFEST]
    return [*names, layout.MANIFEST]


# -- the fresh units -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FreshUnit:
    directory: str
    files: dict[str, bytes]
    fields: dict[str, str]


def fresh_overlay(root: Path, spec: Path, now: datetime.datetime, files: Files = DISK) -> FreshUnit | None:
    """The spec's overlay as it stands on disk, if its inputs (the shared file its manifest records
    included: the spec names it, and the spec is one of the inputs) and outputs still hold."""
    name = layout.spec_name(spec)
    directory = layout.overlay_directory(name)

    def inputs(fields: dict[str, str]) -> str:
        return overlay_inputs(root, spec, name, files=files, shared=fields.get("extends"))

    return fresh_unit(root, directory, inputs, now, files)


def fresh_unit(
    root: Path,
    directory: str,
    inputs: str | Callable[[dict[str, str]], str],
    now: datetime.datetime,
    files: Files = DISK,
) -> FreshUnit | None:
    """The unit as it stands on disk, if its inputs (given, or computed from the manifest's fields)
    and outputs are what its manifest records."""
    folder = root / directory
    manifest = _current_manifest(folder, inputs if callable(inputs) else lambda fields: inputs, now, files)
    if manifest is None:
        return None
    fields, names = manifest
    found = _outputs_of(folder, names, files.read_bytes)
    if found is None or fields.get("outputs") != outputs_digest(found):
        return None
    found[layout.MANIFEST] = files.read_bytes(folder / layout.MANIFEST)
    return FreshUnit(directory, found, fields)


def _current_manifest(
    folder: Path, inputs: Callable[[dict[str, str]], str], now: datetime.datetime, files: Files
) -> tuple[dict[str, str], list[str]] | None:
    """The unit's manifest (its fields and files), if the inputs it records still hold and its
    certificate is not yet in its renewal window."""
    manifest = read_manifest(folder, files)
    if manifest is None:
        return None
    fields, _ = manifest
    if fields.get("inputs") != inputs(fields):
        return None
    renew_by = fields.get("renew_by")
    if renew_by and datetime.datetime.fromisoformat(renew_by) <= now:
        return None
    return manifest


def all_fresh(
    root: Path, specs: list[Path] | None, now: datetime.datetime, *, exact: bool = False
) -> list[tuple[str, int]] | None:
    """(folder, number of files) of every unit of this build, if all are fresh (and, with no SPECS,
    no overlay is orphaned). Reads no file whose stat is as the last no-op left it (regc.statcache),
    unless `exact` (`--check`: every file read)."""
    if (root / layout.JOURNAL).exists():
        return None
    cache = StatCache(root, trusted=not exact)
    try:
        return _all_fresh(root, specs, now, cache)
    finally:
        cache.save()


def _all_fresh(
    root: Path, specs: list[Path] | None, now: datetime.datetime, cache: StatCache
) -> list[tuple[str, int]] | None:
    whole = specs is None
    if whole:
        specs = layout.spec_files(root)
        if not specs:
            return None
        expected = {layout.spec_name(p) for p in specs}
        overlays = root / layout.OVERLAYS
        if overlays.is_dir() and any(
            (d / layout.MANIFEST).is_file() and d.name not in expected for d in overlays.iterdir()
        ):
            return None
    assert specs is not None
    found = []
    base = _unit_holds(root, layout.BASE, lambda fields: base_inputs(), now, cache)
    if base is None:
        return None
    found.append(base)
    for spec in specs:
        if not spec.is_file():
            return None
        name = layout.spec_name(spec)

        def inputs(fields: dict[str, str], spec: Path = spec, name: str = name) -> str:
            return overlay_inputs(root, spec, name, shared=fields.get("extends"), known=cache.digest)

        unit = _unit_holds(root, layout.overlay_directory(name), inputs, now, cache)
        if unit is None:
            return None
        found.append(unit)
    if whole:
        # argocd/ depends on every spec; it must exist exactly when an overlay is in the ApplicationSet.
        if (root / layout.APPLICATION_SET_DIRECTORY / layout.MANIFEST).is_file():
            every = every_spec_inputs(root, specs, known=cache.digest)
            argocd = _unit_holds(root, layout.APPLICATION_SET_DIRECTORY, lambda fields: every, now, cache)
            if argocd is None:
                return None
            found.append(argocd)
        elif any(fields.get("application_set") == "member" for _, _, fields in found):
            return None
    return [(directory, count) for directory, count, _ in found]


def _unit_holds(
    root: Path, directory: str, inputs: Callable[[dict[str, str]], str], now: datetime.datetime, cache: StatCache
) -> tuple[str, int, dict[str, str]] | None:
    """As `fresh_unit`, from the files' digests (the stat cache's where it may be trusted): the
    unit's folder, its number of files and its manifest's fields."""
    folder = root / directory
    manifest = _current_manifest(folder, inputs, now, DISK)
    if manifest is None:
        return None
    fields, names = manifest
    digests = _outputs_of(folder, names, cache.digest)
    if digests is None or fields.get("outputs") != _outputs(digests):
        return None
    return directory, len(digests) + 1, fields


def _outputs_of(folder: Path, names: list[str], read: Callable[[Path], bytes]) -> dict[str, bytes] | None:
    """`read` of each file the manifest lists but itself (its content, or its digest); None when one
    is missing."""
    found = {}
    for name in names:
        if name == layout.MANIFEST:
            continue
        try:
            found[name] = read(folder / name)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
    return found
