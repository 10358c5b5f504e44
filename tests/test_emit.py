"""Deterministic emission: YAML 1.1-safe quoting, literal blocks, no folding; refused API versions."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from regc import yamltext
from regc.emit.apis import check_emittable
from regc.emit.patch import object_patch
from regc.errors import RegcError

YAML11_TRAPS = [
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Y",
    "N",
    "true",
    "False",
    "null",
    "~",
    "12:30",
    "1:20:30",
    "0x1F",
    "0b101",
    "1e3",
    ".5",
    "-1",
    "2024-01-01",
    "=",
    ".inf",
    "",
]


@pytest.mark.parametrize("text", YAML11_TRAPS)
def test_strings_a_yaml_1_1_reader_would_misread_are_quoted(text):
    dumped = yamltext.dump({"value": text})
    assert dumped == f'value: "{text}"\n'
    yaml11 = YAML(typ="safe", pure=True)
    yaml11.version = (1, 1)
    assert yaml11.load(dumped) == {"value": text}


def test_plain_strings_stay_plain_and_long_lines_are_not_folded():
    long_value = "word " * 60 + "end"
    dumped = yamltext.dump({"image": "registry:2.8.3", "version": "2.8.3", "long": long_value})
    assert dumped.splitlines()[:2] == ["image: registry:2.8.3", "version: 2.8.3"]
    assert len(dumped.splitlines()) == 3


def test_multiline_strings_are_literal_blocks_and_key_order_is_kept():
    dumped = yamltext.dump({"kind": "ConfigMap", "apiVersion": "v1", "data": {"config.yml": "a: 1\nb: 2\n"}})
    assert dumped == "kind: ConfigMap\napiVersion: v1\ndata:\n  config.yml: |\n    a: 1\n    b: 2\n"


@pytest.mark.parametrize("api", ["apps/v1beta2", "apps/v1beta1", "extensions/v1beta1"])
def test_removed_api_versions_cannot_be_emitted(api):
    with pytest.raises(RegcError, match="that API was removed in Kubernetes"):
        check_emittable({"apiVersion": api, "kind": "Deployment", "metadata": {"name": "registry"}})


@pytest.mark.parametrize(
    "kind, name", [("Service", "registry.svc"), ("ConfigMap", "Registry"), ("Deployment", "a" * 254)]
)
def test_names_kubernetes_would_reject_are_refused(kind, name):
    api = "apps/v1" if kind == "Deployment" else "v1"
    with pytest.raises(RegcError, match="Kubernetes would reject the name"):
        check_emittable({"apiVersion": api, "kind": kind, "metadata": {"name": name}})


def test_patch_of_named_lists_merges_by_key_and_replaces_otherwise():
    base = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "r", "labels": {"a": "1"}},
        "spec": {"containers": [{"name": "c", "image": "x:1", "ports": [{"containerPort": 1}]}]},
    }
    target = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "r"},
        "spec": {"containers": [{"name": "c", "image": "x:2", "ports": [{"containerPort": 2}]}]},
    }
    assert object_patch(base, target) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "r", "labels": None},
        "spec": {"containers": [{"name": "c", "image": "x:2", "ports": [{"$patch": "replace"}, {"containerPort": 2}]}]},
    }
    assert object_patch(base, base) is None


AWKWARD = [
    "yes",
    "12:30",
    "",
    " leading",
    "trailing ",
    "a: b",
    "a #b",
    "#c",
    "-dash",
    "- item",
    "?q",
    "*star",
    "&anchor",
    "!tag",
    "%pct",
    "@at",
    "`tick",
    "{x}",
    "[y]",
    "a,b",
    "quote'single",
    'quote"double',
    "tab\there",
    "ctl\x01",
    "é unicode",
    "line\n",
    "two\nlines",
    "no end\nnewline",
    "many\n\n\n",
    "\nleading newline",
    "spaces at end \nx\n",
    "x" * 300,
    "0o17",
    "0x1F",
    "1_000",
    "-.inf",
    ".NaN",
    "~",
    "null",
    "<<",
    "=",
    "2024-01-01T00:00:00Z",
    "http://a:1/b",
    "$(VAR)",
    "./rel",
    "/abs",
]


@pytest.mark.parametrize("version", [(1, 1), (1, 2)])
def test_everything_emitted_reads_back_the_same(version):
    document = {
        "strings": AWKWARD,
        "nested": {
            "list": [{"a": 1, "b": [1, 2.5, None, True, False]}, [3, []], {}],
            "empty": {},
            "keys": {k: k for k in AWKWARD if "\n" not in k},
        },
    }
    reader = YAML(typ="safe", pure=True)
    reader.version = version
    assert reader.load(yamltext.dump(document)) == document


def test_the_compiled_tree_reads_back_as_yaml_1_1():
    from tests.conftest import REPO

    reader = YAML(typ="safe", pure=True)
    reader.version = (1, 1)
    for path in [*(REPO / "base").rglob("*.yaml"), *(REPO / "overlays").rglob("*.yaml")]:
        for document in reader.load_all(path.read_text()):
            assert isinstance(document, dict), path
            assert all(isinstance(key, str) for key in document), path
