"""The credentials a registry reads from variables of the registry-credentials Secret, and their sources."""

from __future__ import annotations


def env_credential_inputs(spec) -> dict[str, tuple[tuple[str, ...], ...]]:
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
