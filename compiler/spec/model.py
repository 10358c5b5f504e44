"""The environment spec (`environments/<name>.yaml`) as pydantic models: validation, defaults, schema, docs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from regc.spec.fields import DnsLabel, Duration, Image, LabelKey, LabelValue, Port, Quantity

API_VERSION = "regc/v1"
DEFAULT_IMAGE = "registry:2.8.3"


class SpecModel(BaseModel):
    """Base of every spec model: camelCase keys, unknown keys are errors, values are frozen."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        coerce_numbers_to_str=True,
        frozen=True,
        use_attribute_docstrings=True,
    )


class ResourceAmounts(SpecModel):
    """CPU and memory amounts, as Kubernetes quantities."""

    cpu: Quantity | None = None
    """CPU, in cores (`1`, `0.5`) or millicores (`500m`)."""
    memory: Quantity | None = None
    """Memory, such as `256Mi` or `1Gi`."""


class Resources(SpecModel):
    """Requests (what the scheduler reserves) and limits (what the container may use)."""

    requests: ResourceAmounts = ResourceAmounts(cpu="100m", memory="128Mi")
    """Reserved for the registry container."""
    limits: ResourceAmounts = ResourceAmounts(memory="512Mi")
    """Upper bounds; no CPU limit by default, so pushes are not throttled."""


class StorageDriverHealthCheck(SpecModel):
    """The registry's periodic check of its storage driver (`health.storagedriver`)."""

    enabled: bool = True
    """Check the storage driver periodically; the registry reports unhealthy when it fails."""
    interval: Duration = "10s"
    """How often to check."""
    threshold: int = Field(3, ge=1)
    """How many failures in a row make the registry unhealthy."""


class HealthCheck(SpecModel):
    """Health checks the registry runs by itself."""

    storage_driver: StorageDriverHealthCheck = StorageDriverHealthCheck()
    """The storage driver check, as in the guide: every 10s, threshold 3."""


class Registry(SpecModel):
    """The registry container and its `config.yml`."""

    image: Image = DEFAULT_IMAGE
    """The registry image, pinned to a version tag or a digest (`latest` is refused)."""
    replicas: int = Field(1, ge=1)
    """Number of registry pods. More than one needs storage all of them can share."""
    resources: Resources = Resources()
    """CPU and memory for the registry container."""
    log_level: Literal["error", "warn", "info", "debug"] = "info"
    """The registry's log level (`log.level`)."""
    blob_descriptor_cache: Literal["inmemory", "none"] = "inmemory"
    """Cache of blob descriptors (`storage.cache.blobdescriptor`); `none` turns it off."""
    headers: dict[str, list[str]] = {"X-Content-Type-Options": ["nosniff"]}
    """HTTP headers added to every response (`http.headers`)."""
    health_check: HealthCheck = HealthCheck()
    """Health checks the registry runs by itself (`health`)."""


class FilesystemStorage(SpecModel):
    """Images on a PersistentVolumeClaim (for example a Ceph RBD volume of StorageClass `rbd`)."""

    driver: Literal["filesystem"] = "filesystem"
    """The storage driver."""
    size: Quantity = "10Gi"
    """Size of the volume claim."""
    storage_class_name: str | None = None
    """StorageClass of the claim, such as `rbd`; the cluster's default class when unset."""
    access_mode: Literal["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"] = "ReadWriteOnce"
    """Access mode of the claim. Only `ReadWriteMany` lets more than one replica share it."""


class Service(SpecModel):
    """The Service in front of the registry pods."""

    type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    """Service type."""
    port: Port = 5000
    """Port the Service listens on."""
    node_port: Port | None = Field(None, ge=30000, le=32767)
    """Fixed node port, for type NodePort or LoadBalancer."""
    annotations: dict[str, str] = {}
    """Annotations of the Service, for example for a cloud load balancer."""


class Environment(SpecModel):
    """One environment: a registry deployed to one namespace of one cluster."""

    model_config = ConfigDict(title="regc Environment")

    api_version: Literal["regc/v1"] = Field(alias="apiVersion")
    """Version of this format: `regc/v1`."""
    kind: Literal["Environment"]
    """Always `Environment`."""
    namespace: DnsLabel = "registry"
    """Namespace the registry runs in; the overlay creates it."""
    labels: dict[LabelKey, LabelValue] = {}
    """Extra labels on every object of this environment."""
    registry: Registry = Registry()
    """The registry container and its configuration."""
    storage: FilesystemStorage = FilesystemStorage()
    """Where images are stored."""
    service: Service = Service()
    """The Service in front of the registry."""
