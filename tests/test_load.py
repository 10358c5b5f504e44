"""Loading YAML: positions, and the faults of the file itself."""

from __future__ import annotations

import pytest
from ruamel.yaml.error import YAMLError

from regc import yamlread
from regc.envspec.load import MAX_NODES, parse_yaml
from regc.errors import SpecError
from regc.yamlread import MAX_DEPTH


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


# Nesting: ruamel's loaders recurse once per level (the C one overflows the C stack past about 20,000
# levels, the round-trip one raises RecursionError past about 240), so regc refuses, located, what
# nests deeper than MAX_DEPTH (100): the root mapping is level 1, the first collection below it 2.
DEEP = 5000
BLOCK_DEEP = 2000  # its text grows with the square of the depth: 2 MB
DEEPER_THAN_THE_LIMIT = {
    "flow sequences": ("a: " + "[" * DEEP + "]" * DEEP + "\n", "1:103"),
    "flow mappings": ("a: " + "{a: " * DEEP + "x" + "}" * DEEP + "\n", "1:400"),
    "block mappings": (
        "a:\n" + "".join(" " * i + "a:\n" for i in range(1, BLOCK_DEEP)) + " " * BLOCK_DEEP + "x\n",
        "101:101",
    ),
    "block sequences": ("a:\n" + "".join(" " * i + "-\n" for i in range(1, BLOCK_DEEP)), "101:101"),
    "compact sequences": ("a:\n- " + "- " * DEEP + "x\n", "2:199"),
    "brackets never closed": ("a: " + "[" * DEEP + "\n", "1:103"),
    "closers in quoted strings": ("a: " + '["]]}}", ' * DEEP + "]" * DEEP + "\n", "1:895"),
    "closers in comments": ("a: " + "[ # ]]] }}}\n" * DEEP + "]" * DEEP + "\n", "100:1"),
    "anchors": ("a: " + "&x [" * DEEP + "]" * DEEP + "\n", "1:400"),
    "anchors that only ruamel reads": ("a: " + "&x[" * DEEP + "]" * DEEP + "\n", "1:301"),
    "windows line ends": ("a:\r\n" + "".join(" " * i + "a:\r\n" for i in range(1, 200)), "101:101"),
    "old mac line ends": ("a:\r" + "".join(" " * i + "a:\r" for i in range(1, 200)), "101:101"),
}


def assert_short(message: str, text: str) -> None:
    """One located line and its hint, quoting no line of the input."""
    assert len(message.splitlines()) <= 2 and len(message) < 300, message
    for line in text.splitlines():
        assert len(line.strip()) < 12 or line.strip() not in message, line


@pytest.mark.parametrize("text, location", DEEPER_THAN_THE_LIMIT.values(), ids=DEEPER_THAN_THE_LIMIT.keys())
def test_nesting_deeper_than_the_limit_is_refused_where_it_starts(text: str, location: str):
    message = problem(text)
    assert message.startswith(f"environments/x.yaml:{location}: nested deeper than {MAX_DEPTH} levels\n  hint: ")
    assert_short(message, text)


@pytest.mark.parametrize("text, location", DEEPER_THAN_THE_LIMIT.values(), ids=DEEPER_THAN_THE_LIMIT.keys())
def test_the_fast_reader_refuses_the_same_nesting(text: str, location: str):
    """What regc and sops wrote, secrets files, manifests and .sops.yaml are read by the C loader."""
    with pytest.raises(YAMLError) as caught:
        yamlread.load_all(text)
    mark = caught.value.problem_mark
    assert f"{mark.line + 1}:{mark.column + 1}" == location
    assert f"nested deeper than {MAX_DEPTH} levels" in str(caught.value)


@pytest.mark.parametrize("loader", [lambda t: parse_yaml(t, "f.yaml").data, yamlread.load])
def test_nesting_up_to_the_limit_is_read(loader):
    deepest = "a: " + "[" * (MAX_DEPTH - 1) + "x" + "]" * (MAX_DEPTH - 1) + "\n"
    node = loader(deepest)["a"]
    for _ in range(MAX_DEPTH - 2):
        node = node[0]
    assert node == ["x"]
    assert loader("a: [" + "{}, " * 500 + "[" * 90 + "]" * 91 + "\n") is not None  # many, but not nested


def test_aliases_cannot_nest_past_the_limit():
    lines = ["a: &a " + "[" * 60 + "x" + "]" * 60]
    lines += [
        f"{name}: &{name} " + "[" * 60 + f"*{previous}" + "]" * 60 for previous, name in zip("ab", "bc", strict=True)
    ]
    message = problem("\n".join(lines) + "\n")
    assert message.startswith("environments/x.yaml:1:")
    assert f"nests deeper than {MAX_DEPTH} levels through aliases" in message
    assert_short(message, "\n".join(lines))


@pytest.mark.parametrize(
    "text, location",
    [
        ("%YAML 1.1\n---\nregistry:\n  enabled: yes\n", "1:1"),
        ("%YAML 1.1\r\n---\r\nenabled: on\r\n", "1:1"),
        ("# a comment\n%YAML 1.1 # old\n---\nenabled: yes\n", "2:1"),
        ("%YAML 1.3\n---\nenabled: yes\n", "1:1"),  # ruamel's own parser fails an assertion on it
        ("a: 1\n...\n%YAML 1.1\n---\nb: no\n", "3:1"),
    ],
)
def test_a_yaml_directive_other_than_1_2_is_refused(text: str, location: str):
    """Under YAML 1.1 `yes`, `no`, `on` and `off` are booleans; read as YAML 1.2 (ruamel's C loader
    does) they would be strings, under 1.1 rules (its round-trip loader) true: neither, silently."""
    message = problem(text)
    version = "1.3" if "1.3" in text else "1.1"
    assert message.startswith(f"environments/x.yaml:{location}: a %YAML {version} directive: regc reads YAML 1.2 only")
    assert "remove the %YAML line, and write true or false" in message
    assert_short(message, text)
    with pytest.raises(YAMLError) as caught:
        yamlread.load_all(text)
    assert f"{caught.value.problem_mark.line + 1}:{caught.value.problem_mark.column + 1}" == location


def test_a_yaml_1_2_directive_is_read():
    assert parse_yaml("%YAML 1.2\n---\nenabled: yes\n", "f.yaml").data == {"enabled": "yes"}
    assert yamlread.load("%YAML 1.2\n---\nenabled: yes\n") == {"enabled": "yes"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: *" + "x" * 300 + "\n", "environments/x.yaml:1:4: not valid YAML: found undefined alias"),
        ("k" * 300 + ": 1\n" + "k" * 300 + ": 2\n", "environments/x.yaml:2:1: duplicate key 'kkkk"),
        ('"a\\nb": 1\n"a\\nb": 2\n', "environments/x.yaml:2:1: duplicate key 'a\\nb'"),
        ("? [a, b]\n: 1\n", "environments/x.yaml:1:3: keys must be strings, not list\n"),
        ("? {a: b}\n: 1\n", "environments/x.yaml:1:3: keys must be strings, not mapping\n"),
    ],
)
def test_parser_messages_stay_on_one_short_line(text: str, expected: str):
    message = problem(text)
    assert message.startswith(expected)
    assert_short(message, text)
