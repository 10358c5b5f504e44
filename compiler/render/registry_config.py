"""The registry's config.yml, as the distribution registry documents it."""

from __future__ import annotations

from regc.plan.names import AUTH_DIR, CERTS_DIR, DATA_DIR, HTTP_PORT
from regc.plan.plan import Plan


def registry_config(plan: Plan) -> dict:
    """config.yml as data; no secret appears here (http.secret comes from REGISTRY_HTTP_SECRET)."""
    registry = plan.spec.registry
    storage: dict = {}
    if registry.blob_descriptor_cache != "none":
        storage["cache"] = {"blobdescriptor": registry.blob_descriptor_cache}
    storage["filesystem"] = {"rootdirectory": DATA_DIR}
    config: dict = {
        "version": 0.1,
        "log": {"level": registry.log_level, "fields": {"service": "registry"}},
        "storage": storage,
        "http": {"addr": f":{HTTP_PORT}"},
    }
    if plan.spec.tls.enabled:
        config["http"]["tls"] = {"certificate": f"{CERTS_DIR}/tls.crt", "key": f"{CERTS_DIR}/tls.key"}
    if registry.headers:
        config["http"]["headers"] = {name: list(values) for name, values in sorted(registry.headers.items())}
    htpasswd = plan.spec.auth.htpasswd
    if htpasswd is not None:
        config["auth"] = {"htpasswd": {"realm": htpasswd.realm, "path": f"{AUTH_DIR}/htpasswd"}}
    check = registry.health_check.storage_driver
    config["health"] = {"storagedriver": {
        "enabled": check.enabled, "interval": check.interval, "threshold": check.threshold}}
    return config
