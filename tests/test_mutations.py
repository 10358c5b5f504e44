"""A property of the whole build: the example specs mutated at random (types, values, deletions, unknown
keys, YAML oddities) give exit 0 with a valid tree, or exit 2 with located messages; never a traceback,
and a failed build leaves the tree as it was. In memory (tests/memory.py): the objects as kustomize
builds them, held to Kubernetes' and the CRDs' schemas."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tests import kube_schema
from tests.conftest import EXAMPLES
from tests.crd_schema import is_custom, problems
from tests.memory import MemoryRepo

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 2**40),
    st.floats(allow_nan=False, width=32),
    st.text(max_size=12),
    st.sampled_from(["", "yes", "1.10", "12:30", "~", "-1", "registry:2", "0x1F", ".inf", "a" * 300]),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(max_size=6), SCALARS, max_size=2))
ODDITIES = st.sampled_from(
    [
        "",
        "\t",
        "&a [1]",
        "*nowhere",
        "{",
        "key: [",
        "\x07",
        "---\nb: 1",
        "!!python/object:os.system x",
        "<<: *x",
        "? complex\n: key",
    ]
)


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*prefix, index))


def mutate(document: dict, choice: int, action: str, value) -> dict:
    """Replace, delete or add at one of the document's paths (chosen by `choice`)."""
    every = [p for p in paths(document) if p]
    path = every[choice % len(every)]
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "add" and isinstance(parent, dict):
        parent[f"unknown{choice % 7}"] = value
    else:
        parent[last] = value
    return document


@pytest.mark.parametrize("example", ["dev", "prod"])
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_specs_build_or_fail_cleanly(memory: MemoryRepo, example: str, data):
    spec = f"environments/{example}.yaml"
    original = (EXAMPLES / f"{example}.yaml").read_text()
    if not memory.tree():
        assert memory.build().code == 0
    yaml = YAML(typ="safe", pure=True)
    if data.draw(st.booleans(), label="textual"):
        lines = original.splitlines()
        at = data.draw(st.integers(0, len(lines)), label="line")
        text = "\n".join([*lines[:at], data.draw(ODDITIES, label="oddity"), *lines[at:]]) + "\n"
    else:
        document = mutate(
            yaml.load(original),
            data.draw(st.integers(0, 10_000), label="choice"),
            data.draw(st.sampled_from(["replace", "delete", "add"]), label="action"),
            data.draw(VALUES, label="value"),
        )
        buffer = io.StringIO()
        yaml.dump(document, buffer)
        text = buffer.getvalue()
    before = memory.tree()
    memory.write(spec, text)
    try:
        built = memory.build(example)
    finally:
        memory.write(spec, original)
    assert built.code in (0, 2), (built.code, built.stderr[-1500:])
    if built.code == 2:
        assert re.search(rf"environments/{example}\.yaml(:\d+:\d+)?: ", built.stderr), built.stderr[-1500:]
        assert memory.tree() == before
        return
    for obj in built.objects[example]:
        # sops encrypts only the values of data/stringData: without its block, an encrypted Secret has
        # the shape the controller applies.
        obj = {key: value for key, value in obj.items() if key != "sops"}
        if is_custom(obj):
            assert problems(obj) == [], problems(obj)
        else:
            kube_schema.validate(obj)
    assert memory.build(example).code == 0  # back to the example
