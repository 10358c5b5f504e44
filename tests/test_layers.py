"""The pipeline's layers call downwards only: each module imports from its own layer or the ones
below it, never from a later stage (the import graph, read from the source)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "compiler" / "regc"
# Lowest first. A module may import from its own layer and every layer before it.
LAYERS = [
    {
        "errors",
        "kube",
        "layout",
        "files",
        "world",
        "statcache",
        "yamlread",
        "yamltext",
        "tools",
        "distribution",
        "__init__",
        "__version__",
    },
    {"cache"},
    {"envspec"},
    {"plan"},
    {"secrets"},
    {"render"},
    {"emit"},
    {"write"},
    {"report", "footprint", "compiler", "topology"},
    {"commands", "adopt"},
    {"console", "cli", "__main__", "docgen"},
]


def _layer(module: str) -> int:
    top = module.split(".", maxsplit=1)[0]
    for index, names in enumerate(LAYERS):
        if top in names:
            return index
    raise AssertionError(f"regc.{module} belongs to no layer: add it to LAYERS")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("regc"):
            found.add(node.module.removeprefix("regc").lstrip("."))
            if node.module == "regc":
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("regc.") for a in node.names if a.name.startswith("regc."))
    return {name for name in found if name}


def _own(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def test_every_module_imports_only_its_own_layer_or_lower_ones():
    upward = [
        f"regc.{_own(path)} imports regc.{name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for name in sorted(_imports(path))
        if _layer(name) > _layer(_own(path))
    ]
    assert upward == []


# Stages side by side: each reads the plan, neither reads the other (the compiler hands the secrets
# stage's products to the renderers as data).
SIBLINGS = [("render", "secrets")]


def test_sibling_stages_do_not_import_each_other():
    sideways = [
        f"regc.{_own(path)} imports regc.{name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for name in sorted(_imports(path))
        for pair in SIBLINGS
        if _own(path).split(".")[0] in pair
        and name.split(".")[0] in pair
        and name.split(".")[0] != _own(path).split(".")[0]
    ]
    assert sideways == []


def test_the_check_sees_an_upward_import(tmp_path: Path):
    module = tmp_path / "rules.py"
    module.write_text("from regc.render.deployment import deployment\n")
    assert _imports(module) == {"render.deployment"}
    assert _layer("render.deployment") > _layer("plan.rules")


def _module_edges(path: Path) -> set[str]:
    """The regc modules a module imports (at any depth of its code, type-checking imports too):
    `from regc.x import y` counts as regc.x.y when y is a module, else as regc.x."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "regc":
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if _module_file(child) else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "regc")
    return {name for name in found if _module_file(name)}


def _module_file(name: str) -> Path | None:
    parts = name.split(".")[1:]
    for candidate in (PACKAGE.joinpath(*parts).with_suffix(".py"), PACKAGE.joinpath(*parts, "__init__.py")):
        if parts and candidate.is_file():
            return candidate
    return None


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each import circle once, found by a depth-first walk."""
    found, done = [], set()

    def walk(module: str, path: list[str]) -> None:
        if module in path:
            circle = path[path.index(module) :]
            if not any(set(circle) == set(c) for c in found):
                found.append([*circle, module])
            return
        if module in done:
            return
        for imported in sorted(edges.get(module, ())):
            walk(imported, [*path, module])
        done.add(module)

    for module in sorted(edges):
        walk(module, [])
    return found


def test_no_import_circle_anywhere_in_the_package():
    edges = {
        "regc." + _own(path).removesuffix(".__init__"): _module_edges(path) for path in sorted(PACKAGE.rglob("*.py"))
    }
    assert sum(len(imported) for imported in edges.values()) > 300  # the whole package was read
    assert _cycles(edges) == []


def test_the_circle_check_sees_a_circle():
    assert _cycles({"regc.a": {"regc.b"}, "regc.b": {"regc.c"}, "regc.c": {"regc.a"}}) == [
        ["regc.a", "regc.b", "regc.c", "regc.a"]
    ]
