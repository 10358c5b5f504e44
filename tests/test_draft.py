"""Spec data built through the model (regc.envspec.draft), as the importers build it: the keys given,
named as the file names them, nothing the writer did not say, and the loader still the judge of the
values."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import SecretStr

import regc
from regc import yamltext
from regc.envspec import model
from regc.envspec.draft import NOT_GIVEN, data, environment, fields_of, fill, merge
from regc.envspec.parse import read_environment
from regc.errors import SpecError
from regc.secrets.document import S3Credentials, SecretsFile
from regc.world import MemoryFiles


def test_a_part_is_the_keys_given_by_the_names_of_the_file_its_own_before_its_kins():
    storage = model.S3Storage.model_construct(
        driver="s3",
        bucket="images",
        delete=True,
        read_only=NOT_GIVEN,
        regionendpoint=None,
        credentials_secret=model.CredentialsSecret.model_construct(name="keys", access_key_key="id"),
    )
    found = data(storage)
    assert found == {
        "driver": "s3",
        "bucket": "images",
        "credentialsSecret": {"name": "keys", "accessKeyKey": "id"},
        "delete": True,
    }
    assert list(found) == ["driver", "bucket", "credentialsSecret", "delete"]  # the S3 keys, then the storage's
    assert data(model.Service.model_construct(load_balancer_ip="10.0.0.9")) == {"loadBalancerIP": "10.0.0.9"}


def test_a_part_that_says_nothing_is_not_given_but_a_list_keeps_its_entries():
    env = environment(namespace="ci", scheduling=model.Scheduling.model_construct(tolerations=NOT_GIVEN))
    assert data(env) == {"apiVersion": "regc/v1", "kind": "Environment", "namespace": "ci"}
    volumes = [model.ExtraVolume.model_construct(name="a", mount_path="/a", empty_dir=True)]
    assert data(model.Extras.model_construct(volumes=volumes)) == {
        "volumes": [{"name": "a", "mountPath": "/a", "emptyDir": True}]
    }


def test_merge_adds_a_part_into_the_mappings_it_meets_and_fill_adds_only_what_is_missing():
    spec = data(environment(namespace="ci", registry=model.Registry.model_construct(image="registry:2.8.3")))
    merge(spec, environment(registry=model.Registry.model_construct(log_level="debug"), insecure=True))
    assert spec["registry"] == {"image": "registry:2.8.3", "logLevel": "debug"}
    assert spec["insecure"] is True and spec["namespace"] == "ci"
    fill(spec, {"registry": {"image": "registry:3.0.0", "replicas": 2}, "namespace": "other", "labels": {"a": "b"}})
    assert spec["registry"] == {"image": "registry:2.8.3", "logLevel": "debug", "replicas": 2}  # the first word stays
    assert spec["namespace"] == "ci" and spec["labels"] == {"a": "b"}


def test_keys_read_at_run_time_must_be_the_parts_or_the_writer_is_told():
    assert fields_of(model.S3Storage, {"bucket": "b", "credentialsSecret": {}}) == {
        "bucket": "b",
        "credentialsSecret": {},
    }
    with pytest.raises(RuntimeError, match="S3Storage has no forcepathstyle"):
        fields_of(model.S3Storage, {"bucket": "b", "forcepathstyle": True})


def test_values_are_not_judged_on_the_way_the_loader_judges_them_with_their_place():
    wrong = environment(namespace="ci", metrics=model.Metrics.model_construct(enabled=True, port="http"))
    files, path = MemoryFiles(), Path("/r/environments/ci.yaml")
    files.write(path, yamltext.dump(data(wrong)).encode())
    with pytest.raises(SpecError) as raised:
        read_environment(path, "environments/ci.yaml", files)
    assert "metrics.port" in str(raised.value) and "environments/ci.yaml:" in str(raised.value)


def test_the_secrets_file_is_built_through_its_own_model_and_its_secrets_written_as_values():
    part = SecretsFile.model_construct(
        hashes={"alice": SecretStr("$2y$05$hash")}, s3=S3Credentials.model_construct(access_key=SecretStr("AKIA"))
    )
    assert "AKIA" not in repr(part)  # the values never print on the way
    assert data(part) == {"hashes": {"alice": "$2y$05$hash"}, "s3": {"accessKey": "AKIA"}}
    assert fields_of(S3Credentials, {"secretKey": "x"}) == {"secretKey": "x"}


SPEC_DATA = ("spec", "ours", "secrets")  # the importers' names of a spec and a secrets file being written


def test_no_importer_writes_a_key_of_the_spec_by_its_name():
    """The importers write no key of a spec or a secrets file by its name (`spec["storage"] = {...}`,
    `spec.setdefault("extras", {})`): every part goes through its model
    (`merge(spec, environment(storage=...))`), where mypy checks the keys. Data already built
    through the model may move between drafts by the keys it has (`ours[key] = value`)."""
    by_name = []
    for path in sorted((Path(regc.__file__).parent / "adopt").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            for target in node.targets if isinstance(node, ast.Assign) else []:
                if isinstance(target, ast.Subscript) and _named(target.slice) and _in_a_spec(target.value):
                    by_name.append(f"{path.name}:{node.lineno}: {ast.unparse(target)} =")
            if _a_setdefault(node) and _named(node.args[0]) and _in_a_spec(node.func.value):
                by_name.append(f"{path.name}:{node.lineno}: {ast.unparse(node.func)}({ast.unparse(node.args[0])}, ...)")
    assert not by_name, by_name


def _a_setdefault(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "setdefault"


def _named(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _in_a_spec(node: ast.expr) -> bool:
    """`spec`, `self.out.spec`, `secrets`... or anything inside them (`spec["registry"]`, `spec.get(...)`)."""
    while isinstance(node, (ast.Subscript, ast.Call, ast.Attribute)):
        if isinstance(node, ast.Attribute) and node.attr in SPEC_DATA:
            return True
        node = node.value if not isinstance(node, ast.Call) else node.func
    return isinstance(node, ast.Name) and node.id in SPEC_DATA
