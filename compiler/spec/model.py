"""The environment spec (`environments/<name>.yaml`) as pydantic models: validation, defaults, schema, docs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from regc.spec.fields import (DnsLabel, DnsName, Duration, HostName, Image, LabelKey, LabelValue, Port, Quantity,
                              UserName)

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


class Htpasswd(SpecModel):
    """HTTP basic auth from an htpasswd file; passwords live in the environment's secrets file."""

    realm: str = "registry"
    """The realm the registry names in its `WWW-Authenticate` challenge."""
    users: list[UserName] = []
    """User names; each password is `users.<name>` in `environments/<env>.secrets.yaml`."""
    bcrypt_cost: int = Field(10, ge=4, le=14)
    """bcrypt cost of the hashes. The registry checks the hash on every authenticated request:
    cost 10 takes about 60 ms of one core per request (cost 12 about 240 ms, cost 5 about 2 ms).
    Generated passwords are long and random, so a low cost is safe for them."""
    generate_missing_passwords: bool = False
    """Generate a password for a user who has none in the secrets file (stored there, encrypted),
    instead of failing the build. Read it back with `sops decrypt`."""


class Auth(SpecModel):
    """Who may push and pull."""

    htpasswd: Htpasswd | None = None
    """Basic auth with an htpasswd file; off when unset (anyone who reaches the registry may push)."""


class Tls(SpecModel):
    """TLS of the registry's listener."""

    enabled: bool = True
    """Serve HTTPS. Without it every client daemon needs `--insecure-registry`."""
    certificate: Literal["generate", "provided"] = "generate"
    """`generate`: regc keeps a CA and a server certificate in the secrets file and renews the
    certificate; `provided`: `tls.cert` and `tls.key` of the secrets file are yours (validated)."""
    key_algorithm: Literal["ecdsa-p256", "rsa-2048"] = "ecdsa-p256"
    """Key type of generated keys; `rsa-2048` as in the guide's cfssl CSR."""
    validity_days: int = Field(365, ge=2, le=3650)
    """Lifetime of a generated server certificate."""
    renew_before_days: int = Field(30, ge=1)
    """Renew the server certificate this many days before it ends; `regc check` fails within it."""
    extra_names: list[HostName] = []
    """Names beyond `registry.<namespace>.svc` and `registry.<namespace>.svc.<clusterDomain>`:
    DNS names or IP addresses clients use (an ingress host, `127.0.0.1` for a node proxy)."""


class PullSecrets(SpecModel):
    """`kubernetes.io/dockerconfigjson` Secrets that let pods in other namespaces pull."""

    user: UserName
    """The htpasswd user the pods pull as (one of `auth.htpasswd.users`)."""
    namespaces: list[DnsLabel] = Field(min_length=1)
    """Namespaces that get the Secret; they must exist (regc does not create them)."""
    name: DnsName = "registry-pull"
    """Name of the Secret; pods list it under `imagePullSecrets`."""
    server: str | None = None
    """Registry address as the kubelet pulls it; default `registry.<namespace>.svc:<service.port>`
    (only resolvable where nodes use the cluster DNS: otherwise name the ingress host)."""


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
    auth: Auth = Auth()
    """Authentication of clients."""
    tls: Tls = Tls()
    """TLS of the registry."""
    insecure: bool = False
    """Allow basic auth without TLS (passwords in clear on the wire). Every client then needs
    `--insecure-registry`."""
    pull_secrets: PullSecrets | None = None
    """Pull secrets for the namespaces that pull from this registry."""
    cluster_domain: DnsName = "cluster.local"
    """The cluster's DNS domain, for the certificate's names."""
