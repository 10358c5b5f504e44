"""Read an environment file into a validated spec, with every error located in the file."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from regc.envspec.extends import extended
from regc.envspec.fields import check_dns_label
from regc.envspec.load import Document, Positions, dotted_path, load_yaml
from regc.envspec.model import ENV_SOURCE, ENV_TEXT, Environment  # tags no document spells
from regc.errors import Location, Problem, SpecError, shown

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from regc.envspec.model import Environment
    from regc.world import Files


@dataclass(frozen=True)
class LoadedEnvironment:
    """A validated spec, its name (from the file name) and where its parts stand in the file."""

    name: str
    path: Path
    spec: Environment  # imported only for type checking: importing this module costs no pydantic
    positions: Positions
    shared: Path | None = None  # the file it extends

    def locate(self, *loc: str | int) -> Location:
        return self.positions.locate(tuple(loc))


def environment_name(path: Path) -> str:
    """The environment's name: its file name without `.yaml`."""
    name = path.name
    for suffix in (".yaml", ".yml"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def read_environment(
    path: Path, display: str | None = None, files: Files | None = None, *, positions: bool = True
) -> LoadedEnvironment:
    """Load and validate `path`; raise SpecError listing every problem found. Without `positions`
    the plain YAML is read fast and problems are not located: read again with them to report."""
    display = display or str(path)
    name = environment_name(path)
    document, shared = extended(
        load_yaml(path, display, files, positions=positions), path, display, files, positions=positions
    )
    problems: list[Problem] = []
    try:
        check_dns_label(name)
    except ValueError as exc:
        problems.append(
            Problem(
                Location(display, 1, 1),
                f"environment name: {exc}",
                "rename the file: the name is used for the overlay folder and Kubernetes names",
            )
        )
    spec, spec_problems = validate_document(document)
    problems.extend(spec_problems)
    if problems:
        raise SpecError(sorted(problems, key=lambda p: (p.location.line, p.location.column)))
    return LoadedEnvironment(name, path, spec, document.positions, shared)


def validate_document(document: Document) -> tuple[Any, list[Problem]]:
    """Validate loaded data against the Environment model; problems carry file positions."""
    try:
        return Environment.model_validate(document.data), []
    except ValidationError as exc:
        return None, [_problem(error, document, Environment) for error in exc.errors()]


def _document_path(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """`loc` without the union tags pydantic inserts (`storage.swift.container` -> `storage.container`)."""

    path, node = [], data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, dict) and part not in node and not last and part == node.get("driver", "filesystem"):
            continue
        if part in (ENV_TEXT, ENV_SOURCE):
            continue
        path.append(part)
        node = (
            node.get(part)
            if isinstance(node, dict)
            else (node[part] if isinstance(node, list) and isinstance(part, int) and part < len(node) else None)
        )
    return tuple(path)


def _problem(error: ErrorDetails, document: Document, root_model: type) -> Problem:
    positions = document.positions
    loc = _document_path(tuple(error["loc"]), document.data)
    kind = error["type"]
    if kind == "union_tag_invalid":
        expected = error.get("ctx", {}).get("expected_tags", "")
        return Problem(
            positions.locate((*loc, "driver")),
            f"{dotted_path((*loc, 'driver'))}: must be one of {expected}, not {shown(error['ctx']['tag'])}",
        )
    dotted = dotted_path(loc)
    if kind == "extra_forbidden":
        key = loc[-1]
        choices = _keys_at(root_model, tuple(error["loc"])[:-1])
        close = difflib.get_close_matches(str(key), choices, n=1)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else (f"known keys here: {', '.join(sorted(choices))}" if choices else "")
        )
        where = dotted_path(loc[:-1]) or "the top level"
        return Problem(positions.locate(loc, at_key=True), f"{where}: unknown key {shown(key)}", hint)
    if kind == "missing":
        parent = dotted_path(loc[:-1]) or "the top level"
        return Problem(positions.locate(loc[:-1]), f"{parent}: missing required key {loc[-1]!r}")
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    message = message.replace("Input should be", "must be").replace("input should be", "must be")
    value = error.get("input")
    hint = ""
    if (
        kind.startswith(("int_", "string_", "bool_", "float_", "dict_", "list_", "model_"))
        and "input" in error
        and not isinstance(value, (dict, list))
    ):
        message += f", not {shown(value)}"
    if kind == "string_type" and isinstance(value, (bool, int, float)):
        hint = (
            f"YAML reads this as {'a boolean' if isinstance(value, bool) else 'a number'} "
            f"({shown(value)}): quote it to mean the text, such as '1.10'"
        )
    elif kind in ("int_type", "float_type") and isinstance(value, bool):
        hint = "true and false are booleans in YAML: give a number"
    return Problem(positions.locate(loc), f"{dotted}: {message}" if dotted else message, hint)


def _keys_at(model: type, loc: tuple[Any, ...]) -> list[str]:
    """The keys a model accepts at `loc` (pydantic's loc, union tags included), for hints."""
    options: list[Any] = [model]
    for part in loc:
        tagged = [m for m in options if _driver_tag(m) == part]
        if tagged:
            options = tagged
            continue
        current = options[0]
        fields = {(f.alias or n): f for n, f in current.model_fields.items()}
        field = fields.get(part)
        if field is None:
            return []
        annotation = field.annotation
        options = [c for c in (annotation, *_flatten(annotation)) if isinstance(c, type) and issubclass(c, BaseModel)]
        if not options:
            return []
    return [(f.alias or n) for n, f in options[0].model_fields.items()]


def _driver_tag(model: type) -> str | None:
    field = getattr(model, "model_fields", {}).get("driver")
    args: tuple[Any, ...] = getattr(field.annotation, "__args__", ()) if field else ()
    return str(args[0]) if len(args) == 1 else None


def _flatten(annotation: Any) -> list[Any]:
    """Every type inside unions and Annotated[...] wrappers."""
    found = []
    for arg in getattr(annotation, "__args__", ()) or ():
        found.append(arg)
        found.extend(_flatten(arg))
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        found.append(origin)
    return found
