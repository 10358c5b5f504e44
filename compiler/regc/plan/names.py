"""Names and labels derived from an environment: one place, so every component agrees."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regc.envspec.model import Environment

from dataclasses import dataclass

APP = "registry"
DEFAULT_INSTANCE = "registry"  # the guide's clients reach registry.<namespace>.svc
CONTAINER = "registry"
HTTP_PORT = 5000
DATA_DIR = "/var/lib/registry"
INSTANCE_LABEL = "app.kubernetes.io/instance"
# The alerts of the PrometheusRule regc emits.
NO_READY_ALERT, ERROR_RATE_ALERT, STORAGE_ALERT = (
    "RegistryNoReadyReplicas",
    "RegistryHighErrorRate",
    "RegistryStorageUnhealthy",
)
ALERTS = (NO_READY_ALERT, ERROR_RATE_ALERT, STORAGE_ALERT)
METRICS_PORT_NAME = "metrics"


@dataclass(frozen=True)
class Names:
    """The names and labels of one registry's objects, all derived from its instance name (the spec's
    `instance`). The default, `registry`, gives the names every earlier tree has, so none moves; another
    instance can share a namespace with it: names, and the `component` label its selectors use, differ."""

    instance: str = DEFAULT_INSTANCE

    def _named(self, suffix: str) -> str:
        return f"{self.instance}-{suffix}"

    def _role(self, role: str) -> str:
        return role if self.instance == DEFAULT_INSTANCE else f"{self.instance}-{role}"

    @property
    def deployment(self) -> str:
        return self.instance

    @property
    def service(self) -> str:
        return self.instance

    @property
    def service_account(self) -> str:
        return self.instance

    @property
    def config_map(self) -> str:
        return self._named("config")

    @property
    def data_claim(self) -> str:
        return self._named("data")

    @property
    def http_secret(self) -> str:
        return self._named("http-secret")

    @property
    def htpasswd_secret(self) -> str:
        return self._named("htpasswd")

    @property
    def tls_secret(self) -> str:
        return self._named("tls")

    @property
    def storage_secret(self) -> str:
        return self._named("storage")

    @property
    def env_secret(self) -> str:
        return self._named("credentials")  # upstream (proxy), Redis and webhook credentials

    @property
    def smoke_secret(self) -> str:
        return self._named("smoke-credentials")

    @property
    def smoke_job_prefix(self) -> str:
        return self._named("smoke")

    @property
    def smoke_test_policy(self) -> str:
        return self._named("smoke-test")

    @property
    def metrics_service(self) -> str:
        return self._named("metrics")

    @property
    def node_proxy(self) -> str:
        return self._named("node-proxy")

    @property
    def base_labels(self) -> dict[str, str]:
        """On every object of the instance; in base/ and in selectors."""
        return {
            "app.kubernetes.io/name": APP,
            "app.kubernetes.io/component": self.instance,
            "app.kubernetes.io/part-of": "container-registry",
            "app.kubernetes.io/managed-by": "regc",
        }

    @property
    def selector_labels(self) -> dict[str, str]:
        return {key: self.base_labels[key] for key in ("app.kubernetes.io/name", "app.kubernetes.io/component")}

    @property
    def metrics_labels(self) -> dict[str, str]:
        return {**self.base_labels, "app.kubernetes.io/component": self._named("metrics")}

    @property
    def node_proxy_labels(self) -> dict[str, str]:
        return {"app.kubernetes.io/name": APP, "app.kubernetes.io/component": self._role("node-proxy")}

    @property
    def smoke_test_labels(self) -> dict[str, str]:
        return {"app.kubernetes.io/name": APP, "app.kubernetes.io/component": self._role("smoke-test")}

    def radosgw_front(self, service_name: str) -> str:
        """The HAProxy front's Deployment and ConfigMap, beside the radosgw Service it serves."""
        return f"{service_name}-front"

    @property
    def radosgw_front_labels(self) -> dict[str, str]:
        return {"app.kubernetes.io/name": APP, "app.kubernetes.io/component": self._role("radosgw-front")}


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


AUTH_DIR = "/auth"
CERTS_DIR = "/certs"


def service_host(spec: Environment) -> str:
    """The registry Service's name inside the cluster: `<service>.<namespace>.svc`."""
    return f"{Names(spec.instance).service}.{spec.namespace}.svc"


def service_names(spec: Environment) -> list[str]:
    """The DNS names of the registry Service, which its certificate must always carry."""
    return [service_host(spec), f"{service_host(spec)}.{spec.cluster_domain}"]


def certificate_names(spec: Environment) -> list[str]:
    """Every name the server certificate must cover, in a stable order."""
    names = service_names(spec)
    wanted = list(spec.tls.extra_names)
    if spec.ingress is not None:
        wanted += [spec.ingress.host, *spec.ingress.hosts]
    if spec.node_proxy.enabled:
        wanted += ["localhost", "127.0.0.1"]  # nodes reach the registry at localhost:<hostPort>
    for name in wanted:
        if name not in names:
            names.append(name)
    return names


def secret_file(name: str, namespace: str | None = None) -> str:
    return f"secret-{namespace}-{name}.yaml" if namespace else f"secret-{name}.yaml"


def radosgw_url(spec: Environment) -> str | None:
    """The radosgw front's URL inside the cluster, when the spec lists radosgw hosts."""
    front = spec.radosgw
    if front is None:
        return None
    return f"http://{front.service_name}.{spec.namespace}.svc.{spec.cluster_domain}:{front.port}"


def storage_url(spec: Environment) -> str | None:
    """Where the registry reaches its object store: the spec's URL, else the radosgw front's."""
    storage = spec.storage
    if storage.driver == "swift":
        front = radosgw_url(spec)
        return storage.authurl or (front + "/auth/v1" if front else None)
    if storage.driver == "s3":
        return storage.regionendpoint or radosgw_url(spec)
    return None


def radosgw_user(name: str, spec: Environment) -> str:
    """The radosgw uid of this environment's registry."""
    storage = spec.storage
    if storage.driver == "swift":
        return str(storage.username).split(":", 1)[0]
    if storage.driver == "s3" and storage.user:
        return storage.user
    return f"registry-{name}"
