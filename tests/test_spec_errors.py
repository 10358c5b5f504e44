"""Bad input: each error is located, says what to do, exits 2, shows no traceback, writes nothing."""

from __future__ import annotations

import pytest

from tests.conftest import Result
from tests.memory import Build, MemoryRepo

CASES = [
    (
        "replicas",
        "registry:\n  replicas: 0\n",
        "environments/bad.yaml:4:13: registry.replicas: must be greater than or equal to 1",
    ),
    (
        "unknown key with suggestion",
        "registry:\n  replcas: 2\n",
        "environments/bad.yaml:4:3: registry: unknown key 'replcas'\n  hint: did you mean 'replicas'?",
    ),
    (
        "unknown top-level key",
        "namespce: x\n",
        "environments/bad.yaml:3:1: the top level: unknown key 'namespce'\n  hint: did you mean 'namespace'?",
    ),
    (
        "namespace not a DNS label",
        "namespace: Kube_Registry\n",
        "environments/bad.yaml:3:12: namespace: 'Kube_Registry' is not a DNS label",
    ),
    (
        "unpinned image",
        "registry:\n  image: registry:latest\n",
        "environments/bad.yaml:4:10: registry.image: 'registry:latest' is not pinned",
    ),
    ("image without tag", "registry:\n  image: registry\n", "is not pinned"),
    (
        "an escape that is half a character",
        'labels: {team: "a\\ud800"}\n',
        "environments/bad.yaml:3:16: labels.team: a \\u escape that is no character (U+D800, half of a pair)",
    ),
    (
        "bad quantity",
        "storage:\n  size: ten\n",
        "environments/bad.yaml:4:9: storage.size: 'ten' is not a Kubernetes quantity",
    ),
    (
        "bad duration",
        "registry:\n  healthCheck:\n    storageDriver:\n      interval: often\n",
        "environments/bad.yaml:6:17: registry.healthCheck.storageDriver.interval: 'often' is not a duration",
    ),
    ("bad literal", "registry:\n  logLevel: loud\n", "registry.logLevel: must be 'error', 'warn', 'info' or 'debug'"),
    ("wrong type", "registry:\n  replicas: many\n", "registry.replicas: must be a valid integer"),
    ("label value", "labels:\n  team: 'has space'\n", "is not a label value"),
    ("label key", "labels:\n  'bad key': x\n", "is not a label key"),
    (
        "rwo replicas",
        "registry:\n  replicas: 3\n",
        "environments/bad.yaml:4:13: registry.replicas: 3 replicas cannot share a ReadWriteOnce volume",
    ),
    (
        "node port on ClusterIP",
        "service:\n  nodePort: 30500\n",
        "service.nodePort: a ClusterIP Service has no node port",
    ),
    (
        "node port out of range",
        "service:\n  type: NodePort\n  nodePort: 80\n",
        "service.nodePort: must be greater than or equal to 30000",
    ),
    ("duplicate key", "namespace: a\nnamespace: b\n", "environments/bad.yaml:4:1: duplicate key 'namespace'"),
]


@pytest.mark.parametrize("body, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_spec_is_located_and_writes_nothing(memory: MemoryRepo, body: str, message: str):
    assert memory.build().code == 0
    before = memory.tree()
    memory.write_spec("bad", body)
    result = memory.build()
    assert result.code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert memory.tree() == before


def test_several_errors_reported_together_in_file_order(memory: MemoryRepo):
    memory.write_spec("bad", "namespace: UPPER\nregistry:\n  replicas: 0\n  logLevel: loud\nstorage:\n  size: x\n")
    result = memory.build("bad")
    assert result.code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("environments/")]
    assert [line.split(":")[1] for line in lines] == ["3", "5", "6", "8"]


def test_errors_of_several_files_reported_together(memory: MemoryRepo):
    memory.write_spec("bad1", "registry:\n  replicas: 0\n")
    memory.write_spec("bad2", "namespace: UPPER\n")
    result = memory.build()
    assert result.code == 2
    assert "environments/bad1.yaml:4:13" in result.stderr
    assert "environments/bad2.yaml:3:12" in result.stderr


def test_environment_name_must_be_a_dns_label(memory: MemoryRepo):
    memory.write_spec("Prod_EU", "")
    result = memory.build()
    assert result.code == 2
    assert "environments/Prod_EU.yaml:1:1: environment name: 'Prod_EU' is not a DNS label" in result.stderr
    assert "rename the file" in result.stderr


def test_missing_header(memory: MemoryRepo):
    memory.write("environments/bad.yaml", "namespace: x\n")
    result = memory.build("bad")
    assert result.code == 2
    assert "the top level: missing required key 'apiVersion'" in result.stderr
    assert "the top level: missing required key 'kind'" in result.stderr


def test_wrong_api_version(memory: MemoryRepo):
    memory.write("environments/bad.yaml", "apiVersion: regc/v0\nkind: Environment\n")
    result = memory.build("bad")
    assert result.code == 2
    assert "environments/bad.yaml:1:13: apiVersion: must be 'regc/v1'" in result.stderr


def test_missing_spec_file(memory: MemoryRepo):
    result = memory.run("build", "environments/nope.yaml")
    assert result.code == 2
    assert "environments/nope.yaml: no such file" in result.stderr


def test_no_environments_folder():
    result = MemoryRepo(examples=False).run("build")
    assert result.code == 1
    assert "no environments/ folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_alias_bomb_through_the_cli(memory: MemoryRepo):
    lines = ["apiVersion: regc/v1", "kind: Environment", "labels:", "  a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdefg", "bcdefgh", strict=False):
        lines.append(f"  {name}: &{name} [{', '.join(['*' + previous] * 10)}]")
    memory.write("environments/bomb.yaml", "\n".join(lines) + "\n")
    result = memory.build("bomb")
    assert result.code == 2
    assert "through aliases" in result.stderr


DEEP = 5000
BLOCK_DEEP = 2000  # its text grows with the square of the depth: 2 MB
UNREAD = {
    "flow sequences": ("labels: " + "[" * DEEP + "]" * DEEP + "\n", "3:108", "nested deeper than 100 levels"),
    "flow mappings": ("labels: " + "{a: " * DEEP + "x" + "}" * DEEP + "\n", "3:405", "nested deeper than 100 levels"),
    "block mappings": (
        "labels:\n" + "".join(" " * i + "a:\n" for i in range(1, BLOCK_DEEP)) + " " * BLOCK_DEEP + "x\n",
        "103:101",
        "nested deeper than 100 levels",
    ),
    "block sequences": (
        "labels:\n" + "".join(" " * i + "-\n" for i in range(1, BLOCK_DEEP)),
        "103:101",
        "nested deeper than 100 levels",
    ),
}


def short_and_located(result: Result | Build, where: str, message: str) -> None:
    """Exit 2, one located line and its hint: no traceback, no line of the input."""
    assert result.code == 2, result.stderr[-500:]
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{where}: {message}"), lines[:2]
    assert len(lines) <= 2 and len(result.stderr) < 400, result.stderr[:500]


@pytest.mark.parametrize("body, location, message", UNREAD.values(), ids=UNREAD.keys())
def test_a_spec_nested_thousands_deep_is_refused_where_it_passes_the_limit(
    memory: MemoryRepo, body: str, location: str, message: str
):
    memory.write("environments/deep.yaml", "apiVersion: regc/v1\nkind: Environment\n" + body)
    result = memory.build("deep")
    short_and_located(result, f"environments/deep.yaml:{location}", message)
    assert "flatten the data" in result.stderr
    assert not any(n.startswith("overlays/deep/") for n in memory.tree())


def test_a_spec_in_yaml_1_1_is_refused_not_read_otherwise(memory: MemoryRepo):
    """`%YAML 1.1` makes `yes` a boolean: regc reads YAML 1.2, where it is the string 'yes'. Neither
    reading may pass silently."""
    memory.write(
        "environments/old.yaml",
        "%YAML 1.1\n---\napiVersion: regc/v1\nkind: Environment\ninsecure:\n  allowPlainHttp: yes\n",
    )
    result = memory.build("old")
    short_and_located(result, "environments/old.yaml:1:1", "a %YAML 1.1 directive: regc reads YAML 1.2 only")
    assert "remove the %YAML line, and write true or false" in result.stderr


@pytest.mark.parametrize(
    "shared, location, message",
    [
        ("registry:\n  x: " + "[" * DEEP + "]" * DEEP + "\n", "2:104", "nested deeper than 100 levels"),
        ("%YAML 1.1\n---\nregistry:\n  replicas: 1\n", "1:1", "a %YAML 1.1 directive"),
    ],
    ids=["nested", "yaml-1.1"],
)
def test_a_shared_file_that_regc_does_not_read_is_located_in_it(
    memory: MemoryRepo, shared: str, location: str, message: str
):
    memory.write("environments/shared/odd.yaml", shared)
    memory.write_spec("fleet", "extends: shared/odd.yaml\nnamespace: fleet\n")
    result = memory.build("fleet")
    short_and_located(result, f"environments/shared/odd.yaml:{location}", message)


def test_keys_of_the_input_are_quoted_on_one_line(memory: MemoryRepo):
    long_key = "k" * 300
    memory.write_spec("keys", f'labels: {{"a\\nb": x, "{long_key}": y}}\nregistry: {{"c\\nd": 1}}\n')
    result = memory.build("keys")
    assert result.code == 2 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert all(line.startswith(("environments/keys.yaml:", "  hint: ")) for line in lines), lines
    assert "labels.'a\\nb'.[key]: 'a\\nb' is not a label key" in result.stderr
    assert "registry: unknown key 'c\\nd'" in result.stderr
    assert long_key not in result.stderr and "(302 characters)" in result.stderr
