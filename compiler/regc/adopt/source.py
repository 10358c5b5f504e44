"""The input files of an import: their YAML documents, and any template text in them, which is never
read as a value (Helm's and Jinja's braces, `${VAR}`, placeholders of secret managers, SOPS
ciphertext): found, it stops the import with where it stands (exit 2)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from regc import yamlread, yamltext
from regc.adopt.runtime import data_of, identity
from regc.errors import InputError, Location, Problem, SpecError, ToolError
from regc.tools import kubectl
from regc.world import Files, files_under

# What marks text as a template or a reference to a secret store, and what it is.
TEMPLATES = (
    (re.compile(r"\{\{.*?\}\}|\{\{-?\s*$"), "template text ({{ }}: Helm, Go templates, Jinja)"),
    (re.compile(r"\{%.*?%\}|\{#.*?#\}"), "template text ({% %}: Jinja, Salt)"),
    (re.compile(r"\$\{[^}\s]*\}|\$\{\{[^}]*\}\}"), "a ${...} placeholder (envsubst, Terraform, CI)"),
    # Not inside a word or a bcrypt hash ($2y$05$KQRJ...: a `$` after a digit is the hash's own).
    (re.compile(r"(?<![\w./$])\$[A-Z_][A-Z0-9_]{2,}(?![a-z0-9(])"), "a $VARIABLE placeholder (envsubst)"),
    (re.compile(r"_{2,}[A-Z][A-Z0-9_]*PLACEHOLDER[A-Z0-9_]*_{2,}|_{2,}PLACEHOLDER[A-Z0-9_]*_{2,}"), "a placeholder"),
    (re.compile(r"<%=?.*?%>"), "template text (<% %>: ERB)"),
    (re.compile(r"<path:[^>]+>|<placeholder>"), "an argocd-vault-plugin placeholder"),
    (re.compile(r"\bref\+[a-z0-9]+://"), "a vals reference (ref+...://)"),
    (re.compile(r"\bvault:(?:secret|kv|[a-z0-9-]+)/[^\s#]+#"), "a bank-vaults reference (vault:...#key)"),
    (re.compile(r"\(\([a-zA-Z_][\w.-]*\)\)"), "a Concourse (( )) variable"),
    (re.compile(r"ENC\[(?:AES256_GCM|PGP)"), "SOPS ciphertext (decrypt it first: sops -d)"),
)
_COMMENT = re.compile(r"(?:^|\s)#(?![{%]).*$")
MAX_SHOWN = 5
TEMPLATE_HINT = (
    "regc reads what runs, not its template: render it first (helm template, envsubst, kubectl get -o yaml), "
    "or give the values the template fills in"
)


@dataclass(frozen=True)
class Template:
    """Template text in an input file: where, what kind, the text (cut to one short line)."""

    location: Location
    kind: str
    text: str

    def problem(self) -> Problem:
        return Problem(
            self.location,
            f"{self.kind} where a value belongs: {self.text!r}",
            TEMPLATE_HINT,
        )


def templates(text: str, display: str) -> list[Template]:
    """Template text outside comments, in the order it stands."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = _COMMENT.sub("", line) if "#" in line else line
        for pattern, kind in TEMPLATES:
            match = pattern.search(content)
            if match is not None:
                shown = match.group(0)
                shown = shown if len(shown) <= 60 else shown[:57] + "..."
                found.append(Template(Location(display, number, match.start() + 1), kind, shown))
                break
    return found


# Objects whose own spec holds Go template text that their operator fills in: the External Secrets
# Operator's. Their templates are what runs, not a template of what runs.
OPERATOR_TEMPLATED = frozenset({"ExternalSecret", "ClusterExternalSecret", "PushSecret", "ClusterPushSecret"})


def refuse_templates(text: str, display: str) -> None:
    """Exit 2, located, when `text` holds template text (outside the objects whose templates are
    their operator's)."""
    exempt = _operator_templated_lines(text)
    found = [t for t in templates(text, display) if t.location.line not in exempt]
    if found:
        problems = [item.problem() for item in found[:MAX_SHOWN]]
        if len(found) > MAX_SHOWN:
            problems.append(Problem(Location(display), f"and {len(found) - MAX_SHOWN} more template places"))
        raise SpecError(problems)


def _operator_templated_lines(text: str) -> set[int]:
    """The lines (from 1) of the objects in OPERATOR_TEMPLATED, top-level or items of a List; none
    when the text is not YAML (its reading reports that)."""
    if not any(kind in text for kind in OPERATOR_TEMPLATED):
        return set()
    try:
        documents = list(YAML(typ="rt").load_all(text))
    except YAMLError:
        return set()
    starts: list[tuple[int, bool]] = []  # (first line of an object, 0-based; templated by its operator)
    for document in documents:
        if not isinstance(document, CommentedMap):
            continue
        items = document.get("items")
        if document.get("kind", "").endswith("List") and isinstance(items, CommentedSeq):
            for index, item in enumerate(items):
                kind = item.get("kind") if isinstance(item, dict) else None
                starts.append((items.lc.item(index)[0], kind in OPERATOR_TEMPLATED))
        else:
            starts.append((document.lc.line, document.get("kind") in OPERATOR_TEMPLATED))
    starts.sort()
    ends = [line for line, _ in starts[1:]] + [len(text.splitlines())]
    return {n + 1 for (line, ours), end in zip(starts, ends, strict=True) if ours for n in range(line, end)}


KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def refuse_templates_in_data(objects: list[dict[str, Any]]) -> None:
    """Template text inside the values of Secrets and ConfigMaps (base64 data decoded): exit 2, named
    by the object and key (never by the value)."""
    found = []
    for obj in objects:
        if obj.get("kind") not in ("Secret", "ConfigMap"):
            continue
        try:
            data = data_of(obj)
        except ValueError:  # not base64: the import reports the object as Kubernetes would refuse it
            continue
        for key, value in data.items():
            for item in templates(value, f"{identity(obj)} key {key}"):
                found.append(Problem(item.location, f"{item.kind} in the value", TEMPLATE_HINT))
                break
    if found:
        raise SpecError(found[:MAX_SHOWN])


def manifest_documents(paths: list[str], files: Files) -> list[Any]:
    """Every YAML document of the paths (a folder: its .yaml, .yml and .json files, sorted, and its
    sub-folders'; a Kustomize folder as `kubectl kustomize` builds it); template text or a file that
    is not YAML is a located error (exit 2)."""
    documents: list[Any] = []
    for given in paths:
        sources = _sources(given, files)
        for display, text in sources:
            refuse_templates(text, display)
        folder = Path(given)
        if given != "-" and files.is_dir(folder) and any(files.is_file(folder / name) for name in KUSTOMIZATIONS):
            try:
                built = kubectl.kustomize(folder)
            except ToolError as exc:
                raise InputError(
                    f"{given}: a Kustomize folder that does not build ({exc.message[-300:]})",
                    "give the objects it builds (kubectl kustomize DIR > objects.yaml), or its files one by one",
                ) from None
            shown = f"{given} (as kubectl kustomize builds it)"
            refuse_templates("---\n".join(yamltext.dump(obj) for obj in built), shown)
            documents += built
            continue
        for display, text in sources:
            try:
                loaded = yamlread.load_all(text)
            except (YAMLError, ValueError, RecursionError) as exc:  # not YAML (as envspec.load reads them)
                mark = getattr(exc, "problem_mark", None)
                line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                problem = getattr(exc, "problem", None) or "not valid YAML"
                raise SpecError([Problem(Location(display, line, column), f"not valid YAML: {problem}")]) from None
            yamlread.refuse_lone_surrogates(loaded, display)
            documents += loaded
    return documents


def _sources(given: str, files: Files) -> list[tuple[str, str]]:
    if given == "-":
        return [("standard input", sys.stdin.read())]
    path = Path(given)
    if not files.is_dir(path):
        try:
            content = files.read_bytes(path)  # a file, or what reads like one (/dev/stdin)
        except FileNotFoundError:
            raise InputError(f"{given}: no such file or folder") from None
        return [(given, content.decode("utf-8", errors="replace"))]
    found = sorted(p for p in files_under(files, path) if p.suffix in (".yaml", ".yml", ".json"))
    return [(str(p), files.read_bytes(p).decode("utf-8", errors="replace")) for p in found]
