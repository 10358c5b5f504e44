"""`regc import helm-values`: a values file of the community chart becomes a spec and an encrypted
secrets file that build, for each storage driver and the proxy mode; htpasswd users keep their
bcrypt hashes; every setting without a place in the spec is reported with its path; no secret ever
reaches the disk in clear or the terminal; unreadable input exits 2."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tests.conftest import REPO, load_yaml_file, run_regc
from tests.hostile_inputs import mutated
from tests.memory import MemoryRepo
from tests.secrets_helpers import decrypt_file

HASH = "$2y$05$" + "Ab0/" * 13 + "a"  # the shape of a bcrypt hash
SECRETS = ("old-http-secret-value", "swift-password-old", "S3SECRETKEYOLD0000000000", "hub-password-old")


@pytest.fixture
def on_disk(tmp_path: Path) -> Path:
    """A repository on disk with the example .sops.yaml: the import sealed by the real sops."""
    shutil.copy(REPO / ".sops.yaml", tmp_path / ".sops.yaml")
    return tmp_path


def _import(root: MemoryRepo, values: str, name: str = "old"):
    root.write("values.yaml", values)
    return root.run(
        "import",
        "helm-values",
        "values.yaml",
        "--name",
        name,
        "--namespace",
        "registry",
        "--chart-version",
        "2.2.2",
    )


def _spec(root: MemoryRepo, name: str = "old") -> dict:
    return root.yaml(f"environments/{name}.yaml")


def _no_secret_in_clear(root: MemoryRepo, result) -> None:
    """No secret in any file the import wrote (sealed by the fake sealer here: test_an_import_on_disk_
    seals_every_secret_with_sops holds the real sops to the same), nor in what it printed."""
    shown = result.stdout + result.stderr
    for path, text in root.memory.files.items():
        if path.name != "values.yaml":
            assert not [s for s in SECRETS if s.encode() in text], path
    assert not [s for s in SECRETS if s in shown]


FILESYSTEM = f"""
image: {{repository: registry, tag: 2.8.3}}
persistence: {{enabled: true, size: 20Gi, storageClass: rbd}}
secrets:
  haSharedSecret: {SECRETS[0]}
  htpasswd: |
    alice:{HASH}
tlsSecretName: registry-tls-old
service: {{type: NodePort, nodePort: 30500}}
"""


def test_a_filesystem_install_maps_whole_and_builds(empty: MemoryRepo):
    result = _import(empty, FILESYSTEM)
    assert result.code == 0, result.stderr
    spec = _spec(empty)
    assert spec["registry"]["image"] == "registry:2.8.3"
    assert spec["storage"] == {
        "driver": "filesystem",
        "size": "20Gi",
        "storageClassName": "rbd",
        "accessMode": "ReadWriteOnce",
    }
    assert spec["auth"] == {"htpasswd": {"users": ["alice"], "realm": "Registry Realm"}}
    assert spec["tls"] == {"certificate": "secret", "secretName": "registry-tls-old"}
    assert spec["service"] == {"type": "NodePort", "nodePort": 30500}
    secrets = empty.secrets_file("old")
    assert secrets == {"httpSecret": SECRETS[0], "hashes": {"alice": HASH}}
    _no_secret_in_clear(empty, result)
    built = empty.run("build")
    assert built.code == 0, built.stderr


def test_an_import_on_disk_seals_every_secret_with_sops(on_disk: Path):
    """The import's contract on disk: the console script, the real sops and the test-only key."""
    (on_disk / "values.yaml").write_text(FILESYSTEM)
    args = ("import", "helm-values", "values.yaml", "--name", "old", "--namespace", "registry")
    result = run_regc(*args, "--chart-version", "2.2.2", cwd=on_disk)
    assert result.code == 0, result.stderr
    secrets = decrypt_file(on_disk / "environments" / "old.secrets.yaml")
    assert secrets == {"httpSecret": SECRETS[0], "hashes": {"alice": HASH}}
    for path in on_disk.rglob("*"):
        if path.is_file() and path.name != "values.yaml":
            assert not [s for s in SECRETS if s.encode() in path.read_bytes()], path
    assert not [s for s in SECRETS if s in result.stdout + result.stderr]
    assert run_regc("build", cwd=on_disk).code == 0


S3 = f"""
storage: s3
s3: {{region: us-east-1, regionEndpoint: 'http://rgw.example:7480', bucket: images, secure: false}}
secrets:
  s3: {{accessKey: OLDACCESSKEY, secretKey: {SECRETS[2]}}}
proxy:
  enabled: true
  remoteurl: https://registry-1.docker.io
  username: hubuser
  password: {SECRETS[3]}
"""


def test_s3_keys_and_a_proxy_login_go_to_the_secrets_file(empty: MemoryRepo):
    result = _import(empty, S3)
    assert result.code == 0, result.stderr
    spec = _spec(empty)
    assert spec["storage"]["driver"] == "s3" and spec["storage"]["regionendpoint"] == "http://rgw.example:7480"
    # The chart renders s3.secure only when true (its `if`): false never reached the registry, so it is
    # not read as a setting; regc derives secure from the endpoint's http:// scheme.
    assert spec["storage"]["credentials"] == "provided" and "secure" not in spec["storage"]
    assert spec["proxy"] == {"remoteurl": "https://registry-1.docker.io", "credentials": True}
    secrets = empty.secrets_file("old")
    assert secrets["s3"] == {"accessKey": "OLDACCESSKEY", "secretKey": SECRETS[2]}
    assert secrets["proxy"] == {"username": "hubuser", "password": SECRETS[3]}
    assert "plain HTTP" in result.stderr  # no tlsSecretName: the chart serves HTTP, and so does the spec
    _no_secret_in_clear(empty, result)
    assert empty.run("build").code == 0


def test_secret_refs_become_references(empty: MemoryRepo):
    values = (
        "storage: s3\ns3: {region: eu-west-1, bucket: images, regionEndpoint: 'https://s3.example'}\n"
        "secrets:\n  s3: {secretRef: bucket-keys}\n"
        "proxy: {enabled: true, secretRef: hub-login}\n"
    )
    result = _import(empty, values)
    assert result.code == 0, result.stderr
    spec = _spec(empty)
    assert spec["storage"]["credentials"] == "secret"
    assert spec["storage"]["credentialsSecret"] == {
        "name": "bucket-keys",
        "accessKeyKey": "s3AccessKey",
        "secretKeyKey": "s3SecretKey",
    }
    assert spec["proxy"]["credentialsSecret"] == {
        "name": "hub-login",
        "usernameKey": "proxyUsername",
        "passwordKey": "proxyPassword",
    }
    assert empty.run("build").code == 0


SWIFT = f"""
storage: swift
swift: {{authurl: 'http://rgw.example:7480/auth/v1', container: images}}
secrets:
  swift: {{username: 'kube:registry', password: {SECRETS[1]}}}
"""


def test_swift_credentials(empty: MemoryRepo):
    result = _import(empty, SWIFT)
    assert result.code == 0, result.stderr
    storage = _spec(empty)["storage"]
    assert storage["username"] == "kube:registry" and storage["container"] == "images"
    assert empty.secrets_file("old")["swift"] == {"password": SECRETS[1]}
    _no_secret_in_clear(empty, result)
    assert empty.run("build").code == 0


def test_what_has_no_place_is_reported_by_path_and_exits_1(empty: MemoryRepo):
    values = (
        "service: {sessionAffinity: ClientIP}\nconfigData:\n  log: {level: debug}\n  compatibility: {x: 1}\n"
        "garbageCollect: {enabled: true}\ninitContainers: [{name: init, image: busybox}]\ncustomThing: 1\n"
    )
    result = _import(empty, values)
    assert result.code == 1
    for line in (
        "values.yaml: service.sessionAffinity: not mapped: regc sets the Service's own",
        "values.yaml: configData.compatibility.x: not mapped: the registry does not read this key (ignored today)",
        "values.yaml: garbageCollect: not mapped: garbage collection must not run while the registry takes pushes",
        "values.yaml: initContainers: not mapped",
        "values.yaml: customThing: not mapped: no key of the regc spec says this",
    ):
        assert line in result.stderr, line
    assert _spec(empty)["registry"]["logLevel"] == "debug"  # what maps is written all the same


AZURE = "storage: azure\nsecrets: {azure: {accountName: acct, accountKey: AZUREKEY0000, container: images}}\n"


def test_an_unmappable_store_writes_nothing_unless_the_loss_is_accepted(empty: MemoryRepo):
    result = _import(empty, AZURE)
    assert result.code == 1
    assert "nothing written: regc cannot express what the registry does today:" in result.stderr
    assert "storage: storage: azure: regc stores on a volume, Swift or S3 (radosgw), not 'azure'" in result.stderr
    assert "--accept-loss storage" in result.stderr and "AZUREKEY0000" not in result.stderr
    assert not empty.exists("environments")
    accepted = empty.run(
        "import", "helm-values", "values.yaml", "--name", "old", "--chart-version", "2.2.2", "--accept-loss", "storage"
    )
    assert accepted.code == 1 and "accepted loss: storage" in accepted.stderr
    assert _spec(empty)["storage"] == {"driver": "filesystem"}
    assert "AZUREKEY0000" not in empty.text("environments/old.secrets.yaml")


def test_broken_input_exits_2_and_an_existing_environment_is_kept(empty: MemoryRepo):
    broken = _import(empty, "image: [\n")
    assert broken.code == 2 and "values.yaml:" in broken.stderr
    assert _import(empty, FILESYSTEM).code == 0
    again = _import(empty, FILESYSTEM)
    assert again.code == 1 and "already exists" in again.stderr


def _stream(objects: list[dict]) -> str:
    """The objects as one YAML stream, in block style as kubectl writes it."""
    import io

    stream = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump_all(objects, stream)
    return stream.getvalue()


def _manifests(root: MemoryRepo, objects: list[dict], *args: str):
    root.write("k8s/registry.yaml", _stream(objects))
    return root.run("import", "manifests", "k8s", *args)


def test_the_guides_rbd_registry_is_adopted_with_its_mistakes_named(empty: MemoryRepo):
    from tests.guide_manifests import PASSWORD, USER, rbd_registry

    objects, old = rbd_registry()
    result = _manifests(empty, objects, "--name", "guide")
    assert result.code == 1, result.stderr  # the Pod and the RBD Secret are not the registry's
    report = result.stderr
    assert "Deployment/kube-registry/registry: apiVersion apps/v1beta2 was removed in Kubernetes 1.16" in report
    assert "manifests: Pod/kube-registry/private-pod: not mapped: not part of the registry regc runs" in report
    assert "manifests: Secret/kube-registry/ceph-secret-kube: not mapped" in report
    spec = _spec(empty, "guide")
    assert spec["namespace"] == "kube-registry" and spec["registry"]["image"] == "registry:2.6"
    assert spec["storage"] == {
        "driver": "filesystem",
        "size": "10G",
        "storageClassName": "rbd",
        "accessMode": "ReadWriteOnce",
    }
    assert spec["auth"] == {"htpasswd": {"users": [USER], "realm": "basic-realm"}}
    assert spec["tls"] == {"certificate": "provided"}
    assert spec["service"] == {"port": 80}
    assert spec["pullSecrets"] == {"user": USER, "namespaces": ["kube-registry"], "name": "registry-login"}
    secrets = empty.secrets_file("guide")
    assert secrets["hashes"] == {USER: old["hash"]}
    assert secrets["users"] == {USER: PASSWORD}  # read from the pull secret, checked against the hash
    assert secrets["tls"] == {"cert": old["cert"], "key": old["key"]}  # kept: clients keep trusting it
    shown = result.stdout + result.stderr
    assert PASSWORD not in shown and "PRIVATE KEY" not in shown
    assert not [p for p, text in empty.memory.files.items() if "environments" in p.parts and PASSWORD.encode() in text]
    built = empty.run("build")
    assert built.code == 0, built.stderr


def test_the_guides_radosgw_front_and_its_swift_secret_under_spec(empty: MemoryRepo):
    from tests.guide_manifests import radosgw_front

    result = _manifests(empty, radosgw_front(), "--name", "swift")
    report = result.stderr
    assert "Secret/registry/registry-cm: its keys are under `spec:`, which a Secret does not have" in report
    assert "the value of swift.password ends in a newline" in report
    spec = _spec(empty, "swift")
    assert spec["radosgw"] == {"hosts": ["192.168.10.200", "192.168.10.201", "192.168.10.202"], "front": "endpoints"}
    assert spec["storage"]["driver"] == "swift" and spec["storage"]["username"] == "kube:registry"
    assert spec["registry"]["replicas"] == 2
    secrets = empty.secrets_file("swift")
    assert secrets["swift"]["password"] == "PHt3hIcjGQsCTkIwaBR9GLsxAjHt1RJoDcArWtc9"  # without the newline
    assert "PHt3hIcj" not in result.stdout + result.stderr


def test_manifests_without_a_registry_write_nothing_and_broken_yaml_exits_2(empty: MemoryRepo):
    result = _manifests(empty, [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}], "--name", "none")
    assert result.code == 1 and "no registry among them: 1 object (ConfigMap)" in result.stderr
    assert not empty.exists("environments")
    empty.write("broken.yaml", "kind: [\n")
    broken = empty.run("import", "manifests", "broken.yaml", "--name", "none")
    assert broken.code == 2 and "broken.yaml:" in broken.stderr


def test_the_diff_against_the_running_objects_shows_what_changes_and_no_secret(on_disk: Path):
    from tests.guide_manifests import PASSWORD, rbd_registry

    objects, old = rbd_registry()
    (on_disk / "k8s").mkdir()
    (on_disk / "k8s" / "registry.yaml").write_text(_stream(objects))
    assert run_regc("import", "manifests", "k8s", "--name", "guide", cwd=on_disk).code == 1
    assert run_regc("build", cwd=on_disk).code == 0
    # kustomize renders the overlay from disk: a contract test of `regc diff` on the real files
    result = run_regc("diff", "--against-manifests", "k8s", "--env", "guide", cwd=on_disk)
    assert result.code == 0, result.stderr
    text = result.stdout
    assert "changed Deployment/kube-registry/registry" in text
    assert "apiVersion: apps/v1beta2 -> apps/v1" in text
    assert "removed Secret/kube-registry/registry-auth" in text  # regc names it registry-htpasswd
    assert "added   Secret/kube-registry/registry-htpasswd" in text
    assert "removed Pod/kube-registry/private-pod" in text
    assert PASSWORD not in text and old["hash"] not in text and "PRIVATE KEY" not in text
    # then the registry's own configuration, read as the registry reads it on both sides
    assert "the registry's configuration (as the registry reads it):" in text
    assert "config.yml http.draintimeout: (unset) -> 45s: regc lets requests in flight finish" in text
    assert "config.yml http.tls" not in text  # kept: regc diff never decrypts, so compared by presence
    markdown = run_regc("diff", "--against-manifests", "k8s", "--env", "guide", "-o", "markdown", cwd=on_disk)
    assert "### Rendered diff against `the objects given (k8s)`" in markdown.stdout
    assert "```mermaid" in markdown.stdout and PASSWORD not in markdown.stdout
    missing = run_regc("diff", "--against-manifests", "k8s", cwd=on_disk)
    assert missing.code == 2 and "--against-manifests needs --env" in missing.stderr


def test_pod_and_container_fields_without_a_place_are_reported(empty: MemoryRepo):
    from tests.guide_manifests import rbd_registry

    objects, _ = rbd_registry()
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    pod["hostNetwork"] = True
    pod["nodeSelector"] = {"disk": "ssd"}
    pod["containers"][0]["args"] = ["serve", "/etc/docker/registry/config.yml"]  # the image's own start
    pod["containers"][0]["livenessProbe"] = {"httpGet": {"path": "/", "port": 5000}}
    result = _manifests(empty, objects, "--name", "fields")
    report = result.stderr
    assert "Deployment/kube-registry/registry: spec.template.spec.hostNetwork: not mapped" in report
    assert "args" not in report  # they start the registry as the image does: nothing differs
    assert "livenessProbe of the registry container: regc writes its own" in report
    assert _spec(empty, "fields")["scheduling"] == {"nodeSelector": {"disk": "ssd"}}


# Hostile input through the console script: the chart's documented values and the guide's objects,
# a value of any shape at any path (tests/hostile_inputs.py; tests/test_import_shapes.py holds the
# importers to it in memory at many more examples). The import answers 0 or 1 with a report (2 for
# text it does not read, such as half a character), never a traceback: the spec it compiles, and
# the check that its every key is the model's, included.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_values_and_objects_never_end_in_a_traceback(empty: MemoryRepo, data):
    import json

    from regc.adopt.chart import defaults
    from tests.guide_manifests import radosgw_front

    values = mutated(defaults("2.2.2"), data)
    for name in ("h1", "m1"):
        for suffix in (".yaml", ".secrets.yaml"):
            if empty.exists(f"environments/{name}{suffix}"):
                empty.remove(f"environments/{name}{suffix}")
    empty.write("values.yaml", json.dumps(values))
    result = empty.run("import", "helm-values", "values.yaml", "--name", "h1", "--chart-version", "2.2.2")
    assert result.code in (0, 1, 2) and "Traceback" not in result.stderr, result.stderr[-2000:]

    objects = mutated(radosgw_front(), data, most=2)
    empty.write("k8s.yaml", "\n---\n".join(json.dumps(o) for o in objects))
    result = empty.run("import", "manifests", "k8s.yaml", "--name", "m1")
    assert result.code in (0, 1, 2) and "Traceback" not in result.stderr, result.stderr[-2000:]


def test_without_a_recipient_nothing_is_written_and_the_fix_is_named(tmp_path: Path):
    (tmp_path / "values.yaml").write_text(f"secrets: {{haSharedSecret: {SECRETS[0]}}}\n")
    result = run_regc("import", "helm-values", "values.yaml", "--name", "x", "--chart-version", "2.2.2", cwd=tmp_path)
    assert result.code == 1 and "run `regc keys init`" in result.stderr
    assert not (tmp_path / "environments").exists() and SECRETS[0] not in result.stdout + result.stderr


def test_a_config_yml_that_is_not_yaml_is_a_located_refusal(empty: MemoryRepo):
    from tests.guide_manifests import rbd_registry

    objects, _ = rbd_registry()
    config = next(o for o in objects if o["kind"] == "ConfigMap" and "config.yml" in o.get("data", {}))
    config["data"]["config.yml"] = "version: 0.1\nstorage:\n  filesystem: [\n"
    result = _manifests(empty, objects, "--name", "broken")
    assert result.code == 1 and "Traceback" not in result.stderr
    assert "key config.yml line 4 column 1): not mapped: the registry does not start with it" in result.stderr
    assert not empty.exists("environments")


def test_a_config_yml_nested_too_deep_is_a_located_refusal(empty: MemoryRepo):
    from tests.guide_manifests import rbd_registry

    objects, _ = rbd_registry()
    config = next(o for o in objects if o["kind"] == "ConfigMap" and "config.yml" in o.get("data", {}))
    config["data"]["config.yml"] = "version: 0.1\nstorage: " + "[" * 5000 + "]" * 5000 + "\n"
    result = _manifests(empty, objects, "--name", "deep")
    assert result.code == 1 and "Traceback" not in result.stderr
    assert "key config.yml line 2 column 109): not mapped: regc does not read it: nested deeper than 100" in (
        result.stderr
    )


def test_the_registry_reads_its_variables_as_its_parser_does(empty: MemoryRepo):
    """REGISTRY_STORAGE=s3 replaces the file's storage (filesystem) before the variables under it
    fill it in; the endpoint of an S3 on MinIO is kept, and so is basic auth set by variables."""
    from tests.guide_manifests import rbd_registry

    objects, _ = rbd_registry()
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [
        {"name": "REGISTRY_STORAGE", "value": "s3"},
        {"name": "REGISTRY_STORAGE_S3_REGIONENDPOINT", "value": "http://minio.minio:9000"},
        {"name": "REGISTRY_STORAGE_S3_BUCKET", "value": "images"},
        {"name": "REGISTRY_STORAGE_S3_REGION", "value": "us-east-1"},
        {"name": "REGISTRY_STORAGE_S3_ACCESSKEY", "value": "MINIOACCESS0"},
        {"name": "REGISTRY_STORAGE_S3_SECRETKEY", "value": "MINIOSECRETKEY0000"},
    ]
    result = _manifests(empty, objects, "--name", "minio")
    assert "Traceback" not in result.stderr, result.stderr
    storage = _spec(empty, "minio")["storage"]
    assert storage["driver"] == "s3" and storage["regionendpoint"] == "http://minio.minio:9000"
    assert _spec(empty, "minio")["auth"]["htpasswd"]["users"]  # the file's auth stays
    assert "MINIOSECRETKEY0000" not in result.stdout + result.stderr
    secrets = empty.secrets_file("minio")
    assert secrets["s3"] == {"accessKey": "MINIOACCESS0", "secretKey": "MINIOSECRETKEY0000"}


def _deployment(env: list[dict] | None = None, mounts: list | None = None, volumes: list | None = None) -> dict:
    container = {"name": "registry", "image": "registry:2.8.3", "env": env or [], "volumeMounts": mounts or []}
    pod = {"containers": [container], "volumes": volumes or []}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "reg", "namespace": "r"},
        "spec": {
            "selector": {"matchLabels": {"app": "reg"}},
            "template": {"metadata": {"labels": {"app": "reg"}}, "spec": pod},
        },
    }


def _ingress(name: str, host: str, tls: bool) -> dict:
    path = {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "reg", "port": {"number": 5000}}}}
    spec: dict = {"ingressClassName": "nginx", "rules": [{"host": host, "http": {"paths": [path]}}]}
    if tls:
        spec["tls"] = [{"hosts": [host], "secretName": f"{name}-tls"}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": "r"},
        "spec": spec,
    }


SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "reg", "namespace": "r"},
    "spec": {"selector": {"app": "reg"}, "ports": [{"port": 5000}]},
}


def test_a_second_ingress_is_reported_and_a_lost_tls_one_blocks_the_write(empty: MemoryRepo):
    """Two Ingresses route to the registry; regc's spec has one: the other is never dropped silently,
    and losing a TLS one writes nothing unless accepted."""
    objects = [
        _deployment(),
        SERVICE,
        _ingress("internal", "reg.internal.lan", False),
        _ingress("public", "reg.example.com", True),
    ]
    result = _manifests(empty, objects, "--name", "two")
    assert "Ingress/r/public: not mapped: a second Ingress to the registry (hosts reg.example.com)" in result.stderr
    assert "nothing written" in result.stderr and "tls: Ingress/r/public: reg.example.com -> (none)" in result.stderr
    assert not empty.exists("environments")


def test_each_loss_is_accepted_by_its_own_name(empty: MemoryRepo):
    """Token auth behind an Ingress (named `registry-oauth`) whose TLS has no Secret: accepting the
    auth loss does not accept the TLS one."""
    env = [
        {"name": "REGISTRY_AUTH", "value": "token"},
        {"name": "REGISTRY_AUTH_TOKEN_REALM", "value": "https://auth.example.com/token"},
        {"name": "REGISTRY_AUTH_TOKEN_SERVICE", "value": "registry"},
        {"name": "REGISTRY_AUTH_TOKEN_ISSUER", "value": "issuer"},
        {"name": "REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE", "value": "/certs/bundle.pem"},
    ]
    ingress = _ingress("registry-oauth", "reg.example.com", True)
    del ingress["spec"]["tls"][0]["secretName"]
    result = _manifests(empty, [_deployment(env), SERVICE, ingress], "--name", "token", "--accept-loss", "auth")
    assert "nothing written" in result.stderr and "  tls: Ingress/r/registry-oauth TLS" in result.stderr
    assert "  auth:" not in result.stderr and not empty.exists("environments")


def test_the_charts_ingress_tls_without_a_secret_is_named_and_blocks_the_write(empty: MemoryRepo):
    """The chart's Ingress with TLS but no Secret serves the controller's default certificate: named as
    the manifests import names it, and a loss until accepted."""
    values = "ingress:\n  enabled: true\n  className: nginx\n  hosts: [reg.example.com]\n"
    values += "  tls:\n  - hosts: [reg.example.com]\n"
    result = _import(empty, values)
    assert "values.yaml: ingress.tls[0]: not mapped: TLS without a Secret (the controller's default certificate)" in (
        result.stderr
    )
    assert "  tls: Ingress/registry/registry-docker-registry TLS" in result.stderr and not empty.exists("environments")


def test_a_rolling_update_field_a_deployment_does_not_have_is_named_not_dropped(empty: MemoryRepo):
    result = _import(empty, "updateStrategy:\n  type: RollingUpdate\n  rollingUpdate: {maxSurge: 1, partition: 1}\n")
    assert "values.yaml: updateStrategy.rollingUpdate.partition: not mapped: a Deployment's rolling update" in (
        result.stderr
    )
    assert _spec(empty)["availability"] == {"rollingUpdate": {"maxSurge": 1}}


def test_template_text_in_a_secrets_data_is_refused_by_object_and_key(empty: MemoryRepo):
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s3", "namespace": "r"},
        "data": {"secretKey": base64.b64encode(b"{{ .Values.minio.secretKey }}").decode()},
    }
    result = _manifests(empty, [_deployment(), secret], "--name", "tpl")
    assert result.code == 2 and "Secret/r/s3 key secretKey:1:1: template text ({{ }}" in result.stderr


def test_credentials_in_the_proxys_url_go_to_the_secrets_file(empty: MemoryRepo):
    env = [{"name": "REGISTRY_PROXY_REMOTEURL", "value": "https://hubuser:HUBPASSWORD0@registry-1.docker.io"}]
    result = _manifests(empty, [_deployment(env)], "--name", "mirror")
    assert "HUBPASSWORD0" not in result.stdout + result.stderr
    assert "HUBPASSWORD0" not in empty.text("environments/mirror.yaml")
    assert _spec(empty, "mirror")["proxy"] == {"remoteurl": "https://registry-1.docker.io", "credentials": True}
    assert empty.secrets_file("mirror")["proxy"] == {
        "username": "hubuser",
        "password": "HUBPASSWORD0",
    }


def test_a_storage_key_of_an_unsupported_driver_is_never_printed(empty: MemoryRepo):
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg", "namespace": "r"},
        "data": {
            "config.yml": "version: 0.1\nstorage:\n"
            "  azure: {accountname: a, accountkey: AZUREACCOUNTKEY0, container: c}\n"
        },
    }
    mounts = [{"name": "cfg", "mountPath": "/etc/docker/registry"}]
    volumes = [{"name": "cfg", "configMap": {"name": "cfg"}}]
    result = _manifests(empty, [_deployment(None, mounts, volumes), config], "--name", "az", "--accept-loss", "storage")
    assert "storage.azure.accountkey: (secret) -> (unset)" in result.stderr
    assert "AZUREACCOUNTKEY0" not in result.stdout + result.stderr


HELM_CONFIG_AUTH = """
image: {tag: 2.8.3}
persistence: {enabled: true}
configData:
  auth: {htpasswd: {realm: corp, path: /auth/htpasswd}}
  http: {tls: {certificate: /certs/tls.crt, key: /certs/tls.key}}
extraVolumes:
  - {name: auth, secret: {secretName: corp-htpasswd}}
  - {name: certs, secret: {secretName: corp-tls}}
extraVolumeMounts:
  - {name: auth, mountPath: /auth}
  - {name: certs, mountPath: /certs}
extraEnvVars:
  - {name: AWS_SECRET_ACCESS_KEY, value: AWSSECRET00000}
"""


def test_auth_and_tls_given_in_configdata_are_kept_and_a_credential_in_extra_env_is_refused(empty: MemoryRepo):
    result = _import(empty, HELM_CONFIG_AUTH)
    spec = _spec(empty)
    assert spec["auth"] == {"htpasswd": {"realm": "corp", "secretRef": {"name": "corp-htpasswd", "key": "htpasswd"}}}
    assert spec["tls"] == {"certificate": "secret", "secretName": "corp-tls"} and "insecure" not in spec
    assert (
        "extraEnvVars[0]: not mapped: AWS_SECRET_ACCESS_KEY: a credential in clear in the Deployment" in result.stderr
    )
    assert "AWSSECRET00000" not in empty.text("environments/old.yaml") + result.stderr


def test_gitlabs_registry_values_are_not_taken_for_the_charts(empty: MemoryRepo):
    values = (
        "global: {hosts: {domain: example.com}}\n"
        "registry:\n  image: {tag: v3.88.0-gitlab}\n  storage: {secret: s3cfg, key: config}\n"
    )
    result = _import(empty, values)
    assert result.code == 2 and "not a values file of the docker-registry chart" in result.stderr


def test_a_bcrypt_hash_is_no_template_and_a_variable_is():
    from regc.adopt.source import templates

    line = "alice:$2y$05$KQRJZWXYAB0Ab0/Ab0/Ab0/Ab0/Ab0/Ab0/Ab0/Ab0/Ab0/Ab0/Ab0/Ab0/Ab"
    assert templates(line, "htpasswd") == []
    assert [t.text for t in templates("accessKey: $MINIO_ACCESS_KEY", "creds")] == ["$MINIO_ACCESS_KEY"]
    assert [t.text for t in templates('url: "http://${HOST}:9000"', "cfg")] == ["${HOST}"]


def test_external_secrets_of_a_store_import_to_the_store_form(repo: Path):
    """The registry's HTTP secret and htpasswd file made by ExternalSecrets of one store: the spec
    takes the store form, its users from the operator's htpasswd template, no secrets file is
    written, and the report says where each value stands and where regc reads it. The operator's
    template text is what runs, not a template to refuse."""
    shutil.copy(REPO / "tests" / "fixtures" / "import-external-secrets.yaml", repo / "running.yaml")
    result = run_regc("import", "manifests", "running.yaml", "--name", "vaulted", cwd=repo)
    assert result.code == 0, result.stderr
    assert "template text" not in result.stderr and "not mapped" not in result.stderr
    spec = load_yaml_file(repo / "environments" / "vaulted.yaml")
    assert spec["secretStore"] == {"kind": "ClusterSecretStore", "name": "vault", "key": "teams/registry"}
    assert spec["auth"]["htpasswd"]["users"] == ["alice"] and "secretRef" not in spec["auth"]["htpasswd"]
    assert "httpSecretRef" not in spec.get("registry", {})
    assert not (repo / "environments" / "vaulted.secrets.yaml").exists()
    assert (
        "users.alice is in the store at key teams/registry, property alice; regc's ExternalSecret reads it at "
        "key teams/registry, property users.alice: put it there" in result.stderr
    )
    assert "httpSecret is in the store at key teams/registry, property httpsecret" in result.stderr
    without_key_env = {"SOPS_AGE_KEY_FILE": "/nonexistent"}
    with pytest.MonkeyPatch.context() as env:
        for name, value in without_key_env.items():
            env.setenv(name, value)
        built = run_regc("build", "environments/vaulted.yaml", cwd=repo)
    assert built.code == 0, built.stderr  # no key needed: nothing is sealed
    assert (repo / "overlays" / "vaulted" / "externalsecret-registry-htpasswd.yaml").is_file()


def test_a_store_holding_the_htpasswd_file_itself_stays_a_secret_of_yours(memory: MemoryRepo):
    text = (REPO / "tests" / "fixtures" / "import-external-secrets.yaml").read_text()
    whole = text.replace("""        htpasswd: '{{ htpasswd "alice" .alice }}'""", """        htpasswd: '{{ .file }}'""")
    memory.write("running.yaml", whole.replace("property: alice}", "property: htpasswd}"))
    result = memory.run("import", "manifests", "running.yaml", "--name", "vaulted")
    assert "the store holds the htpasswd file itself" in result.stderr, result.stderr
    spec = memory.yaml("environments/vaulted.yaml")
    assert spec["auth"]["htpasswd"]["secretRef"]["name"] == "registry-users"
