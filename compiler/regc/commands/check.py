"""`regc check`: the tree up to date with the specs, and audited (no Secret in clear, every
encrypted file open to the recipients, nothing a cluster would refuse)."""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from ruamel.yaml.error import YAMLError

from regc import yamlread
from regc.compiler import Compiler, discover_specs
from regc.envspec import fields
from regc.layout import APPLICATION_SET_DIRECTORY, BASE, ENVIRONMENTS, GITOPS_FOLDER, KUSTOMIZATION, OVERLAYS
from regc.plan.credentials import referenced_secrets
from regc.report import stale_lines, stale_specs
from regc.world import Files, World, files_under, folders_under

TREE_FOLDERS = (BASE, OVERLAYS, APPLICATION_SET_DIRECTORY)


def run(world: World) -> int:
    """Every stale file and audit failure on standard error (exit 1), or the all-clear (exit 0)."""
    compiler = Compiler(world)
    specs = discover_specs(world.root, world.files)
    compiled = compiler.compile(specs)
    changes = compiler.changes(compiled, prune=True)
    failures = stale_lines(changes, reasons=False)
    failures += audit_tree(world)
    for failure in failures:
        print(failure, file=sys.stderr)
    overlays = sum(unit.directory.startswith(f"{OVERLAYS}/") for unit in compiled.units)
    if failures:
        stale = stale_specs(changes)
        build = "regc build" if len(stale) == overlays or not stale else f"regc build {' '.join(stale)}"
        print(f"regc check failed: fix the above (most often: run `{build}` and commit)", file=sys.stderr)
        return 1
    print(f"ok: {overlays} environment(s) up to date, no Secret in clear")
    loaded = {env.path for env in compiled.environments}  # the others were up to date: read them for the notes
    environments = [*compiled.environments, *compiler.load([p for p in specs if p not in loaded])]
    for env in sorted(environments, key=lambda e: e.name):
        for what, secret in referenced_secrets(env.spec).items():
            print(f"note: {env.name} reads {what} from the Secret {secret}, which regc references and never writes")
    return 0


def audit_tree(world: World) -> list[str]:
    """One message per file in base/ or overlays/ that holds a Secret in clear, and per encrypted
    file (compiled or input) that no recipient of the current .sops.yaml can open."""
    failures = []
    for folder in TREE_FOLDERS:
        for relative, text in _texts(world, folder, "*.y*ml"):
            if "Secret" not in text:
                continue
            try:
                documents = [d for d in yamlread.load_all(text) if isinstance(d, dict)]
            except YAMLError:
                failures.append(f"unreadable: {relative} is not valid YAML")
                continue
            for document in documents:
                if document.get("kind") == "Secret" and "sops" not in document:
                    # Name the file only: its content may be the very secret that leaked.
                    failures.append(f"in clear: {relative} holds a Secret that is not SOPS-encrypted")
    failures.extend(_recipient_failures(world))
    failures.extend(_gitops_failures(world))
    failures.extend(_contract_failures(world))
    return failures


def _texts(world: World, folder: str, pattern: str) -> Iterator[tuple[str, str]]:
    """(path relative to the root, text) of every file under `folder` whose name matches `pattern`,
    in the order of their paths."""
    for path in sorted(files_under(world.files, world.root / folder)):
        if fnmatch.fnmatchcase(path.name, pattern):
            text = world.files.read_bytes(path).decode("utf-8", errors="replace")
            yield path.relative_to(world.root).as_posix(), text


def _glob(files: Files, root: Path, pattern: str) -> list[Path]:
    """The paths under `root` that `pattern` matches as Path.glob matches it (`*` within one name,
    `**` any folders), read through the world."""
    found = [root]
    for part in (p for p in pattern.split("/") if p not in ("", ".")):
        if part == "**":
            found = [*found, *(p for base in found for p in folders_under(files, base))]
        else:
            found = [c for base in found for c in files.children(base) if fnmatch.fnmatchcase(c.name, part)]
    return found


def _contract_failures(world: World) -> list[str]:
    """What a cluster or its controllers would refuse, or what misbehaves once running, in a tree
    that an older regc compiled: the same rules the spec's types enforce at build time."""
    failures = []
    for folder in (OVERLAYS, APPLICATION_SET_DIRECTORY, BASE):
        for relative, text in _texts(world, folder, "*.yaml"):
            if not any(kind in text for kind in ("GitRepository", "Kustomization", "ServiceMonitor", "Probe:")):
                continue
            for document in yamlread.load_all(text):
                if isinstance(document, dict):
                    failures += [f"contract: {relative}: {problem}" for problem in _contract(document, fields)]
    return failures


def _contract(document: dict[str, Any], fields: ModuleType) -> list[str]:
    kind, spec = document.get("kind"), document.get("spec") or {}
    problems = []
    flux = document.get("apiVersion", "").endswith(".toolkit.fluxcd.io/v1")
    if flux and kind in ("GitRepository", "Kustomization"):
        for key in ("interval", "timeout", "retryInterval"):
            if key in spec and not fields.FLUX_DURATION.match(str(spec[key])):
                problems.append(f"spec.{key} {spec[key]!r} is not a duration Flux accepts (ms, s, m, h)")
    if flux and kind == "GitRepository":
        if urlsplit(str(spec.get("url", ""))).scheme not in ("http", "https", "ssh"):
            problems.append("spec.url must be an http://, https:// or ssh:// URL for Flux")
        if len(spec.get("ref") or {}) != 1:
            problems.append("spec.ref must name exactly one of branch, tag, semver, commit")
    if flux and kind == "Kustomization" and str(spec.get("path", "")).startswith("././"):
        problems.append(f"spec.path {spec['path']!r} repeats './'")
    if kind == "ServiceMonitor":
        for endpoint in spec.get("endpoints") or []:
            if "interval" in endpoint and not fields.PROMETHEUS_DURATION.match(str(endpoint["interval"])):
                problems.append(f"spec.endpoints[].interval {endpoint['interval']!r} is not a Prometheus duration")
    if kind == "Deployment":
        for container in ((spec.get("template") or {}).get("spec") or {}).get("containers") or []:
            for probe in ("livenessProbe", "startupProbe"):
                if "httpGet" in (container.get(probe) or {}):
                    problems.append(
                        f"{probe} of {container.get('name')} asks HTTP: the registry answers 503 to "
                        "every path while its storage is down, so an outage would restart its pods"
                    )
    return problems


def _gitops_failures(world: World) -> list[str]:
    """GitOps objects must point at a path that exists, with a revision; an overlay that Argo CD
    syncs must not list an encrypted Secret under `resources:` (Argo CD would apply it encrypted)."""
    root, files = world.root, world.files
    failures = []
    documents = [
        *_glob(files, root, f"{OVERLAYS}/*/{GITOPS_FOLDER}/*.yaml"),
        *_glob(files, root, f"{APPLICATION_SET_DIRECTORY}/*.yaml"),
    ]
    for path in documents:
        relative = path.relative_to(root).as_posix()
        document = yamlread.load(files.read_bytes(path)) or {}
        kind, spec = document.get("kind"), document.get("spec") or {}
        targets: list[str | None]
        if kind == "Application":
            source = spec.get("source") or {}
            targets, revision = [source.get("path")], source.get("targetRevision")
        elif kind == "ApplicationSet":
            targets, revision = _generated_paths(world, spec)
        elif kind == "Kustomization":
            targets, revision = [(spec.get("path") or "").removeprefix("./")], "(from its GitRepository)"
        elif kind == "GitRepository":
            ref = spec.get("ref") or {}
            targets, revision = (
                [],
                next((ref[k] for k in ("commit", "tag", "semver", "branch", "name") if ref.get(k)), None),
            )
        else:
            continue
        if not revision:
            failures.append(f"gitops: {relative} names no revision")
        for target in targets:
            if not target or not files.is_file(root / target / KUSTOMIZATION):
                failures.append(f"gitops: {relative} points at {target}, which holds no kustomization.yaml")
            elif kind in ("Application", "ApplicationSet"):
                failures.extend(_encrypted_resources(world, root / target))
    return failures


def _generated_paths(world: World, spec: dict[str, Any]) -> tuple[list[str | None], str | None]:
    """The overlays an ApplicationSet's git generator yields (the folders of the files its files
    generator matches, or the folders its directory generator matches), and its revision."""
    root, files = world.root, world.files
    git: dict[str, Any] = next((g["git"] for g in spec.get("generators") or [] if "git" in g), {})
    paths = {
        p.parent.relative_to(root).as_posix()
        for f in git.get("files") or []
        for p in _glob(files, root, f["path"])
        if files.is_file(p)
    }
    directories = git.get("directories") or []
    excluded = {d["path"] for d in directories if d.get("exclude")}
    paths |= {
        p.relative_to(root).as_posix()
        for d in directories
        if not d.get("exclude")
        for p in _glob(files, root, d["path"])
        if files.is_dir(p)
    } - excluded
    found: list[str | None] = [*sorted(paths)] or [None]
    return found, git.get("revision")


def _encrypted_resources(world: World, overlay: Path) -> list[str]:
    files = world.files
    kustomization = yamlread.load(files.read_bytes(overlay / KUSTOMIZATION)) or {}
    failures = []
    for resource in kustomization.get("resources") or []:
        candidate = overlay / resource
        if files.is_file(candidate) and b"\nsops:" in files.read_bytes(candidate):
            failures.append(
                f"gitops: {overlay.relative_to(world.root).as_posix()}/kustomization.yaml lists the "
                f"encrypted {resource} under resources: Argo CD would apply it encrypted; "
                "list it in the KSOPS generator"
            )
    return failures


def _recipient_failures(world: World) -> list[str]:
    current = set(world.sealer.recipients())
    candidates = [entry for folder in (*TREE_FOLDERS, ENVIRONMENTS) for entry in _texts(world, folder, "*.yaml")]
    failures = []
    for relative, text in candidates:
        if "\nsops:" not in text:
            continue
        document = yamlread.load(text) or {}
        recipients = {entry.get("recipient") for entry in (document.get("sops") or {}).get("age") or []}
        if not recipients & current:
            failures.append(
                f"no current recipient: {relative} is encrypted to none "
                "of the age recipients in .sops.yaml (run `regc build`, or `sops updatekeys` "
                "for a secrets file)"
            )
    return failures
