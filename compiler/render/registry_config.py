"""The registry's config.yml, as the distribution registry documents it."""

from __future__ import annotations

from regc.plan.names import AUTH_DIR, CERTS_DIR, DATA_DIR, HTTP_PORT, storage_url
from regc.plan.plan import Plan

SWIFT_OPTIONS = ("authversion", "tenant", "tenantid", "domain", "domainid", "region", "chunksize", "prefix",
                 "endpointtype")


def registry_config(plan: Plan) -> dict:
    """config.yml as data; no secret appears here (http.secret comes from REGISTRY_HTTP_SECRET)."""
    registry = plan.spec.registry
    storage: dict = {}
    if registry.blob_descriptor_cache != "none":
        storage["cache"] = {"blobdescriptor": registry.blob_descriptor_cache}
    storage.update(storage_driver(plan))
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


def storage_driver(plan: Plan) -> dict:
    """The storage section's driver, delete, redirect and maintenance keys; never a credential
    (those come from REGISTRY_STORAGE_* variables of an encrypted Secret)."""
    spec = plan.spec
    storage = spec.storage
    section: dict = {}
    if storage.driver == "filesystem":
        section["filesystem"] = {"rootdirectory": DATA_DIR}
    elif storage.driver == "swift":
        swift = {"authurl": storage_url(spec), "username": storage.username, "container": storage.container}
        swift.update({key: getattr(storage, key) for key in SWIFT_OPTIONS if getattr(storage, key) is not None})
        if storage.insecureskipverify:
            swift["insecureskipverify"] = True
        section["swift"] = swift
    else:
        endpoint = storage_url(spec)
        s3 = {"region": storage.region, "regionendpoint": endpoint, "forcepathstyle": True,
              "bucket": storage.bucket,
              "secure": storage.secure if storage.secure is not None else endpoint.startswith("https://"),
              "v4auth": storage.v4auth}
        for key in ("chunksize", "rootdirectory"):
            if getattr(storage, key) is not None:
                s3[key] = getattr(storage, key)
        if storage.skipverify:
            s3["skipverify"] = True
        section["s3"] = s3
    if storage.delete:
        section["delete"] = {"enabled": True}
    if storage.driver != "filesystem" and not storage.redirect:
        section["redirect"] = {"disable": True}
    if storage.read_only:
        section["maintenance"] = {"readonly": {"enabled": True}}
    return section
