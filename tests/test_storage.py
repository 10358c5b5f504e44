"""Ceph object storage (Swift, S3), the radosgw front, exposure, and their compile-time rules."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.memory import MemoryRepo

# The parameters the registry documents (docs/storage-drivers/swift.md and s3.md).
SWIFT_DOCUMENTED = {
    "authurl",
    "username",
    "password",
    "region",
    "container",
    "tenant",
    "tenantid",
    "domain",
    "domainid",
    "trustid",
    "insecureskipverify",
    "chunksize",
    "prefix",
    "secretkey",
    "accesskey",
    "authversion",
    "endpointtype",
    "tempurlcontainerkey",
    "tempurlmethods",
}
S3_DOCUMENTED = {
    "accesskey",
    "secretkey",
    "region",
    "regionendpoint",
    "forcepathstyle",
    "bucket",
    "encrypt",
    "keyid",
    "secure",
    "skipverify",
    "v4auth",
    "chunksize",
    "multipartcopychunksize",
    "multipartcopymaxconcurrency",
    "multipartcopythresholdsize",
    "rootdirectory",
    "storageclass",
    "useragent",
    "objectacl",
    "loglevel",
}
SWIFT = (
    "storage:\n  driver: swift\n  username: kube:registry\n  container: c-{name}\n  credentials: generate\n"
    "radosgw:\n  hosts: [10.0.0.1, 10.0.0.2, 'fd00::3']\n"
)
S3 = (
    "storage:\n  driver: s3\n  regionendpoint: https://rgw.example:7480\n  bucket: b-{name}\n"
    "  credentials: generate\n  chunksize: 10485760\n  rootdirectory: /registry\n"
)


def config_of(built: list[dict]) -> dict:
    configmap = next(o for o in built if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "registry-config")
    return YAML(typ="safe", pure=True).load(configmap["data"]["config.yml"])


@pytest.fixture
def repo() -> MemoryRepo:
    """The example repository in memory: the tests' specs compile beside the examples (tests/memory.py)."""
    return MemoryRepo()


def build(repo: MemoryRepo, name: str, body: str) -> list[dict]:
    return repo.objects(name, f"namespace: {name}\n" + body.format(name=name))


def test_swift_config_has_documented_keys_and_no_password(repo: MemoryRepo):
    built = build(repo, "sw", SWIFT)
    storage = config_of(built)["storage"]
    assert storage["swift"] == {
        "authurl": "http://radosgw.sw.svc.cluster.local:7480/auth/v1",
        "username": "kube:registry",
        "container": "c-sw",
        "authversion": 1,
    }
    assert set(storage["swift"]) <= SWIFT_DOCUMENTED
    assert storage["redirect"] == {"disable": True} and "filesystem" not in storage
    _credentials_come_from_encrypted_secrets(
        repo, "sw", built, {"REGISTRY_STORAGE_SWIFT_PASSWORD": ("swift", "password")}
    )


def test_s3_config_has_documented_keys_path_style_and_explicit_v4auth(repo: MemoryRepo):
    built = build(repo, "s3", S3)
    s3 = config_of(built)["storage"]["s3"]
    assert s3 == {
        "region": "us-east-1",
        "regionendpoint": "https://rgw.example:7480",
        "forcepathstyle": True,
        "bucket": "b-s3",
        "secure": True,
        "v4auth": True,
        "chunksize": 10485760,
        "rootdirectory": "/registry",
    }
    assert set(s3) <= S3_DOCUMENTED
    _credentials_come_from_encrypted_secrets(
        repo,
        "s3",
        built,
        {"REGISTRY_STORAGE_S3_ACCESSKEY": ("s3", "accessKey"), "REGISTRY_STORAGE_S3_SECRETKEY": ("s3", "secretKey")},
    )


def _credentials_come_from_encrypted_secrets(repo: MemoryRepo, env: str, built: list[dict], variables: dict) -> None:
    secrets = repo.secrets_file(env)
    for obj in built:
        if obj["kind"] == "ConfigMap":
            text = str(obj["data"])
            assert all(secrets[s][k] not in text for s, k in variables.values())
    container = registry_deployment(built)["spec"]["template"]["spec"]["containers"][0]
    env_vars = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]}
    for variable, (section, key) in variables.items():
        reference = env_vars[variable]
        path = f"overlays/{env}/secret-{reference['name']}.yaml"
        assert b"sops:" in repo.read(path)
        assert repo.secret_data(path)[reference["key"]].decode() == secrets[section][key]


def test_delete_and_read_only_maintenance(repo: MemoryRepo):
    storage = config_of(build(repo, "gc", "storage:\n  delete: true\n  readOnly: true\n"))["storage"]
    assert storage["delete"] == {"enabled": True}
    assert storage["maintenance"]["readonly"] == {"enabled": True}


def test_radosgw_front_checks_the_hosts_through_haproxy_by_default(repo: MemoryRepo, tmp_path: Path):
    built = build(repo, "ha", SWIFT)
    service = next(o for o in built if o["kind"] == "Service" and o["metadata"]["name"] == "radosgw")
    front = next(o for o in built if o["kind"] == "Deployment" and o["metadata"]["name"] == "radosgw-front")
    assert service["spec"]["selector"] == front["spec"]["selector"]["matchLabels"]
    assert "sessionAffinity" not in service["spec"]  # no pinning: a client's connections go to the live hosts
    assert not [o for o in built if o["kind"] in ("EndpointSlice", "Endpoints")]
    assert front["spec"]["replicas"] == 2
    pod = front["spec"]["template"]["spec"]
    assert pod["containers"][0]["image"] == "haproxy:3.2-alpine"
    config = next(o for o in built if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "radosgw-front")
    text = config["data"]["haproxy.cfg"]
    servers = [line.split()[1:3] for line in text.splitlines() if line.strip().startswith("server ")]
    assert servers == [["rgw1", "10.0.0.1:7480"], ["rgw2", "10.0.0.2:7480"], ["rgw3", "[fd00::3]:7480"]]
    assert "option httpchk GET /" in text
    assert "default-server check inter 2s fall 2 rise 2 on-marked-down shutdown-sessions" in text
    assert pod["volumes"] == [{"name": "config", "configMap": {"name": "radosgw-front"}}]
    assert front["spec"]["template"]["metadata"]["annotations"]["regc/config-sha256"]
    # The real HAProxy takes the configuration (Debian's, as .ci/run installs it).
    (tmp_path / "haproxy.cfg").write_text(text)
    checked = subprocess.run(["haproxy", "-c", "-f", str(tmp_path / "haproxy.cfg")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_radosgw_front_is_a_selector_less_service_with_endpoint_slices(repo: MemoryRepo):
    built = build(repo, "ha", SWIFT + "  front: endpoints\n  legacyEndpoints: true\n")
    service = next(o for o in built if o["kind"] == "Service" and o["metadata"]["name"] == "radosgw")
    assert "selector" not in service["spec"] and service["spec"]["sessionAffinity"] == "ClientIP"
    assert service["spec"]["ports"][0]["port"] == 7480
    slices = {o["metadata"]["name"]: o for o in built if o["kind"] == "EndpointSlice"}
    assert set(slices) == {"radosgw-ipv4", "radosgw-ipv6"}
    assert [e["addresses"] for e in slices["radosgw-ipv4"]["endpoints"]] == [["10.0.0.1"], ["10.0.0.2"]]
    assert slices["radosgw-ipv6"]["addressType"] == "IPv6"
    for endpoint_slice in slices.values():
        assert endpoint_slice["metadata"]["labels"]["kubernetes.io/service-name"] == "radosgw"
        assert endpoint_slice["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == "regc"
    endpoints = next(o for o in built if o["kind"] == "Endpoints")
    assert [a["ip"] for a in endpoints["subsets"][0]["addresses"]] == ["10.0.0.1", "10.0.0.2", "fd00::3"]
    registry = next(o for o in built if o["kind"] == "Service" and o["metadata"]["name"] == "registry")
    assert "app.kubernetes.io/instance" not in registry["spec"]["selector"]


def test_no_legacy_endpoints_by_default(repo: MemoryRepo):
    assert not [o for o in build(repo, "ha2", SWIFT + "  front: endpoints\n") if o["kind"] == "Endpoints"]


def test_ingress_has_what_large_pushes_need_and_the_certificate_covers_its_host(repo: MemoryRepo):
    built = build(repo, "ing", "ingress:\n  host: registry.ing.example\n")
    ingress = next(o for o in built if o["kind"] == "Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "0"
    assert annotations["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"
    assert annotations["nginx.ingress.kubernetes.io/backend-protocol"] == "HTTPS"
    assert ingress["spec"]["tls"] == [{"hosts": ["registry.ing.example"], "secretName": "registry-tls"}]
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(repo.secret_data("overlays/ing/secret-registry-tls.yaml")["tls.crt"])
    assert "registry.ing.example" in cert.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value.get_values_for_type(x509.DNSName)


def test_node_proxy_listens_on_every_node_and_the_certificate_covers_localhost(repo: MemoryRepo):
    built = build(repo, "np", "nodeProxy:\n  enabled: true\n  hostPort: 5002\n")
    daemonset = next(o for o in built if o["kind"] == "DaemonSet")
    port = daemonset["spec"]["template"]["spec"]["containers"][0]["ports"][0]
    assert port["hostPort"] == 5002 and port["containerPort"] == 5000
    config = next(o for o in built if o["kind"] == "ConfigMap" and "haproxy.cfg" in o.get("data", {}))
    assert "server registry registry.np.svc.cluster.local:5000" in config["data"]["haproxy.cfg"]
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(repo.secret_data("overlays/np/secret-registry-tls.yaml")["tls.crt"])
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert "127.0.0.1" in [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]


SMOKE = (
    "auth:\n  htpasswd:\n    users: [puller]\n    generateMissingPasswords: true\n"
    "pullSecrets:\n  user: puller\n  namespaces: [smoke-apps]\nsmokeTest:\n  enabled: true\n"
)


def test_smoke_test_job_logs_in_without_argv_secrets_and_reruns_on_change(repo: MemoryRepo):
    built = build(repo, "smoke", SMOKE)
    job = next(o for o in built if o["kind"] == "Job")
    container = job["spec"]["template"]["spec"]["containers"][0]
    script = container["command"][-1]
    settings = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    assert settings == {
        "REGISTRY_URL": "https://registry.smoke.svc:5000",
        "REPOSITORY": "regc-smoke/check",
        "PUSH": "true",
        "DELETE": "false",
        "CA_FILE": "/ca/ca.crt",
        "CREDENTIALS": "/credentials",
    }
    assert "--config -" in script and '"$CREDENTIALS/password"' in script  # on stdin, never in argv
    assert all("valueFrom" not in e for e in container["env"])  # no secret in the environment
    volumes = {v["name"]: v for v in job["spec"]["template"]["spec"]["volumes"]}
    assert volumes["credentials"]["secret"]["secretName"] == "registry-smoke-credentials"
    credentials = repo.secret_data("overlays/smoke/secret-registry-smoke-credentials.yaml")
    assert credentials["username"] == b"puller"
    again = repo.objects("smoke", "namespace: smoke\n" + SMOKE + "registry:\n  logLevel: debug\n")
    renamed = next(o for o in again if o["kind"] == "Job")
    assert renamed["metadata"]["name"] != job["metadata"]["name"]


def test_rgw_commands_read_secrets_at_run_time_unless_revealed(built_memory: MemoryRepo):
    printed = built_memory.run("rgw-commands", "prod")
    assert printed.code == 0
    password = built_memory.secrets_file("prod")["swift"]["password"]
    assert password not in printed.stdout
    assert "radosgw-admin subuser create --uid=kube --subuser=kube:registry --access=full" in printed.stdout
    assert '--key-type=swift --secret="$SWIFT_PASSWORD"' in printed.stdout
    assert 'sops decrypt --extract \'["swift"]["password"]\' environments/prod.secrets.yaml' in printed.stdout
    revealed = built_memory.run("rgw-commands", "prod", "--reveal")
    assert f"--secret={password}" in revealed.stdout or f"--secret='{password}'" in revealed.stdout
    s3 = built_memory.run("rgw-commands", "staging")
    assert '--access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY"' in s3.stdout
    volume = built_memory.run("rgw-commands", "dev")
    assert volume.code == 1 and "stores images on a volume" in volume.stderr


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "registry:\n  image: registry:3.0.0\n" + SWIFT,
            "storage.driver: the Swift driver needs a registry:2.x image, not 'registry:3.0.0'",
        ),
        (
            "storage:\n  driver: swift\n  username: a:b\n  container: cont\n",
            "storage.authurl: no URL of the object store",
        ),
        ("storage:\n  driver: s3\n  bucket: bkt\n", "storage.regionendpoint: no URL of the object store"),
        ("storage:\n  driver: s3\n  bucket: bkt\n  regionendpoint: rgw:7480\n", "is not an http:// or https:// URL"),
        (
            "storage:\n  driver: swift\n  username: kube\n  container: cont\n  authurl: http://x/auth/v1\n",
            "is not a radosgw Swift user: write it as uid:subuser",
        ),
        (SWIFT.replace("10.0.0.2", "10.0.0.1"), "radosgw.hosts: 10.0.0.1 is listed twice"),
        (SWIFT.replace("10.0.0.2", "10.0.0.300"), "'10.0.0.300' is not an IPv4 or IPv6 address"),
        ("smokeTest:\n  enabled: true\n", "smokeTest.enabled: the smoke test logs in as pullSecrets.user"),
        ("storage:\n  driver: gcs\n", "storage.driver: must be one of 'filesystem', 'swift', 's3', not 'gcs'"),
    ],
)
def test_storage_rules(repo: MemoryRepo, body: str, message: str):
    repo.write_spec("bad", "namespace: bad\n" + body.format(name="bad"))
    result = repo.build("bad")
    assert result.code == 2, result.stderr
    assert message in result.stderr


def test_replicas_on_object_storage_are_allowed(repo: MemoryRepo):
    built = build(repo, "many", SWIFT + "registry:\n  replicas: 3\n")
    deployment = registry_deployment(built)
    assert deployment["spec"]["replicas"] == 3 and deployment["spec"]["strategy"]["type"] == "RollingUpdate"


def test_one_swift_container_for_two_environments_is_refused(repo: MemoryRepo):
    repo.write_spec(
        "one",
        "namespace: one\n"
        + SWIFT.format(name="shared")
        .replace("c-shared", "kube-registry")
        .replace("radosgw:\n  hosts: [10.0.0.1, 10.0.0.2, 'fd00::3']\n", "  authurl: http://rgw:7480/auth/v1\n"),
    )
    repo.write_spec(
        "two",
        "namespace: two\nstorage:\n  driver: swift\n  username: other:registry\n"
        "  container: kube-registry\n  authurl: http://rgw:7480/auth/v1\n",
    )
    result = repo.build("two")
    assert result.code == 2
    assert "storage.container: the Swift container 'kube-registry' is also used by environment 'one'" in result.stderr
    assert "401 Unauthorized" in result.stderr


def test_missing_provided_credentials_are_refused(repo: MemoryRepo):
    repo.write_spec(
        "cred", "namespace: cred\nstorage:\n  driver: s3\n  bucket: bkt\n  regionendpoint: http://rgw:7480\n"
    )
    result = repo.build("cred")
    assert result.code == 2
    assert "environments/cred.secrets.yaml: s3.accessKey: missing" in result.stderr
    assert "storage.credentials: generate" in result.stderr


def test_two_fronts_over_the_same_radosgw_hosts_are_one_radosgw(repo: MemoryRepo):
    for name in ("first", "second"):
        repo.write_spec(name, f"namespace: {name}\n" + SWIFT.replace("c-{name}", "shared"))
    result = repo.build("first", "second")
    assert result.code == 2
    assert (
        "environments/second.yaml" in result.stderr and "'shared' is also used by environment 'first'" in result.stderr
    )


def registry_deployment(built: list[dict]) -> dict:
    return next(o for o in built if o["kind"] == "Deployment" and o["metadata"]["name"] == "registry")
