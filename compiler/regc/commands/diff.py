"""`regc diff`: what each overlay changes in the cluster, object by object, between a git revision
and the working tree, as the real kustomize renders them. Encrypted values are never decrypted."""

from __future__ import annotations

import difflib
import html
import json
import os
import re
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regc import layout
from regc.adopt.compare import config_differences
from regc.adopt.manifests import read_objects
from regc.adopt.runtime import POD_KINDS, registry_container, runtime
from regc.adopt.source import manifest_documents
from regc.commands.graph import change_graph, engine_of
from regc.commands.inputs import checked
from regc.envspec.fields import check_dns_label
from regc.errors import InputError, RegcError
from regc.tools.git import default_base, worktree
from regc.tools.kubectl import render_overlay
from regc.world import World

ENCRYPTED = "ENC["
Rendered = dict[str, dict[str, dict[str, Any]]]  # overlay -> kind/namespace/name -> object


@dataclass
class ObjectChange:
    identity: str  # kind/namespace/name
    status: str  # added, removed, changed
    fields: list[str] = field(default_factory=list)


@dataclass
class OverlayDiff:
    overlay: str
    changes: list[ObjectChange] = field(default_factory=list)


def render_overlays(old_root: Path, new_root: Path) -> tuple[Rendered, Rendered]:
    """The overlays of two trees, rendered ({overlay: {kind/namespace/name: object}}), side by side.
    An overlay whose files and base are the same bytes in both trees renders the same and is left
    out of both; the others render in parallel (kustomize is a process of its own)."""
    roots = (old_root, new_root)
    names = sorted({d.name for root in roots for d in _overlays(root)})
    same_base = _files(old_root / layout.BASE) == _files(new_root / layout.BASE)
    jobs: list[tuple[int, str, Path]] = []
    for name in names:
        old, new = (root / layout.overlay_directory(name) for root in roots)
        if same_base and _files(old) == _files(new):
            continue
        jobs += [(side, name, d) for side, d in enumerate((old, new)) if (d / layout.KUSTOMIZATION).is_file()]
    with ThreadPoolExecutor(max_workers=max(1, min(len(jobs), os.cpu_count() or 1))) as pool:
        objects = list(pool.map(lambda job: render_overlay(job[2]), jobs))
    sides: tuple[Rendered, Rendered] = ({}, {})
    for (side, name, _), found in zip(jobs, objects, strict=True):
        sides[side][name] = {_identity(o): o for o in found}
    return sides


def _overlays(root: Path) -> list[Path]:
    folder = root / layout.OVERLAYS
    return [d for d in folder.iterdir() if (d / layout.KUSTOMIZATION).is_file()] if folder.is_dir() else []


def _files(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` by relative path, with its bytes (nothing when it is absent)."""
    if not directory.is_dir():
        return {}
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


# What the API server adds to an object: not the team's, not regc's, never compared.
SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink")
SERVER_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision")
SECRET_VALUE = "(a secret value)"


def against_objects(
    root: Path, env: str, live: list[dict[str, Any]]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The objects that run today and the compiled overlay of `env`, each by identity, with every
    Secret value replaced by a marker on both sides (no value is ever shown)."""
    overlay = root / layout.overlay_directory(env)
    if not (overlay / layout.KUSTOMIZATION).is_file():
        raise RegcError(f"no compiled overlay overlays/{env}", f"run `regc build environments/{env}.yaml` first")
    before = {_identity(o): _comparable(o) for o in live}
    after = {_identity(o): _comparable(o) for o in render_overlay(overlay)}
    return {env: before}, {env: after}


def compiled_objects(root: Path, env: str) -> list[dict[str, Any]]:
    """The overlay's objects as kustomize renders them (its Secrets still encrypted)."""

    return render_overlay(root / layout.overlay_directory(env))


def configuration_changes(live: list[dict[str, Any]], compiled: list[dict[str, Any]]) -> list[str]:
    """The registry's effective configuration today and under the overlay, read as the registry reads
    it (the image's file, the mounted one, the variables), as report lines; credentials never shown."""

    def running(objects: list[dict[str, Any]], kinds: tuple[str, ...]) -> Any:
        for obj in objects:
            container = registry_container(obj) if obj.get("kind") in kinds else None
            if container is not None:
                return runtime(objects, obj, container)
        return None

    before, after = running(live, POD_KINDS), running(compiled, ("Deployment",))
    if before is None or after is None:
        return ["(no registry workload on one side: nothing to compare)"]
    if before.parsed is None or after.parsed is None:
        return [f"(not compared: {'; '.join(before.problems + after.problems)})"]
    for side, run in (("today", before), ("under regc", after)):
        if run.parsed.error is not None:
            return [f"(the registry {side} does not start: {run.parsed.error.message})"]
    return [difference.line() for difference in config_differences(before, after)]


def _comparable(obj: dict[str, Any]) -> dict[str, Any]:
    obj = {k: v for k, v in obj.items() if k not in ("status", "sops")}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in SERVER_FIELDS}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in SERVER_ANNOTATIONS}
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    obj["metadata"] = meta
    if obj.get("kind") == "Secret":
        for field_name in ("data", "stringData", "spec"):
            if isinstance(obj.get(field_name), dict):
                obj[field_name] = dict.fromkeys(obj[field_name], SECRET_VALUE)
    return obj


def _identity(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata", {})
    return f"{obj.get('kind')}/{meta.get('namespace', '-')}/{meta.get('name')}"


def object_key(identity: str) -> str:
    """kind/name of a kind/namespace/name identity (how the topology names objects)."""
    kind, _, name = identity.split("/", 2)
    return f"{kind}/{name}"


def diff_trees(before: dict[str, Any], after: dict[str, Any]) -> list[OverlayDiff]:
    result = []
    for overlay in sorted(set(before) | set(after)):
        old, new = before.get(overlay, {}), after.get(overlay, {})
        changes = []
        for identity in sorted(set(old) | set(new)):
            if identity not in old:
                changes.append(ObjectChange(identity, "added"))
            elif identity not in new:
                changes.append(ObjectChange(identity, "removed"))
            else:
                lines = _field_changes(_without_sops(old[identity]), _without_sops(new[identity]), "")
                if lines:
                    changes.append(ObjectChange(identity, "changed", lines))
        if changes:
            result.append(OverlayDiff(overlay, changes))
    return result


def _without_sops(obj: dict[str, Any]) -> dict[str, Any]:
    # The sops block changes with every encryption (date, MAC); the values' change says enough.
    return {k: v for k, v in obj.items() if k != "sops"}


def _field_changes(old: Any, new: Any, path: str) -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        keys = sorted(set(old) | set(new), key=str)
        return _member_changes(old, new, keys, lambda key: f"{path}.{key}" if path else str(key))
    if old == new:
        return []
    if _is_encrypted(old) or _is_encrypted(new):
        return [f"encrypted value of key `{path.rsplit('.', 1)[-1]}` changed ({path})"]
    if isinstance(old, str) and isinstance(new, str) and ("\n" in old or "\n" in new):
        return _text_changes(old, new, path)
    if isinstance(old, list) and isinstance(new, list):
        key = _item_key(old, new)
        if key is not None:
            by_old, by_new = {item[key]: item for item in old}, {item[key]: item for item in new}
            names = [*by_old, *(n for n in by_new if n not in by_old)]
            return _member_changes(by_old, by_new, names, lambda name: f"{path}[{name}]")
        if len(old) == len(new):
            lines = []
            for index, (a, b) in enumerate(zip(old, new, strict=False)):
                lines.extend(_field_changes(a, b, f"{path}[{index}]"))
            return lines
        if all(not isinstance(v, (dict, list)) for v in [*old, *new]):
            gone = [v for v in old if v not in new]
            came = [v for v in new if v not in old]
            return [f"{path}: removed {_short(v)}" for v in gone] + [f"{path}: added {_short(v)}" for v in came]
    return [f"{path}: {_short(old)} -> {_short(new)}"]


# The field that names an item of a Kubernetes list (containers, env, volumes, volumeMounts, ports,
# items of a Secret volume...), in the order tried: lists are compared item by item by it.
ITEM_KEYS = ("name", "mountPath", "containerPort", "port", "key", "path", "ip")


def _item_key(old: list[Any], new: list[Any]) -> str | None:
    items = [*old, *new]
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in ITEM_KEYS:
        if all(key in item and not isinstance(item[key], (dict, list)) for item in items) and all(
            len({item[key] for item in side}) == len(side) for side in (old, new)
        ):
            return key
    return None


def _member_changes(
    old: dict[Any, Any], new: dict[Any, Any], names: list[Any], child: Callable[[Any], str]
) -> list[str]:
    """The changes of a mapping's keys, or of a list's items by their key, in the order of `names`."""
    lines = []
    for name in names:
        if name not in old:
            lines.append(f"{child(name)}: added{_shown(new[name])}")
        elif name not in new:
            lines.append(f"{child(name)}: removed")
        else:
            lines.extend(_field_changes(old[name], new[name], child(name)))
    return lines


def _text_changes(old: str, new: str, path: str) -> list[str]:
    """Changed lines of a multi-line value (a config.yml), as `-`/`+` lines."""
    lines = [f"{path}:"]
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        lines.append(f"  {line}")
    return lines if len(lines) > 1 else [f"{path}: white space changed"]


def _is_encrypted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(ENCRYPTED)


def _shown(value: Any) -> str:
    if isinstance(value, (dict, list)) or _is_encrypted(value):
        return ""
    return f" ({_short(value)})"


def _short(value: Any) -> str:
    if _is_encrypted(value):
        return "(encrypted)"
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text.replace("\n", "\\n")


def _revision(against: str) -> str:
    """A commit by its first 12 digits; anything else (the objects given) as it is."""
    return against[:12] if re.fullmatch(r"[0-9a-f]{12,64}", against) else against


def as_text(diffs: list[OverlayDiff], configuration: list[str] | None = None) -> str:
    """The changes, object by object; `configuration`: the registry's own configuration changes."""
    tail = []
    if configuration is not None:
        tail = ["the registry's configuration (as the registry reads it):"]
        tail += [f"  {line}" for line in configuration] or ["  no change"]
    if not diffs:
        return "\n".join(["no change in any overlay", *tail]) + "\n"
    out = []
    for overlay in diffs:
        out.append(f"{layout.overlay_directory(overlay.overlay)}:")
        for change in overlay.changes:
            out.append(f"  {change.status:<7} {change.identity}")
            out.extend(f"            {line}" for line in change.fields)
    return "\n".join([*out, *tail]) + "\n"


# GitHub refuses a comment of more than 65,536 characters; the rest is room for the note.
COMMENT_LIMIT = 65_536
FOLD_AT = 100  # a changed line longer than this folds under its first characters


def as_markdown(
    diffs: list[OverlayDiff],
    against: str,
    limit: int = COMMENT_LIMIT,
    pictures: dict[str, str] | None = None,
    configuration: list[str] | None = None,
) -> str:
    """The pull-request comment: one folded section per overlay, each with its diagram (`pictures`:
    overlay -> Mermaid, the change marked on it). Sections that would take the comment over `limit`
    are left out and named, with the command that shows all of it."""
    head = ["<!-- regc-rendered-diff -->", f"### Rendered diff against `{_revision(against)}`", ""]
    if configuration is not None:
        head += ["The registry's configuration, as the registry reads it:", ""]
        head += [f"- {_cell(line)}" for line in configuration] or ["- no change"]
        head.append("")
    if not diffs:
        return "\n".join([*head, "No change in any overlay."]) + "\n"
    sections = [_overlay_section(overlay, (pictures or {}).get(overlay.overlay)) for overlay in diffs]
    left_out: list[str] = []
    budget = limit - 600 - len("\n".join(head))
    kept = []
    for overlay, section in zip(diffs, sections, strict=True):
        if len(section) + 1 <= budget and not left_out:
            kept.append(section)
            budget -= len(section) + 1
        else:
            left_out.append(f"`overlays/{overlay.overlay}`")
    out = [*head, *kept]
    if left_out:
        out += [
            "",
            f"> **Left out** to keep this comment under GitHub's {COMMENT_LIMIT:,} characters: "
            f"{_named(left_out, 400)}. Run "
            + (
                f"`regc diff --against {_revision(against)}`"
                if re.fullmatch(r"[0-9a-f]{12,64}", against)
                else "the same `regc diff` in a terminal"
            )
            + " to see all of it.",
        ]
    return "\n".join(out) + "\n"


def _named(names: list[str], room: int) -> str:
    """The names, as many as fit in `room` characters, and how many more (a fleet's list is long)."""
    shown: list[str] = []
    for name in names:
        if len(", ".join([*shown, name])) > room:
            return f"{', '.join(shown)} and {len(names) - len(shown)} more"
        shown.append(name)
    return ", ".join(shown)


def _overlay_section(overlay: OverlayDiff, picture: str | None = None) -> str:
    counts = {s: sum(c.status == s for c in overlay.changes) for s in ("added", "removed", "changed")}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    out = [f"<details><summary><code>overlays/{overlay.overlay}</code>: {summary}</summary>", ""]
    if picture:
        out += ["```mermaid", picture.rstrip("\n"), "```", ""]
    out += ["| object | change |", "|---|---|"]
    for change in overlay.changes:
        detail = "<br>".join(_cell(line) for line in change.fields)
        out.append(f"| `{change.identity}` | {change.status}{': ' + detail if detail else ''} |")
    out += ["", "</details>"]
    return "\n".join(out)


def _cell(line: str) -> str:
    """One changed field in a table cell: code, folded when long (the summary is its start)."""
    if "encrypted value" in line:
        return line
    text = html.escape(line).replace("|", "&#124;")
    if len(line) <= FOLD_AT:
        return f"<code>{text}</code>"
    start = html.escape(line[: FOLD_AT - 20]).replace("|", "&#124;")
    return f"<details><summary><code>{start}…</code></summary><code>{text}</code></details>"


def as_json(diffs: list[OverlayDiff], against: str, configuration: list[str] | None = None) -> str:
    document: dict[str, Any] = {
        "against": against,
        "overlays": [
            {
                "overlay": d.overlay,
                "changes": [{"object": c.identity, "status": c.status, "fields": c.fields} for c in d.changes],
            }
            for d in diffs
        ],
    }
    if configuration is not None:
        document["configuration"] = configuration
    return json.dumps(document, indent=2) + "\n"


OUTPUTS = ("text", "markdown", "json")


def run(world: World, against: str | None, output: str, against_manifests: list[str] | None, env: str | None) -> int:
    """Print what each overlay changes against a revision, or ENV's against the objects given. git
    and kustomize read the repository on disk: this command needs it there."""
    root = world.root
    if output not in OUTPUTS:
        raise RegcError(f"unknown output {output!r}", "use --output text, markdown or json")
    configuration = None
    if against_manifests:
        if env is None:
            raise InputError("--against-manifests needs --env: the environment whose overlay takes over")
        checked(check_dns_label, env)
        revision = "the objects given (" + ", ".join(against_manifests) + ")"
        live = read_objects(manifest_documents(against_manifests, world.files))
        before, after = against_objects(root, env, live)
        configuration = configuration_changes(live, compiled_objects(root, env))
    else:
        revision = against or default_base(root)
        with worktree(root, revision) as old_root:
            before, after = render_overlays(old_root, root)
    changes = diff_trees(before, after)
    if output == "markdown":
        pictures = {}
        for overlay in changes:
            marks = {object_key(c.identity): c.status for c in overlay.changes}
            engine = engine_of(root / layout.overlay_directory(overlay.overlay))
            old, new = before.get(overlay.overlay, {}), after.get(overlay.overlay, {})
            pictures[overlay.overlay] = change_graph(old, new, marks, engine)
        sys.stdout.write(as_markdown(changes, revision, pictures=pictures, configuration=configuration))
    elif output == "json":
        sys.stdout.write(as_json(changes, revision, configuration))
    else:
        sys.stdout.write(as_text(changes, configuration))
    return 0
