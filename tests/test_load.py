"""Loading YAML: positions, and the faults of the file itself."""

from __future__ import annotations

import pytest

from regc.errors import SpecError
from regc.spec.load import MAX_NODES, parse_yaml


def problem(text: str) -> str:
    with pytest.raises(SpecError) as caught:
        parse_yaml(text, "environments/x.yaml")
    return str(caught.value)


def test_positions_of_keys_and_values():
    document = parse_yaml("a: 1\nb:\n  c: [1, 2]\n  d: x\n", "f.yaml")
    assert document.data == {"a": 1, "b": {"c": [1, 2], "d": "x"}}
    assert document.positions.values[("b", "d")] == (4, 6)
    assert document.positions.keys[("b", "d")] == (4, 3)
    assert document.positions.values[("b", "c", 1)] == (3, 10)
    assert str(document.positions.locate(("b", "d", "deeper"))) == "f.yaml:4:6"


def test_duplicate_key():
    assert problem("namespace: a\nnamespace: b\n").startswith("environments/x.yaml:2:1: duplicate key 'namespace'")


def test_billion_laughs_is_refused_quickly():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=False):
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]")
    message = problem("\n".join(lines) + "\n")
    assert f"expands to more than {MAX_NODES} nodes through aliases" in message


@pytest.mark.parametrize(
    "text, message",
    [
        ("- a\n- b\n", "environments/x.yaml:1:1: the top level must be a mapping, not a list"),
        ("just text\n", "the top level must be a mapping, not a string"),
        ("", "the file is empty"),
        ("a: 1\n---\nb: 2\n", "more than one YAML document"),
        ("a: [1\n", "environments/x.yaml:2:1: not valid YAML"),
        ("1: one\n", "keys must be strings"),
    ],
)
def test_file_level_faults(text, message):
    assert message in problem(text)
