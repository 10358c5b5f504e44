"""The registry's configuration as regc computes it (`regc.distribution`) against distribution's own
parser, built from its published modules at v2.8.3 and v3.0.0 (tests/tools/regconfig): the same
result for files and `REGISTRY_*` variables of every shape, the same refusals, the same variables
ignored; and the shape of the Configuration type regc reads is the one the source has."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regc.distribution import images, parser, schema
from tests.cluster.apiserver import tool

IMAGE_DEFAULTS = {major: images.default_config(major) for major in schema.MAJORS}


def oracle(text: str, variables: list[tuple[str, str]], major: int, work: Path) -> tuple[Any, str | None, set[str]]:
    """distribution's parser on `text` with exactly `variables` in its environment."""
    path = work / "config.yml"
    path.write_text(text)
    done = subprocess.run(
        [str(tool("regconfig")), "parse", str(major), str(path)],
        env=dict(variables),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    result = json.loads(done.stdout)
    ignored = {
        line.split("environment variable ", 1)[1].split()[0].rstrip('"')
        for line in done.stderr.splitlines()
        if "Ignoring unrecognized environment variable" in line or "involving map with non-string keys" in line
    }
    return result.get("config"), result.get("error"), ignored


def ours(text: str, variables: list[tuple[str, str]], major: int) -> tuple[Any, str | None, set[str]]:
    parsed = parser.parse(text, variables, major)
    if parsed.error is not None:
        return None, parsed.error.message, set(parsed.ignored)
    return _keys_as_text(parser.canonical_config(parsed.config, major)), None, set(parsed.ignored)


def _keys_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _keys_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_keys_as_text(v) for v in value]
    return value


def agree(text: str, variables: list[tuple[str, str]], major: int, work: Path) -> None:
    want, want_error, want_ignored = oracle(text, variables, major, work)
    got, got_error, got_ignored = ours(text, variables, major)
    assert (got_error is None) == (want_error is None), (got_error, want_error)
    if want_error is None:
        assert got == want
        assert got_ignored == want_ignored
    else:
        assert _gist(got_error) == _gist(want_error), (got_error, want_error)


def _gist(message: str | None) -> str:
    """The kind of refusal, not its wording: panic, a variable, a type, the storage, the version."""
    text = message or ""
    for gist in ("panic", "environment variable", "unmarshal", "storage", "version", "ParseUint", "loglevel"):
        if gist in text:
            return "version" if gist == "ParseUint" else gist
    return "other"


@pytest.mark.contract  # the registry's configuration parser, built from its source
def test_the_schema_is_the_one_of_the_source():
    done = subprocess.run([str(tool("regconfig")), "schema"], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == json.loads(schema.SCHEMA_FILE.read_text()), (
        "the registry's Configuration type changed: `regconfig schema > compiler/regc/distribution/configuration.json`"
    )


def test_every_custom_decoder_of_the_source_is_known():
    """A type with its own UnmarshalYAML is read by name; a new one in the source must fail here."""

    def named(shape: schema.Shape) -> set[str]:
        found = {shape.name.rsplit(".", 1)[-1]} if shape.unmarshaler else set()
        for child in [f.shape for f in shape.fields] + [s for s in (shape.key, shape.elem) if s is not None]:
            found |= named(child)
        return found

    known = {"Version", "Loglevel", "Storage", "Auth", "Redis", "ClientAuth", "Platforms"}
    assert named(schema.configuration(2)) | named(schema.configuration(3)) == known


GUIDE = """version: 0.1
log:
  level: Debug
  fields: {service: registry}
storage:
  cache: {blobdescriptor: inmemory}
  swift:
    authurl: http://radosgw.ceph:7480/auth/v1
    username: registry:swift
    container: registry
    insecureskipverify: yes
  delete: {enabled: on}
  maintenance: {uploadpurging: {enabled: false}}
http:
  addr: :5000
  secret: '0x10'
  draintimeout: 25s
  headers: {X-Content-Type-Options: [nosniff]}
  tls: {certificate: /certs/tls.crt, key: /certs/tls.key}
auth:
  htpasswd: {realm: Registry Realm, path: /auth/htpasswd}
health:
  storagedriver: {enabled: true, interval: 1m30s, threshold: 3}
notifications:
  endpoints:
    - name: hook
      url: https://hooks.example/registry
      timeout: 500ms
      threshold: 5
      backoff: 1s
      headers: {Authorization: [Bearer x]}
"""

CASES: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("the image's own file, v2", IMAGE_DEFAULTS[2], []),
    ("the image's own file, v3", IMAGE_DEFAULTS[3], []),
    ("a file of many sections", GUIDE, []),
    (
        "S3 on MinIO by variables over the image's file",
        IMAGE_DEFAULTS[2],
        [
            ("REGISTRY_STORAGE", "s3"),
            ("REGISTRY_STORAGE_S3_REGIONENDPOINT", "http://minio.minio:9000"),
            ("REGISTRY_STORAGE_S3_BUCKET", "registry"),
            ("REGISTRY_STORAGE_S3_REGION", "us-east-1"),
            ("REGISTRY_STORAGE_S3_SECURE", "false"),
            ("REGISTRY_STORAGE_S3_ACCESSKEY", "AKIA0000"),
        ],
    ),
    (
        "htpasswd by variables",
        IMAGE_DEFAULTS[3],
        [
            ("REGISTRY_AUTH", "htpasswd"),
            ("REGISTRY_AUTH_HTPASSWD_REALM", "Registry Realm"),
            ("REGISTRY_AUTH_HTPASSWD_PATH", "/auth/htpasswd"),
            ("REGISTRY_HTTP_TLS_CERTIFICATE", "/certs/tls.crt"),
            ("REGISTRY_HTTP_TLS_KEY", "/certs/tls.key"),
        ],
    ),
    (
        "token auth over htpasswd in the file",
        GUIDE,
        [
            ("REGISTRY_AUTH", "token"),
            ("REGISTRY_AUTH_TOKEN_REALM", "https://auth.example/token"),
            ("REGISTRY_AUTH_TOKEN_SERVICE", "registry"),
            ("REGISTRY_AUTH_TOKEN_ISSUER", "auth"),
            ("REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE", "/certs/bundle.pem"),
        ],
    ),
    (
        "a driver's parameter without naming the driver: two drivers",
        IMAGE_DEFAULTS[2],
        [("REGISTRY_STORAGE_S3_BUCKET", "b")],
    ),
    (
        "Service links of Services named registry-*",
        IMAGE_DEFAULTS[2],
        [
            ("REGISTRY_PORT", "tcp://10.0.0.1:5000"),
            ("REGISTRY_SERVICE_HOST", "10.0.0.1"),
            ("REGISTRY_PORT_5000_TCP_ADDR", "10.0.0.1"),
            ("REGISTRY_HTTP_PORT", "tcp://10.0.0.2:80"),
            ("REGISTRY_HTTP_SERVICE_HOST", "10.0.0.2"),
        ],
    ),
    ("a Service named registry-storage", IMAGE_DEFAULTS[2], [("REGISTRY_STORAGE_SERVICE_HOST", "10.0.0.3")]),
    ("a Service named registry-storage, its port", IMAGE_DEFAULTS[3], [("REGISTRY_STORAGE_PORT", "tcp://10.0.0.3:80")]),
    ("a whole section as YAML", IMAGE_DEFAULTS[2], [("REGISTRY_HTTP_HEADERS", "{X-Frame-Options: [DENY]}")]),
    (
        "a level in capitals, a duration, numbers",
        GUIDE,
        [("REGISTRY_LOG_LEVEL", "WARN"), ("REGISTRY_HTTP_DRAINTIMEOUT", "1m")],
    ),
    ("a bad level", GUIDE, [("REGISTRY_LOG_LEVEL", "loud")]),
    (
        "proxy mode",
        IMAGE_DEFAULTS[2],
        [("REGISTRY_PROXY_REMOTEURL", "https://registry-1.docker.io"), ("REGISTRY_PROXY_USERNAME", "u")],
    ),
    ("lower-case names do not reach struct fields", IMAGE_DEFAULTS[2], [("REGISTRY_storage_delete_enabled", "true")]),
    (
        "a map key in any case",
        GUIDE,
        [("REGISTRY_STORAGE_SWIFT_CONTAINER", "other"), ("REGISTRY_STORAGE_CACHE_BLOBDESCRIPTOR", "redis")],
    ),
    ("nested parameters made by variables", IMAGE_DEFAULTS[2], [("REGISTRY_STORAGE_FILESYSTEM_A_B_C", "1")]),
    ("an empty value", IMAGE_DEFAULTS[2], [("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", "")]),
    ("no storage", "version: 0.1\nhttp: {addr: ':5000'}\n", []),
    ("the wrong version", "version: 0.2\nstorage: {inmemory: {}}\n", []),
    ("a storage kind by name only", "version: 0.1\nstorage: inmemory\n", []),
    ("two kinds in the file", "version: 0.1\nstorage: {inmemory: {}, filesystem: {}}\n", []),
    ("a list where a mapping goes", "version: 0.1\nstorage: {inmemory: {}}\nhttp: [1]\n", []),
    (
        "keys the registry does not read",
        "version: 0.1\nstorage: {inmemory: {}}\nHTTP: {addr: x}\nhttp: {Addr: y}\n",
        [],
    ),
    ("merge keys and anchors", "version: 0.1\nbase: &b {enabled: true}\nstorage: {inmemory: {}, delete: *b}\n", []),
    (
        "slices by index (v3)",
        IMAGE_DEFAULTS[3],
        [("REGISTRY_HTTP_TLS_CLIENTCAS_0", "/ca.pem"), ("REGISTRY_HTTP_TLS_CLIENTCAS_1", "/ca2.pem")],
    ),
    (
        "redis by its options (v3)",
        IMAGE_DEFAULTS[3],
        [("REGISTRY_REDIS_ADDRS", "[redis:6379]"), ("REGISTRY_REDIS_DB", "2"), ("REGISTRY_REDIS_DIALTIMEOUT", "5s")],
    ),
    (
        "redis in the file (v3)",
        "version: 0.1\nstorage: {inmemory: {}}\nredis: {addrs: [r:6379], db: 1, dialtimeout: 10ms}\n",
        [],
    ),
    (
        "redis in the file (v2)",
        "version: 0.1\nstorage: {inmemory: {}}\nredis: {addr: r:6379, db: 1, dialtimeout: 10ms, pool: {maxidle: 16}}\n",
        [],
    ),
    ("the deprecated loglevel", "version: 0.1\nloglevel: debug\nstorage: {inmemory: {}}\n", []),
    (
        "a %YAML 1.1 directive (the registry's own YAML)",
        "%YAML 1.1\n---\nversion: 0.1\nstorage: {inmemory: {}}\nhttp: {relativeurls: yes}\n",
        [],
    ),
]


@pytest.mark.parametrize("major", schema.MAJORS)
@pytest.mark.parametrize(("text", "variables"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_regc_reads_the_configuration_as_the_registry_does(text, variables, major, tmp_path):
    agree(text, variables, major, tmp_path)


NAMES = st.sampled_from(
    [
        "REGISTRY_STORAGE",
        "REGISTRY_STORAGE_S3_BUCKET",
        "REGISTRY_STORAGE_S3_SECURE",
        "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY",
        "REGISTRY_STORAGE_DELETE_ENABLED",
        "REGISTRY_STORAGE_DELETE",
        "REGISTRY_STORAGE_CACHE",
        "REGISTRY_STORAGE_MAINTENANCE_UPLOADPURGING_ENABLED",
        "REGISTRY_AUTH",
        "REGISTRY_AUTH_HTPASSWD_PATH",
        "REGISTRY_AUTH_SILLY_REALM",
        "REGISTRY_HTTP",
        "REGISTRY_HTTP_ADDR",
        "REGISTRY_HTTP_SECRET",
        "REGISTRY_HTTP_TLS",
        "REGISTRY_HTTP_TLS_KEY",
        "REGISTRY_HTTP_RELATIVEURLS",
        "REGISTRY_HTTP_DRAINTIMEOUT",
        "REGISTRY_HTTP_HEADERS_X-FOO",
        "REGISTRY_HEALTH_STORAGEDRIVER_INTERVAL",
        "REGISTRY_HEALTH_STORAGEDRIVER_THRESHOLD",
        "REGISTRY_LOG_LEVEL",
        "REGISTRY_LOG_FIELDS_ENV",
        "REGISTRY_LOGLEVEL",
        "REGISTRY_PROXY_REMOTEURL",
        "REGISTRY_PROXY_TTL",
        "REGISTRY_CATALOG_MAXENTRIES",
        "REGISTRY_NOTIFICATIONS_ENDPOINTS",
        "REGISTRY_VERSION",
        "REGISTRY_PORT",
        "REGISTRY_FOO_BAR",
    ]
)
VALUES = st.sampled_from(
    ["s3", "true", "no", "", "5", "-1", "0x10", "10s", "1h", "abc", "{a: 1}", "[1, 2]", "debug", "~", "'quoted'", "1.5"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    major=st.sampled_from(schema.MAJORS),
    base=st.sampled_from([IMAGE_DEFAULTS[2], IMAGE_DEFAULTS[3], GUIDE]),
    variables=st.lists(st.tuples(NAMES, VALUES), max_size=6, unique_by=lambda item: item[0]),
)
def test_any_variables_over_any_file_agree_with_the_registry(major, base, variables, tmp_path):
    agree(base, variables, major, tmp_path)
