"""The registry's config.yml, as the distribution registry documents it: computed once per plan
(`Plan.config`), read by the ConfigMap's renderer and by the rules that guard the escape hatches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from regc.plan.names import AUTH_DIR, CERTS_DIR, DATA_DIR, HTTP_PORT, storage_url

if TYPE_CHECKING:
    from regc.envspec.model import Environment

SWIFT_OPTIONS = (
    "authversion",
    "tenant",
    "tenantid",
    "domain",
    "domainid",
    "region",
    "chunksize",
    "prefix",
    "endpointtype",
)


def managed_config(spec: Environment) -> dict[str, Any]:
    """config.yml as regc writes it, before extras.config."""
    registry = spec.registry
    storage: dict[str, Any] = {}
    if registry.blob_descriptor_cache != "none":
        storage["cache"] = {"blobdescriptor": registry.blob_descriptor_cache}
    storage.update(storage_driver(spec))
    log = {"level": registry.log_level, "formatter": registry.log_formatter, "fields": {"service": "registry"}}
    availability = spec.availability
    drain = max(availability.termination_grace_period_seconds - availability.pre_stop_sleep_seconds - 5, 1)
    config: dict[str, Any] = {
        "version": 0.1,
        "log": log,
        "storage": storage,
        "http": {"addr": f":{HTTP_PORT}", "draintimeout": f"{drain}s"},
    }
    if spec.tls.enabled:
        config["http"]["tls"] = {"certificate": f"{CERTS_DIR}/tls.crt", "key": f"{CERTS_DIR}/tls.key"}
    if registry.headers:
        config["http"]["headers"] = {name: list(values) for name, values in sorted(registry.headers.items())}
    htpasswd = spec.auth.htpasswd
    if htpasswd is not None:
        config["auth"] = {"htpasswd": {"realm": htpasswd.realm, "path": f"{AUTH_DIR}/htpasswd"}}
    if spec.metrics.enabled:
        config["http"]["debug"] = {"addr": f":{spec.metrics.port}", "prometheus": {"enabled": True, "path": "/metrics"}}
    check = registry.health_check.storage_driver
    config["health"] = {
        "storagedriver": {"enabled": check.enabled, "interval": check.interval, "threshold": check.threshold}
    }
    if spec.proxy is not None:
        # Credentials come from REGISTRY_PROXY_USERNAME/PASSWORD of the encrypted Secret.
        config["proxy"] = {"remoteurl": spec.proxy.remoteurl}
        if spec.proxy.ttl is not None:
            config["proxy"]["ttl"] = spec.proxy.ttl
    if spec.redis is not None:
        redis = spec.redis
        config["redis"] = {
            "addr": redis.addr,
            "db": redis.db,
            "dialtimeout": redis.dial_timeout,
            "readtimeout": redis.read_timeout,
            "writetimeout": redis.write_timeout,
        }
    if spec.notifications and not any(e.secret_headers or e.header_secrets for e in spec.notifications):
        config["notifications"] = {"endpoints": notification_endpoints(spec, {})}
    return config


def notification_endpoints(spec: Environment, secret_headers: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """`notifications.endpoints`; `secret_headers` (endpoint -> header -> value) come from the
    secrets file and reach the pod only through an encrypted Secret."""
    endpoints = []
    for endpoint in spec.notifications:
        headers = {name: [value] for name, value in endpoint.headers.items()}
        headers.update(
            {
                name: [secret_headers[endpoint.name][name]]
                for name in endpoint.secret_headers
                if name in secret_headers.get(endpoint.name, {})
            }
        )
        item = {
            "name": endpoint.name,
            "url": endpoint.url,
            "headers": dict(sorted(headers.items())),
            "timeout": endpoint.timeout,
            "threshold": endpoint.threshold,
            "backoff": endpoint.backoff,
        }
        if endpoint.ignored_media_types or endpoint.ignored_actions:
            item["ignore"] = {
                key: list(values)
                for key, values in (("mediatypes", endpoint.ignored_media_types), ("actions", endpoint.ignored_actions))
                if values
            }
        endpoints.append(item)
    return endpoints


def merge_extra_config(config: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """extras.config merged last, mapping into mapping (the rules refuse keys regc writes unless
    they are listed in extras.configOverrides)."""
    merged = dict(config)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_extra_config(merged[key], value)
        else:
            merged[key] = value
    return merged


def managed_keys(config: dict[str, Any], prefix: str = "") -> set[str]:
    """Every dotted key of config.yml that regc writes, leaves and mappings alike."""
    keys = set()
    for key, value in config.items():
        path = f"{prefix}{key}"
        keys.add(path)
        if isinstance(value, dict):
            keys |= managed_keys(value, path + ".")
    return keys


def storage_driver(spec: Environment) -> dict[str, Any]:
    """The storage section's driver, delete, redirect and maintenance keys; never a credential
    (those come from REGISTRY_STORAGE_* variables of an encrypted Secret)."""
    storage = spec.storage
    section: dict[str, Any] = {}
    if storage.driver == "filesystem":
        section["filesystem"] = {"rootdirectory": DATA_DIR}
    elif storage.driver == "swift":
        swift: dict[str, Any] = {
            "authurl": storage_url(spec),
            "username": storage.username,
            "container": storage.container,
        }
        swift.update({key: getattr(storage, key) for key in SWIFT_OPTIONS if getattr(storage, key) is not None})
        if storage.insecureskipverify:
            swift["insecureskipverify"] = True
        section["swift"] = swift
    else:
        endpoint = storage_url(spec)
        s3 = {
            "region": storage.region,
            "regionendpoint": endpoint,
            "forcepathstyle": True,
            "bucket": storage.bucket,
            "secure": storage.secure if storage.secure is not None else (endpoint or "").startswith("https://"),
            "v4auth": storage.v4auth,
        }
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
    maintenance: dict[str, Any] = {}
    purging = spec.upload_purging
    if purging.enabled:
        maintenance["uploadpurging"] = {
            "enabled": True,
            "age": purging.age,
            "interval": purging.interval,
            "dryrun": purging.dryrun,
        }
    else:
        maintenance["uploadpurging"] = {"enabled": False}
    if storage.read_only:
        maintenance["readonly"] = {"enabled": True}
    section["maintenance"] = maintenance
    return section
