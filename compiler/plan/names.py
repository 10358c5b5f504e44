"""Names and labels derived from an environment: one place, so every component agrees."""

from __future__ import annotations

APP = "registry"
DEPLOYMENT = "registry"
SERVICE = "registry"  # the guide's clients reach registry.<namespace>.svc
CONFIG_MAP = "registry-config"
DATA_CLAIM = "registry-data"
CONTAINER = "registry"
HTTP_PORT = 5000
DATA_DIR = "/var/lib/registry"
APPLICATION_SET_DIRECTORY = "argocd"  # the repository's folder of the Argo CD ApplicationSet

# Shared by every environment: they stand in base/ and in selectors.
BASE_LABELS = {
    "app.kubernetes.io/name": APP,
    "app.kubernetes.io/component": "registry",
    "app.kubernetes.io/part-of": "container-registry",
    "app.kubernetes.io/managed-by": "regc",
}
SELECTOR_LABELS = {key: BASE_LABELS[key] for key in ("app.kubernetes.io/name", "app.kubernetes.io/component")}
INSTANCE_LABEL = "app.kubernetes.io/instance"


def image_major_version(image: str) -> int | None:
    """The registry's major version from its tag (`registry:2.8.3` -> 2), or None for a bare digest."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" not in last:
        return None
    tag = last.split(":", 1)[1].removeprefix("v")
    head = tag.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def config_directory(major: int | None) -> str:
    """Where the image reads config.yml: distribution v3 moved it to /etc/distribution."""
    return "/etc/distribution" if major is not None and major >= 3 else "/etc/docker/registry"

HTTP_SECRET = "registry-http-secret"
HTPASSWD_SECRET = "registry-htpasswd"
TLS_SECRET = "registry-tls"
AUTH_DIR = "/auth"
CERTS_DIR = "/certs"


def service_names(namespace: str, cluster_domain: str) -> list[str]:
    """The DNS names of the registry Service, which its certificate must always carry."""
    return [f"{SERVICE}.{namespace}.svc", f"{SERVICE}.{namespace}.svc.{cluster_domain}"]


def certificate_names(spec) -> list[str]:
    """Every name the server certificate must cover, in a stable order."""
    names = service_names(spec.namespace, spec.cluster_domain)
    wanted = list(spec.tls.extra_names)
    if spec.ingress is not None:
        wanted.append(spec.ingress.host)
    if spec.node_proxy.enabled:
        wanted += ["localhost", "127.0.0.1"]  # nodes reach the registry at localhost:<hostPort>
    for name in wanted:
        if name not in names:
            names.append(name)
    return names


def secret_file(name: str, namespace: str | None = None) -> str:
    return f"secret-{namespace}-{name}.yaml" if namespace else f"secret-{name}.yaml"

STORAGE_SECRET = "registry-storage"
ENV_SECRET = "registry-credentials"  # upstream (proxy), Redis and webhook credentials
SERVICE_ACCOUNT = "registry"
METRICS_SERVICE = "registry-metrics"
METRICS_PORT_NAME = "metrics"
SMOKE_SECRET = "registry-smoke-credentials"
SMOKE_TEST_LABELS = {"app.kubernetes.io/name": APP, "app.kubernetes.io/component": "smoke-test"}
SMOKE_TEST_POLICY = "registry-smoke-test"
NODE_PROXY = "registry-node-proxy"


def radosgw_url(spec) -> str | None:
    """The radosgw front's URL inside the cluster, when the spec lists radosgw hosts."""
    front = spec.radosgw
    if front is None:
        return None
    return f"http://{front.service_name}.{spec.namespace}.svc.{spec.cluster_domain}:{front.port}"


def storage_url(spec) -> str | None:
    """Where the registry reaches its object store: the spec's URL, else the radosgw front's."""
    storage = spec.storage
    if storage.driver == "swift":
        front = radosgw_url(spec)
        return storage.authurl or (front + "/auth/v1" if front else None)
    if storage.driver == "s3":
        return storage.regionendpoint or radosgw_url(spec)
    return None


def radosgw_user(name: str, spec) -> str:
    """The radosgw uid of this environment's registry."""
    storage = spec.storage
    if storage.driver == "swift":
        return storage.username.split(":", 1)[0]
    return storage.user or f"registry-{name}"
