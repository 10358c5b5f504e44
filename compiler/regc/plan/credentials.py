"""The credentials the registry reads from variables of encrypted Secrets: which variable, from which
Secret and key, made from which values of the secrets file."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regc.spec.model import Environment


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


def managed_variables(spec: Environment) -> list[tuple[str, str, str]]:
    """(variable, Secret, key) of every credential regc passes to the registry."""
    from regc.plan.names import Names

    names = Names(spec.instance)
    variables = [("REGISTRY_HTTP_SECRET", names.http_secret, "http-secret")]
    variables += [(name, names.storage_secret, key) for name, key in STORAGE_VARIABLES.get(spec.storage.driver, [])]
    variables += [(CREDENTIAL_VARIABLES[key], names.env_secret, key) for key in env_credential_inputs(spec)]
    return variables
