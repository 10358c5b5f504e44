"""The credentials the registry reads from variables of encrypted Secrets: which variable, from which
Secret and key, made from which values of the secrets file."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from regc.plan.names import Names
from regc.plan.registry_config import notification_endpoints

if TYPE_CHECKING:
    from regc.envspec.model import Environment


def env_credential_inputs(spec: Environment) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Key of the registry-credentials Secret -> the secrets-file values it is made from."""
    keys: dict[str, tuple[tuple[str, ...], ...]] = {}
    if spec.proxy is not None and spec.proxy.credentials:
        keys["proxy-username"] = (("proxy", "username"),)
        keys["proxy-password"] = (("proxy", "password"),)
    if spec.redis is not None and spec.redis.password:
        keys["redis-password"] = (("redis", "password"),)
    secret_headers = tuple(("notifications", e.name, h) for e in spec.notifications for h in e.secret_headers)
    if secret_headers:
        keys["notification-endpoints"] = secret_headers
    return keys


# The storage Secret's keys, by the secrets file's key they hold.
STORAGE_SECRET_KEYS = {"password": "swift-password", "accessKey": "s3-access-key", "secretKey": "s3-secret-key"}
STORAGE_VARIABLES = {
    "swift": [("REGISTRY_STORAGE_SWIFT_PASSWORD", STORAGE_SECRET_KEYS["password"])],
    "s3": [
        ("REGISTRY_STORAGE_S3_ACCESSKEY", STORAGE_SECRET_KEYS["accessKey"]),
        ("REGISTRY_STORAGE_S3_SECRETKEY", STORAGE_SECRET_KEYS["secretKey"]),
    ],
}
CREDENTIAL_VARIABLES = {
    "proxy-username": "REGISTRY_PROXY_USERNAME",
    "proxy-password": "REGISTRY_PROXY_PASSWORD",
    "redis-password": "REGISTRY_REDIS_PASSWORD",
    "notification-endpoints": "REGISTRY_NOTIFICATIONS_ENDPOINTS",
}


def referenced_variables(spec: Environment) -> list[tuple[str, str, str]]:
    """(variable, Secret, key) of the credentials the registry reads from Secrets of the user's."""
    found = []
    proxy = spec.proxy
    if proxy is not None and proxy.credentials_secret is not None:
        login = proxy.credentials_secret
        found += [
            (CREDENTIAL_VARIABLES["proxy-username"], login.name, login.username_key),
            (CREDENTIAL_VARIABLES["proxy-password"], login.name, login.password_key),
        ]
    redis = spec.redis
    if redis is not None and redis.password_secret is not None:
        found.append((CREDENTIAL_VARIABLES["redis-password"], redis.password_secret.name, redis.password_secret.key))
    for endpoint in spec.notifications:
        for header, theirs in sorted(endpoint.header_secrets.items()):
            found.append((header_variable(endpoint.name, header), theirs.name, theirs.key))
    return found


def header_variable(endpoint: str, header: str) -> str:
    """The variable that carries a notification header kept in a Secret of the user's."""
    return "REGC_NOTIFICATION_" + "__".join(re.sub("[^A-Z0-9]", "_", part.upper()) for part in (endpoint, header))


def endpoints_variable(spec: Environment) -> str | None:
    """REGISTRY_NOTIFICATIONS_ENDPOINTS in clear when headers come from Secrets of the user's: the
    endpoint list as JSON, each such header a `$(VARIABLE)` the kubelet expands from the variables
    before it (a literal `$` doubled, Kubernetes' escape)."""
    if not any(endpoint.header_secrets for endpoint in spec.notifications):
        return None

    def escaped(node: Any) -> Any:
        if isinstance(node, dict):
            return {escaped(key): escaped(value) for key, value in node.items()}
        if isinstance(node, list):
            return [escaped(value) for value in node]
        return node.replace("$", "$$") if isinstance(node, str) else node

    endpoints = escaped(notification_endpoints(spec, {}))
    for endpoint, item in zip(spec.notifications, endpoints, strict=True):
        for header in endpoint.header_secrets:
            item["headers"][escaped(header)] = [f"$({header_variable(endpoint.name, header)})"]
        item["headers"] = dict(sorted(item["headers"].items()))
    return json.dumps(endpoints, separators=(",", ":"))


def storage_referenced(spec: Environment) -> bool:
    """The object store's credentials come from a Secret of the user's (`credentials: secret`)."""
    storage = spec.storage
    return storage.driver != "filesystem" and storage.credentials == "secret" and storage.credentials_secret is not None


def referenced_secrets(spec: Environment) -> dict[str, str]:
    """The values the registry reads from Secrets regc does not write: what -> the Secret."""
    found = {}
    if spec.registry.http_secret_ref:
        found["the HTTP secret"] = spec.registry.http_secret_ref.name
    htpasswd = spec.auth.htpasswd
    if htpasswd is not None and htpasswd.secret_ref is not None:
        found["the htpasswd file"] = htpasswd.secret_ref.name
    storage = spec.storage
    if storage_referenced(spec) and storage.driver != "filesystem" and storage.credentials_secret:
        found[f"the {storage.driver} credentials"] = storage.credentials_secret.name
    if spec.proxy is not None and spec.proxy.credentials_secret is not None:
        found["the proxy's upstream credentials"] = spec.proxy.credentials_secret.name
    if spec.redis is not None and spec.redis.password_secret is not None:
        found["the Redis password"] = spec.redis.password_secret.name
    for endpoint in spec.notifications:
        for header, theirs in sorted(endpoint.header_secrets.items()):
            found[f"the {header} header of notification endpoint {endpoint.name}"] = theirs.name
    if spec.tls.enabled and spec.tls.certificate == "cert-manager":
        found["the TLS certificate (cert-manager's)"] = Names(spec.instance).tls_secret
    if spec.tls.enabled and spec.tls.certificate == "secret" and spec.tls.secret_name:
        found["the TLS certificate"] = spec.tls.secret_name
    return found


def store_made_secrets(spec: Environment) -> list[str]:
    """The Secrets the External Secrets Operator makes from the store (`secretStore`) that the
    registry reads at start only: a change of their values must restart it. Not the htpasswd file,
    which the registry reads again when it changes (the operator's bcrypt salts change it at every
    refresh)."""
    if spec.secret_store is None:
        return []
    names = Names(spec.instance)
    found = [] if spec.registry.http_secret_ref else [names.http_secret]
    if spec.tls.enabled and spec.tls.certificate == "provided":
        found.append(names.tls_secret)
    if spec.storage.driver in ("swift", "s3") and not storage_referenced(spec):
        found.append(names.storage_secret)
    if env_credential_inputs(spec):
        found.append(names.env_secret)
    return found


def managed_variables(spec: Environment) -> list[tuple[str, str, str]]:
    """(variable, Secret, key) of every credential regc passes to the registry."""
    names = Names(spec.instance)
    http = spec.registry.http_secret_ref
    variables = [("REGISTRY_HTTP_SECRET", *((http.name, http.key) if http else (names.http_secret, "http-secret")))]
    storage = spec.storage
    referenced = getattr(storage, "credentials_secret", None) if storage_referenced(spec) else None
    for name, key in STORAGE_VARIABLES.get(storage.driver, []):
        if referenced is None:
            variables.append((name, names.storage_secret, key))
        else:
            theirs = {
                "swift-password": referenced.password_key,
                "s3-access-key": referenced.access_key_key,
                "s3-secret-key": referenced.secret_key_key,
            }
            variables.append((name, referenced.name, theirs[key]))
    variables += [(CREDENTIAL_VARIABLES[key], names.env_secret, key) for key in env_credential_inputs(spec)]
    variables += referenced_variables(spec)
    return variables
