"""Secret objects from their plaintext values: pure, so nothing here touches a disk or a log."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from regc.kube import k8s_object
from regc.plan.names import Names


def encode(value: str | bytes) -> str:
    """base64 of exactly the value: no newline slips in, unlike `echo ... | base64`."""
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return base64.b64encode(raw).decode("ascii")


def _secret(
    names: Names, name: str, kind: str, data: Mapping[str, str | bytes], namespace: str | None = None
) -> dict[str, Any]:
    # Keys sorted as kustomize prints them: Flux decrypts after its kustomize build, and the SOPS
    # MAC covers the order of the encrypted values (mac_only_encrypted keeps added labels harmless).
    obj = k8s_object(
        "v1", "Secret", name, labels=names.base_labels, type=kind, data={k: encode(data[k]) for k in sorted(data)}
    )
    if namespace:
        obj["metadata"]["namespace"] = namespace
    return obj


def http_secret(names: Names, value: str) -> dict[str, Any]:
    return _secret(names, names.http_secret, "Opaque", {"http-secret": value})


def htpasswd_secret(names: Names, lines: list[str]) -> dict[str, Any]:
    return _secret(names, names.htpasswd_secret, "Opaque", {"htpasswd": "".join(line + "\n" for line in lines)})


def tls_secret(names: Names, cert_chain_pem: str, key_pem: str, ca_pem: str) -> dict[str, Any]:
    return _secret(
        names, names.tls_secret, "kubernetes.io/tls", {"tls.crt": cert_chain_pem, "tls.key": key_pem, "ca.crt": ca_pem}
    )


def docker_config(server: str, user: str, password: str) -> str:
    """What `kubectl create secret docker-registry` stores under .dockerconfigjson."""
    auth = encode(f"{user}:{password}")
    return json.dumps(
        {"auths": {server: {"username": user, "password": password, "auth": auth}}}, separators=(",", ":")
    )


def pull_secret(names: Names, name: str, namespace: str, server: str, user: str, password: str) -> dict[str, Any]:
    return _secret(
        names,
        name,
        "kubernetes.io/dockerconfigjson",
        {".dockerconfigjson": docker_config(server, user, password)},
        namespace,
    )


def storage_secret(names: Names, values: dict[str, str]) -> dict[str, Any]:
    """Object-store credentials, keyed as the Deployment's secretKeyRefs read them."""
    return _secret(names, names.storage_secret, "Opaque", values)


def smoke_credentials(names: Names, user: str, password: str) -> dict[str, Any]:
    return _secret(names, names.smoke_secret, "kubernetes.io/basic-auth", {"username": user, "password": password})


def env_credentials(names: Names, values: dict[str, str]) -> dict[str, Any]:
    """Credentials the registry reads from REGISTRY_* variables: upstream, Redis, webhook headers."""
    return _secret(names, names.env_secret, "Opaque", values)
