"""The environment spec (`environments/<name>.yaml`) as pydantic models: validation, defaults, schema, docs."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag
from pydantic.alias_generators import to_camel

from regc.envspec.fields import (
    INT32_MAX,
    BucketName,
    Cidr,
    DnsLabel,
    DnsName,
    Duration,
    FluxDuration,
    GitUrl,
    HostName,
    Image,
    IpAddress,
    LabelKey,
    LabelValue,
    Port,
    PrometheusDuration,
    Quantity,
    RefreshInterval,
    RepositoryPath,
    SwiftUser,
    Url,
    UserName,
)

API_VERSION: Final = "regc/v1"
DEFAULT_IMAGE = "registry:2.8.3"
HAPROXY_IMAGE = "haproxy:3.2-alpine"  # the node proxy's and the radosgw front's


class SpecModel(BaseModel):
    """Base of every spec model: camelCase keys, unknown keys are errors, values are frozen."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        # Values mean what they say: `true` is no number, `1.10` (a float to YAML) no branch name.
        strict=True,
        frozen=True,
        defer_build=True,
        # Field docstrings become descriptions in `regc schema` (regc.envspec.schema reads them):
        # pydantic's use_attribute_docstrings would parse this module's source on every import.
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
    threshold: int = Field(3, ge=1, le=INT32_MAX)
    """How many failures in a row make the registry unhealthy."""


class HealthCheck(SpecModel):
    """Health checks the registry runs by itself."""

    storage_driver: StorageDriverHealthCheck = StorageDriverHealthCheck()
    """The storage driver check, as in the guide: every 10s, threshold 3."""


class Registry(SpecModel):
    """The registry container and its `config.yml`."""

    image: Image = DEFAULT_IMAGE
    """The registry image, pinned to a version tag or a digest (`latest` is refused)."""
    replicas: int = Field(1, ge=1, le=INT32_MAX)
    """Number of registry pods. More than one needs storage all of them can share."""
    resources: Resources = Resources()
    """CPU and memory for the registry container."""
    log_level: Literal["error", "warn", "info", "debug"] = "info"
    """The registry's log level (`log.level`)."""
    blob_descriptor_cache: Literal["inmemory", "redis", "none"] = "inmemory"
    """Cache of blob descriptors (`storage.cache.blobdescriptor`); `redis` needs the `redis`
    section; `none` turns it off."""
    log_formatter: Literal["text", "json", "logstash"] = "text"
    """Format of the registry's log lines (`log.formatter`); `json` for log pipelines."""
    headers: dict[str, list[str]] = {"X-Content-Type-Options": ["nosniff"]}
    """HTTP headers added to every response (`http.headers`)."""
    health_check: HealthCheck = HealthCheck()
    """Health checks the registry runs by itself (`health`)."""
    http_secret_ref: SecretKey | None = None
    """The HTTP secret (which signs upload state across replicas) from a Secret of yours instead of
    the secrets file."""


class StorageCommon(SpecModel):
    """Settings every storage driver shares."""

    delete: bool = False
    """Allow deleting blobs and manifests by digest (`storage.delete.enabled`); garbage collection
    frees space only for what was deleted."""
    read_only: bool = False
    """Maintenance mode (`storage.maintenance.readonly`): pulls work, pushes are refused. Turn it
    on while `registry garbage-collect` runs (see the README)."""


class FilesystemStorage(StorageCommon):
    """Images on a PersistentVolumeClaim (for example a Ceph RBD volume of StorageClass `rbd`)."""

    driver: Literal["filesystem"] = "filesystem"
    """The storage driver (the default when `driver` is left out)."""
    size: Quantity = "10Gi"
    """Size of the volume claim."""
    storage_class_name: str | None = None
    """StorageClass of the claim, such as `rbd`; the cluster's default class when unset."""
    access_mode: Literal["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"] = "ReadWriteOnce"
    """Access mode of the claim. Only `ReadWriteMany` lets more than one replica share it."""


class SecretKey(SpecModel):
    """A key of a Secret in the registry's namespace that regc does not write (an operator's, External
    Secrets', a Rook ObjectBucketClaim's)."""

    name: DnsName
    """The Secret's name."""
    key: str = Field(min_length=1)
    """The key."""


class CredentialsSecret(SpecModel):
    """A Secret in the registry's namespace holding the object store's credentials (a Rook
    ObjectBucketClaim's Secret, say), and its keys."""

    name: DnsName
    """The Secret's name."""
    password_key: str = "password"
    """Swift: the key of the password."""
    access_key_key: str = "AWS_ACCESS_KEY_ID"
    """S3: the key of the access key (the ObjectBucketClaim's name for it by default)."""
    secret_key_key: str = "AWS_SECRET_ACCESS_KEY"
    """S3: the key of the secret key."""


class ObjectStorage(StorageCommon):
    """Settings of the object stores (radosgw through Swift or S3)."""

    redirect: bool = False
    """Let clients fetch layers straight from the object store (`storage.redirect`). Keep it off for
    radosgw behind a private front that clients cannot reach."""
    credentials: Literal["provided", "generate", "secret"] = "provided"
    """`provided`: the credentials are in the secrets file (a missing one is an error); `generate`:
    regc generates them there, and `regc rgw-commands` creates them in radosgw; `secret`: they are in
    the Secret `credentialsSecret` names, which regc references and never writes."""
    credentials_secret: CredentialsSecret | None = None
    """The Secret of `credentials: secret`."""


class SwiftStorage(ObjectStorage):
    """radosgw's Swift API (auth v1), as in the guide. The password is `swift.password` of the
    secrets file and reaches the pod as REGISTRY_STORAGE_SWIFT_PASSWORD."""

    driver: Literal["swift"]
    """The storage driver. Needs a `registry:2.x` image: distribution v3 removed Swift."""
    authurl: Url | None = None
    """Auth URL, e.g. `http://rgw.example:7480/auth/v1`; default: the radosgw front of this spec."""
    username: SwiftUser
    """The radosgw Swift user, `uid:subuser` (the guide's `kube:registry`)."""
    container: BucketName
    """The container; one container serves one user only (shared, the registry fails with 401)."""
    authversion: Literal[1, 2, 3] | None = 1
    """Auth version; radosgw's Swift auth is v1. Unset: detected from the URL."""
    tenant: str | None = None
    """Tenant name (Keystone)."""
    tenantid: str | None = None
    """Tenant id (Keystone)."""
    domain: str | None = None
    """Domain name (Keystone v3)."""
    domainid: str | None = None
    """Domain id (Keystone v3)."""
    region: str | None = None
    """Region of the container."""
    chunksize: int | None = Field(None, ge=1 << 20)
    """Size in bytes of the segments of large objects (the driver's default: 20 MiB)."""
    prefix: str | None = None
    """A prefix of every key, to share one container between paths of one registry."""
    insecureskipverify: bool = False
    """Skip TLS verification of the auth URL (avoid: use http inside the cluster, or a trusted CA)."""
    endpointtype: Literal["public", "internal", "admin"] | None = None
    """Endpoint type (Keystone catalogs)."""


class S3Storage(ObjectStorage):
    """radosgw's S3 API. `s3.accessKey` and `s3.secretKey` of the secrets file reach the pod as
    REGISTRY_STORAGE_S3_ACCESSKEY and REGISTRY_STORAGE_S3_SECRETKEY."""

    driver: Literal["s3"]
    """The storage driver."""
    regionendpoint: Url | None = None
    """The S3 endpoint, e.g. `http://rgw.example:7480`; default: the radosgw front of this spec.
    Path-style addressing is always on with an endpoint (registry v3 needs it: distribution #4528)."""
    bucket: BucketName
    """The bucket; it must exist before the registry starts."""
    region: str = "us-east-1"
    """Region of the signature; radosgw accepts its zonegroup's name (`us-east-1` suits the default)."""
    secure: bool | None = None
    """Use HTTPS to the endpoint; default: what the endpoint's scheme says."""
    v4auth: bool = Field(True, alias="v4auth")
    """AWS signature v4 (always written: the registry's docs contradict themselves on the default)."""
    chunksize: int | None = Field(None, ge=5 << 20)
    """Part size of multipart uploads in bytes (at least 5 MiB)."""
    rootdirectory: str | None = None
    """A prefix of every key in the bucket."""
    skipverify: bool = False
    """Skip TLS verification of the endpoint."""
    user: DnsLabel | None = None
    """The radosgw user `regc rgw-commands` creates; default `registry-<env>`."""


def _storage_driver(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("driver", "filesystem"))
    return getattr(value, "driver", "filesystem")


Storage = Annotated[
    Annotated[FilesystemStorage, Tag("filesystem")]
    | Annotated[SwiftStorage, Tag("swift")]
    | Annotated[S3Storage, Tag("s3")],
    Discriminator(_storage_driver),
]


class Radosgw(SpecModel):
    """The radosgw front: a Service over the radosgw hosts, for clusters with no load balancer in
    front of them."""

    hosts: list[IpAddress] = Field(min_length=1)
    """Addresses of the radosgw hosts (IPv4 or IPv6)."""
    port: Port = 7480
    """radosgw's port."""
    service_name: DnsLabel = "radosgw"
    """Name of the Service; the storage URL defaults to `http://<name>.<namespace>.svc.<domain>:<port>`."""
    front: Literal["haproxy", "endpoints"] = "haproxy"
    """What the Service sends connections to. `haproxy`: a Deployment of HAProxy that checks every
    host each 2 s and sends connections only to those that answer (a dead host is out within 4 s;
    a connection it cannot open is tried on another host). `endpoints`: the guide's selector-less
    Service with an EndpointSlice of the hosts: nothing checks them, so a dead host keeps its share
    of connections (and, with the guide's ClientIP affinity, every pod pinned to it)."""
    replicas: int = Field(2, ge=1, le=INT32_MAX)
    """HAProxy pods of the `haproxy` front (on different nodes when they can)."""
    image: Image = HAPROXY_IMAGE
    """The HAProxy image of the `haproxy` front."""
    legacy_endpoints: bool = False
    """Also emit a v1 `Endpoints` object (`endpoints` front only), for clusters older than
    EndpointSlice-only Services (< 1.33 mirror them; the Endpoints API is deprecated)."""


class Ingress(SpecModel):
    """An Ingress (networking.k8s.io/v1) in front of the registry."""

    host: DnsName
    """Host name clients push to; added to the certificate's names."""
    hosts: list[DnsName] = []
    """More host names of the same registry, each a rule of the Ingress and a name of the certificate."""
    path: Literal["/", "/v2"] = "/"
    """What the Ingress exposes: everything, or only the registry API (`/v2`); clients speak the API
    at the host's root, so no other prefix works."""
    class_name: str = "nginx"
    """IngressClass. With `nginx`, regc adds the annotations that large pushes need."""
    tls_secret_name: DnsName | None = None
    """Secret holding the Ingress certificate; default: the registry's own (`registry-tls`)."""
    annotations: dict[str, str] = {}
    """More annotations; they win over regc's."""


class NodeProxy(SpecModel):
    """A DaemonSet that lets every node reach the registry at localhost:<hostPort> (the guide's
    answer to nodes that cannot resolve cluster DNS; a NodePort did not work there)."""

    enabled: bool = False
    """Run the proxy."""
    image: Image = HAPROXY_IMAGE
    """A TCP proxy image (HAProxy); TLS passes through to the registry."""
    host_port: Port = 5000
    """Port on every node."""


class SmokeTest(SpecModel):
    """A Job that, after every change, logs in as the pull user, pushes a tiny image, pulls it back
    and compares digests (and deletes it where `storage.delete` is on), so a broken sync is visible."""

    enabled: bool = False
    """Run it (needs `pullSecrets.user`)."""
    image: Image = "curlimages/curl:8.11.1"
    """An image with curl."""


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
    labels: dict[LabelKey, LabelValue] = {}
    """More labels on the Service (the `app.kubernetes.io/*` ones are regc's)."""
    load_balancer_ip: IpAddress | None = Field(None, alias="loadBalancerIP")
    """The address a LoadBalancer Service asks for (where the cloud honours it)."""
    load_balancer_source_ranges: list[Cidr] = []
    """Networks a LoadBalancer Service admits clients from."""
    external_traffic_policy: Literal["Cluster", "Local"] | None = None
    """`Local` keeps the clients' addresses (NodePort and LoadBalancer only)."""


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
    secret_ref: SecretKey | None = None
    """An htpasswd file kept in a Secret of yours instead (its users are then yours: `users` stays
    empty, and pull secrets, which need a password, cannot be made)."""


class Auth(SpecModel):
    """Who may push and pull."""

    htpasswd: Htpasswd | None = None
    """Basic auth with an htpasswd file; off when unset (anyone who reaches the registry may push)."""


class CaBundle(SpecModel):
    """A ConfigMap key holding the CA that clients trust, such as trust-manager's `Bundle` target."""

    config_map: DnsName
    """The ConfigMap, in the registry's namespace."""
    key: str = "ca.crt"
    """Its key holding the PEM bundle."""


class CertManager(SpecModel):
    """The registry's certificate from cert-manager: a `cert-manager.io/v1` Certificate whose Secret
    (`registry-tls`) the registry mounts."""

    issuer: DnsName
    """The Issuer's or ClusterIssuer's name."""
    issuer_kind: Literal["Issuer", "ClusterIssuer"] = "Issuer"
    """`Issuer` (in the registry's namespace) or `ClusterIssuer`."""
    issuer_group: DnsName = "cert-manager.io"
    """The issuer's API group (an external issuer's own, such as `awspca.cert-manager.io`)."""
    duration: Duration | None = None
    """The certificate's lifetime (at least `1h`); cert-manager's default (90 days) when unset."""
    renew_before: Duration | None = None
    """Renew this long before the end (at least `5m`, less than `duration`); a third of the
    lifetime when unset."""
    ca_bundle: CaBundle | None = None
    """Where the smoke test finds the CA to trust; the `ca.crt` cert-manager writes into the Secret
    (CA, Vault and self-signed issuers do; ACME issuers do not) when unset."""


class Tls(SpecModel):
    """TLS of the registry's listener."""

    enabled: bool = True
    """Serve HTTPS. Without it every client daemon needs `--insecure-registry`."""
    certificate: Literal["generate", "provided", "cert-manager", "secret"] = "generate"
    """`generate`: regc keeps a CA and a server certificate in the secrets file and renews the
    certificate; `provided`: `tls.cert` and `tls.key` of the secrets file are yours (validated);
    `cert-manager`: a Certificate of `certManager`'s issuer, which cert-manager renews; `secret`: the
    `kubernetes.io/tls` Secret `secretName` of yours, referenced, never written."""
    secret_name: DnsName | None = None
    """The TLS Secret of `certificate: secret` (`tls.crt`, `tls.key`, and `ca.crt` for the smoke test)."""
    cert_manager: CertManager | None = None
    """The issuer and lifetime, for `certificate: cert-manager`."""
    key_algorithm: Literal["ecdsa-p256", "rsa-2048"] = "ecdsa-p256"
    """Key type of generated keys; `rsa-2048` as in the guide's cfssl CSR."""
    validity_days: int = Field(365, ge=2, le=3650)
    """Lifetime of a generated server certificate."""
    renew_before_days: int = Field(30, ge=1, le=3650)
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


class KubeConfigRef(SpecModel):
    """A Secret in Flux's namespace holding the kubeconfig of the cluster to deploy to."""

    name: DnsName
    """The Secret's name."""
    key: str = Field("value", min_length=1)
    """Its key holding the kubeconfig (Flux reads `value` by default)."""


class GitOps(SpecModel):
    """The GitOps engine that syncs this environment's overlay, and where it reads it from. Its
    objects go to `overlays/<env>/gitops/`, outside the overlay they sync: apply them once."""

    engine: Literal["none", "argocd", "flux"] = "none"
    """`argocd` (an Application, Secrets decrypted by KSOPS), `flux` (a GitRepository and a
    Kustomization with SOPS decryption), or `none`."""
    repo_url: GitUrl | None = Field(None, alias="repoURL")
    """The Git repository holding this tree (required with an engine): `https://`, `http://` or
    `ssh://`; the scp form `git@host:org/repo.git` is written as `ssh://git@host/org/repo.git`."""
    revision: str = Field("main", min_length=1)
    """What to sync: a branch by default; see `revisionKind`. Argo CD: `targetRevision`."""
    revision_kind: Literal["branch", "tag", "semver", "commit"] | None = None
    """Flux: which `ref` field `revision` fills. Unset: `commit` for a full 40 or 64 hex digit SHA,
    else `branch`. A tag or a semver range must say so (Flux would look for a branch of that name)."""
    path: RepositoryPath | None = None
    """Path of the overlay in the repository, relative to its root; default `overlays/<env>`."""
    namespace: DnsLabel | None = None
    """Namespace of the engine's objects; default `argocd` or `flux-system`."""
    destination_server: Url = "https://kubernetes.default.svc"
    """Argo CD: the cluster to deploy to (the one Argo CD runs in by default)."""
    destination_name: DnsName | None = None
    """Argo CD: the cluster to deploy to by its name in Argo CD (`argocd cluster add` names it),
    instead of `destinationServer`."""
    kube_config: KubeConfigRef | None = None
    """Flux: deploy to another cluster, through the kubeconfig in this Secret (the Kustomization's
    `kubeConfig`)."""
    project: DnsLabel = "default"
    """Argo CD: the AppProject."""
    interval: FluxDuration = "10m"
    """Flux: how often to reconcile (ms, s, m, h: Flux's pattern)."""
    prune: bool = True
    """Delete objects that leave the overlay."""
    self_heal: bool = True
    """Argo CD: undo changes made in the cluster by hand."""
    decryption_secret: DnsName = "sops-age"
    """Flux: the Secret (in the engine's namespace) holding the age key as `age.agekey`; create it
    out of band, never commit it."""
    application_set: bool = Field(False, alias="applicationSet")
    """Argo CD: be generated by the repository's ApplicationSet (`argocd/applicationset.yaml`, a git
    files generator over the `applicationset-member.yaml` regc writes in each member's overlay)
    instead of having an Application of its own. Every environment that sets it shares repoURL,
    revision, project, namespace and sync policy; each keeps its own namespace and
    destinationServer."""


class RollingUpdate(SpecModel):
    """How a rollout replaces pods (only on shared storage: a ReadWriteOnce volume uses Recreate)."""

    max_unavailable: int = Field(0, ge=0, le=INT32_MAX)
    """Pods that may be down during a rollout beyond the desired count."""
    max_surge: int = Field(1, ge=0, le=INT32_MAX)
    """Pods created above the desired count during a rollout."""


class DisruptionBudget(SpecModel):
    """A PodDisruptionBudget (`policy/v1`): how many pods a node drain may take at once."""

    enabled: bool = False
    """Emit the PodDisruptionBudget. Needs more than one replica (one would block every drain)."""
    max_unavailable: int | None = Field(None, ge=1, le=INT32_MAX)
    """Pods a voluntary disruption may take down at once; 1 when neither this nor `minAvailable`
    is set."""
    min_available: int | None = Field(None, ge=1, le=INT32_MAX)
    """Pods that must stay up instead (fewer than the replicas, or every drain blocks)."""


class ScalingPolicy(SpecModel):
    """How fast the autoscaler may change the number of pods."""

    type: Literal["Pods", "Percent"]
    """Count pods or a percentage of the current pods."""
    value: int = Field(ge=1, le=INT32_MAX)
    """How many (or what percentage) per period."""
    period_seconds: int = Field(ge=1, le=1800)
    """The period."""


class ScalingRules(SpecModel):
    """Scaling in one direction (`autoscaling/v2` HPAScalingRules)."""

    stabilization_window_seconds: int | None = Field(None, ge=0, le=3600)
    """How long past recommendations count, so the pod count does not flap."""
    select_policy: Literal["Max", "Min", "Disabled"] | None = None
    """Which policy wins when several apply; `Disabled` stops scaling this way."""
    policies: list[ScalingPolicy] = []
    """The policies."""


class ScalingBehavior(SpecModel):
    """The autoscaler's behavior up and down."""

    scale_up: ScalingRules | None = None
    """Scaling up."""
    scale_down: ScalingRules | None = None
    """Scaling down."""


class Autoscaling(SpecModel):
    """A HorizontalPodAutoscaler (`autoscaling/v2`) on CPU; the Deployment then leaves `replicas` to it."""

    enabled: bool = False
    """Emit the HorizontalPodAutoscaler. Needs shared storage (object storage or ReadWriteMany)."""
    min_replicas: int = Field(2, ge=1, le=INT32_MAX)
    """Fewest pods."""
    max_replicas: int = Field(6, ge=1, le=INT32_MAX)
    """Most pods."""
    target_cpu_utilization: int = Field(75, ge=1, le=100)
    """Average CPU use, in percent of the request, that the autoscaler aims at."""
    target_memory_utilization: int | None = Field(None, ge=1, le=100)
    """Average memory use, in percent of the request, that it aims at too (needs a memory request)."""
    behavior: ScalingBehavior | None = None
    """How fast it scales up and down (stabilization windows, policies)."""


class Availability(SpecModel):
    """Rollouts, disruptions, scaling and shutdown: what keeps pushes and pulls working."""

    rolling_update: RollingUpdate = RollingUpdate()
    """The rolling-update strategy."""
    pod_disruption_budget: DisruptionBudget = DisruptionBudget()
    """A PodDisruptionBudget."""
    autoscaling: Autoscaling = Autoscaling()
    """A HorizontalPodAutoscaler."""
    termination_grace_period_seconds: int = Field(60, ge=1, le=INT32_MAX)
    """How long a stopping pod may take: `preStopSleepSeconds` of serving on, then the registry's
    `http.draintimeout` (what is left, less 5 s), so uploads in flight complete before the kubelet
    kills the container."""
    pre_stop_sleep_seconds: int = Field(10, ge=0, le=INT32_MAX)
    """How long a stopping pod keeps serving before the registry is told to stop (a preStop sleep,
    Kubernetes 1.30 and later): the time every node's kube-proxy takes to stop sending it new
    connections. Without it, a rollout or a drain refuses connections on real nodes. 0 leaves
    it out."""


class SecretStore(SpecModel):
    """The environment's secrets from a store (Vault, a cloud secrets manager) through the External
    Secrets Operator, instead of a SOPS-encrypted secrets file: regc emits `ExternalSecret` objects
    whose templates build each Secret the registry reads, and nothing secret reaches git."""

    kind: Literal["SecretStore", "ClusterSecretStore"] = "ClusterSecretStore"
    """The operator's store: a `ClusterSecretStore`, or a `SecretStore` in the registry's namespace."""
    name: DnsName
    """The store's name."""
    key: str = Field(min_length=1)
    """The remote key holding the environment's values, shaped as its secrets file would be
    (`users.<name>`, `httpSecret`, `swift.password`...): each value is read by its dotted path."""
    refresh_interval: RefreshInterval = "1h"
    """How often the operator reads the store again (a Go duration; `0` reads it once)."""


class Toleration(SpecModel):
    """A Kubernetes toleration."""

    key: str | None = None
    """The taint key; unset with `operator: Exists` tolerates every taint."""
    operator: Literal["Equal", "Exists"] = "Equal"
    """`Equal` (with a value) or `Exists`."""
    value: str | None = None
    """The taint value, for `Equal`."""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None
    """The taint effect; unset matches every effect."""


class NodeRequirement(SpecModel):
    """A requirement on a node label (Kubernetes' NodeSelectorRequirement)."""

    key: LabelKey
    """The node label."""
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
    """`In` and `NotIn` take values, `Exists` and `DoesNotExist` none, `Gt` and `Lt` one integer."""
    values: list[str] = []
    """The values the operator compares the label with."""


class NodeTerm(SpecModel):
    """Requirements a node meets all of."""

    match_expressions: list[NodeRequirement] = Field(min_length=1)
    """The requirements."""


class PreferredNodeTerm(SpecModel):
    """A term the scheduler favours nodes by, with its weight."""

    weight: int = Field(ge=1, le=100)
    """1 to 100, added to a node's score when it meets the term."""
    preference: NodeTerm
    """The term."""


class NodeAffinity(SpecModel):
    """Which nodes the registry pods may run on, and which they prefer."""

    required: list[NodeTerm] = []
    """Terms of which a node must meet one (each term: all of its requirements)."""
    preferred: list[PreferredNodeTerm] = []
    """Terms the scheduler favours nodes by."""


class Scheduling(SpecModel):
    """Where the registry pods run."""

    anti_affinity: Literal["none", "preferred", "required"] = "preferred"
    """Keep registry pods on different nodes: `preferred` (if possible) or `required` (never two on
    one node: more replicas than nodes then stay Pending; declare `nodes` to roll out on shared
    storage)."""
    nodes: int | None = Field(None, ge=1, le=INT32_MAX)
    """How many nodes can run a registry pod (its nodeSelector, node affinity and tolerations
    allowed). With `antiAffinity: required`, regc checks that the replicas fit and that a rollout
    can progress; when every such node already runs a pod, it rolls one pod down at a time
    (maxUnavailable 1, maxSurge 0) instead of a surge pod that no node would take."""
    topology_spread: bool = False
    """Spread pods evenly across zones (`topology.kubernetes.io/zone`, at most one apart, scheduling
    anyway when that cannot be met)."""
    priority_class_name: DnsName | None = None
    """A PriorityClass, so the registry is not preempted before the workloads that pull from it."""
    node_selector: dict[LabelKey, LabelValue] = {}
    """Node labels a registry pod's node must carry."""
    tolerations: list[Toleration] = []
    """Taints the registry pods tolerate."""
    node_affinity: NodeAffinity = NodeAffinity()
    """Node affinity (required and preferred terms), beside the anti-affinity preset."""


class AlertRule(SpecModel):
    """A Prometheus alerting rule of your own, in the registry's PrometheusRule."""

    alert: str = Field(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """The alert's name (regc's own names are taken)."""
    expr: str = Field(min_length=1)
    """The PromQL expression."""
    for_: PrometheusDuration | None = Field(None, alias="for")
    """How long the expression must hold before the alert fires."""
    labels: dict[LabelKey, str] = {}
    """Labels, such as `severity: warning`."""
    annotations: dict[str, str] = {}
    """Annotations, such as `summary`."""


class Metrics(SpecModel):
    """The registry's debug listener with Prometheus metrics (`http.debug`, `prometheus`)."""

    enabled: bool = False
    """Serve metrics on a separate port (never on the registry's own port), behind the
    `registry-metrics` Service."""
    port: Port = 5001
    """Port of the debug listener."""
    service_monitor: bool = False
    """Emit a ServiceMonitor (`monitoring.coreos.com/v1`, Prometheus Operator) for the metrics."""
    interval: PrometheusDuration = "30s"
    """How often Prometheus scrapes (whole units in order, such as `30s` or `1m30s`: the Prometheus
    Operator's pattern)."""
    prometheus_rule: bool = False
    """Emit a PrometheusRule with the alerts that matter for a registry: no ready replica, a share of
    5xx responses, the storage driver health check failing."""
    error_rate_threshold: float = Field(0.05, gt=0, lt=1)
    """Share of responses with a 5xx status, over 10 minutes, above which RegistryHighErrorRate fires."""
    labels: dict[LabelKey, LabelValue] = {}
    """Labels on the ServiceMonitor and PrometheusRule, for the Prometheus that selects them
    (such as `release: kube-prometheus-stack`)."""
    extra_rules: list[AlertRule] = []
    """More alerting rules in the PrometheusRule (needs `prometheusRule: true`)."""


class NetworkPolicy(SpecModel):
    """A NetworkPolicy around the registry pods: who may reach them, what they may reach."""

    enabled: bool = False
    """Emit the NetworkPolicy (a CNI that enforces it is needed: Calico, Cilium, ...)."""
    ingress_controller_namespace: DnsLabel | None = "ingress-nginx"
    """Namespace of the ingress controller, allowed in when the spec has an `ingress`."""
    client_namespaces: list[DnsLabel] = []
    """Namespaces allowed to reach the registry, beside those of `pullSecrets.namespaces` and the
    registry's own."""
    monitoring_namespace: DnsLabel | None = "monitoring"
    """Namespace of Prometheus, allowed to the metrics port."""
    egress_cidrs: list[str] = []
    """Extra destinations the registry may reach (CIDRs: radosgw outside the cluster, the proxy's
    upstream, Redis, webhook receivers). The radosgw front's addresses and DNS are always allowed."""


class LoginSecret(SpecModel):
    """A Secret in the registry's namespace holding a user name and a password."""

    name: DnsName
    """The Secret's name."""
    username_key: str = "username"
    """The key of the user name."""
    password_key: str = "password"
    """The key of the password."""


class Proxy(SpecModel):
    """A pull-through cache: the registry mirrors `remoteurl` and refuses pushes."""

    remoteurl: Url
    """The upstream registry, such as `https://registry-1.docker.io`."""
    credentials: bool = False
    """Log in to the upstream with `proxy.username` and `proxy.password` of the secrets file (they
    reach the pod as REGISTRY_PROXY_USERNAME and REGISTRY_PROXY_PASSWORD from an encrypted Secret)."""
    credentials_secret: LoginSecret | None = None
    """Log in with the user name and password of this Secret of yours instead (referenced, never
    written)."""
    ttl: Duration | None = None
    """How long cached content is kept (`proxy.ttl`, registry 3 only; `0s` keeps it for ever).
    Registry 2.8 keeps it 7 days and has no setting."""


class Redis(SpecModel):
    """Redis for the blob descriptor cache (`redis`). Configure Redis with `allkeys-lru`: the
    registry sets no expiry on its keys."""

    addr: str
    """`host:port` of Redis."""
    password: bool = False
    """Authenticate with `redis.password` of the secrets file (REGISTRY_REDIS_PASSWORD)."""
    password_secret: SecretKey | None = None
    """Authenticate with the password in this Secret of yours instead (referenced, never written)."""
    db: int = Field(0, ge=0, le=INT32_MAX)
    """The database number."""
    dial_timeout: Duration = "1s"
    """Timeout to connect."""
    read_timeout: Duration = "1s"
    """Timeout to read."""
    write_timeout: Duration = "1s"
    """Timeout to write."""


class NotificationEndpoint(SpecModel):
    """A webhook that receives the registry's push, pull and delete events."""

    name: DnsLabel
    """Name of the endpoint."""
    url: Url
    """Where events are POSTed."""
    headers: dict[str, str] = {}
    """Headers sent with each request, in clear (in config.yml)."""
    secret_headers: list[str] = []
    """Headers whose values are secret: each is `notifications.<endpoint>.<header>` of the secrets
    file. With any, the endpoint list goes to the pod from an encrypted Secret
    (REGISTRY_NOTIFICATIONS_ENDPOINTS) instead of config.yml."""
    header_secrets: dict[str, SecretKey] = {}
    """Headers whose values are in Secrets of yours: header -> the Secret's name and key (referenced,
    never written). Each reaches the pod as a variable, and the endpoint list
    (REGISTRY_NOTIFICATIONS_ENDPOINTS, in clear in the Deployment) names it as `$(VARIABLE)`, which
    the kubelet expands. The value is put into a JSON string as it is: it must not hold `"` or `\\`.
    Not in one environment together with `secretHeaders`."""
    timeout: Duration = "1s"
    """HTTP timeout of a request."""
    threshold: int = Field(5, ge=1, le=INT32_MAX)
    """Failures before the registry backs off."""
    backoff: Duration = "10s"
    """How long it backs off."""
    ignored_media_types: list[str] = []
    """Events about these media types are not sent."""
    ignored_actions: list[Literal["pull", "push", "delete", "mount"]] = []
    """Events of these actions are not sent (`pull` is the noisiest)."""


class UploadPurging(SpecModel):
    """Removal of abandoned uploads (`storage.maintenance.uploadpurging`)."""

    enabled: bool = True
    """Purge uploads older than `age`."""
    age: Duration = "168h"
    """Age of an upload that counts as abandoned."""
    interval: Duration = "24h"
    """How often to purge."""
    dryrun: bool = False
    """Only log what would be purged."""


class ExtraVolume(SpecModel):
    """A volume added to the registry pod and mounted into its container."""

    name: DnsLabel
    """Volume name; must not be one regc uses (config, htpasswd, tls, data, tmp)."""
    mount_path: str
    """Where the container sees it; must not be a path regc mounts."""
    read_only: bool = True
    """Mount read-only."""
    config_map: DnsName | None = None
    """A ConfigMap as the volume."""
    secret: DnsName | None = None
    """A Secret as the volume (created outside regc, or by you beside the overlay)."""
    empty_dir: bool = False
    """An emptyDir as the volume."""


class KeyRef(SpecModel):
    """A key of a Secret or ConfigMap in the registry's namespace."""

    name: DnsName
    """The object's name."""
    key: str
    """The key."""
    optional: bool = False
    """Start the pod even when the key is missing."""


class FieldRef(SpecModel):
    """A field of the pod (the downward API)."""

    field_path: str
    """Such as `metadata.name`, `metadata.labels['x']`, `spec.nodeName` or `status.podIP`."""


class EnvSource(SpecModel):
    """Where a variable's value comes from: exactly one of these."""

    secret_key_ref: KeyRef | None = None
    """A key of a Secret (one regc does not write: an operator's, External Secrets')."""
    config_map_key_ref: KeyRef | None = None
    """A key of a ConfigMap."""
    field_ref: FieldRef | None = None
    """A field of the pod."""


class EnvFrom(SpecModel):
    """A variable whose value Kubernetes fills in at the pod's start."""

    value_from: EnvSource
    """The source."""


def _env_kind(value: Any) -> str:
    return ENV_SOURCE if isinstance(value, dict) else ENV_TEXT


# The tags of a variable's two shapes; regc.envspec.parse leaves them out of error locations.
ENV_TEXT, ENV_SOURCE = "(text)", "(valueFrom)"
EnvValue = Annotated[
    Annotated[str, Tag(ENV_TEXT)] | Annotated[EnvFrom, Tag(ENV_SOURCE)],
    Discriminator(_env_kind),
]


class Extras(SpecModel):
    """Escape hatches. Each is checked: none may silently replace what regc manages."""

    env: dict[str, EnvValue] = {}
    """Extra environment variables of the registry container: a value, or `valueFrom` a Secret's or
    ConfigMap's key or a field of the pod. `REGISTRY_*` variables that regc sets (or that would
    override a config.yml key regc writes) are refused."""
    volumes: list[ExtraVolume] = []
    """Extra volumes and mounts."""
    pod_annotations: dict[str, str] = {}
    """Annotations on the registry pods (the `regc/*` ones are regc's)."""
    pod_labels: dict[LabelKey, LabelValue] = {}
    """Labels on the registry pods (the `app.kubernetes.io/*` ones are regc's)."""
    config: dict[str, Any] = {}
    """A config.yml fragment merged last. A key regc writes is refused with its name, unless it is
    listed in `configOverrides`."""
    config_overrides: list[str] = []
    """Dotted config.yml keys (such as `http.addr`) that `config` may replace, on purpose."""


class ServiceAccount(SpecModel):
    """The registry pods' ServiceAccount: the identity a cloud's workload identity maps to a role."""

    name: DnsName | None = None
    """Its name; the instance's name (`registry`) when unset."""
    annotations: dict[LabelKey, str] = {}
    """Its annotations, such as `eks.amazonaws.com/role-arn` (EKS IRSA),
    `iam.gke.io/gcp-service-account` (GKE Workload Identity) or `azure.workload.identity/client-id`
    (Azure Workload Identity, which also wants the pod label `azure.workload.identity/use: "true"`
    in `extras.podLabels`)."""


class Environment(SpecModel):
    """One environment: a registry deployed to one namespace of one cluster."""

    model_config = ConfigDict(title="regc Environment")

    api_version: Literal["regc/v1"] = Field(alias="apiVersion")
    """Version of this format: `regc/v1`."""
    kind: Literal["Environment"]
    """Always `Environment`."""
    extends: str | None = None
    """A shared file this spec builds on, relative to this spec and inside `environments/` (such as
    `shared/mirror.yaml`): its mappings are merged key by key under this spec's, which wins;
    any other value (a list included) is taken whole from this spec when it gives one. One level:
    the shared file has no `extends` of its own."""
    namespace: DnsLabel = "registry"
    """Namespace the registry runs in; the overlay creates it (see `createNamespace`)."""
    instance: DnsLabel = Field("registry", max_length=40)
    """Name of this registry in its namespace, from which every object name derives (`registry`,
    `registry-config`, `registry-tls`, ...; clients reach `<instance>.<namespace>.svc`). Give a second
    registry of the same namespace its own, such as `mirror`; the default keeps the names of every
    earlier tree."""
    create_namespace: bool = True
    """Emit the Namespace (with its Pod Security labels). Two environments in one namespace: exactly
    one of them creates it."""
    labels: dict[LabelKey, LabelValue] = {}
    """Extra labels on every object of this environment."""
    registry: Registry = Registry()
    """The registry container and its configuration."""
    storage: Storage = FilesystemStorage()
    """Where images are stored: `filesystem` (a volume), `swift` or `s3` (radosgw)."""
    radosgw: Radosgw | None = None
    """The HA front for radosgw: a Service over its hosts, through HAProxy pods that check them."""
    ingress: Ingress | None = None
    """An Ingress for clients outside the cluster."""
    node_proxy: NodeProxy = NodeProxy()
    """A per-node proxy at localhost."""
    smoke_test: SmokeTest = SmokeTest()
    """A post-sync push-and-pull check as the pull user."""
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
    service_account: ServiceAccount = ServiceAccount()
    """The registry pods' identity: its name and annotations (cloud workload identity)."""
    image_pull_secrets: list[DnsName] = []
    """Secrets that every pod regc emits pulls its image with, such as a private mirror's
    credentials. Each must exist in the environment's namespace: yours, or this environment's own
    `pullSecrets.name` when `pullSecrets.namespaces` lists the namespace."""
    image_pull_policy: Literal["IfNotPresent", "Always", "Never"] = "IfNotPresent"
    """When the kubelet pulls the images of regc's pods (`imagePullPolicy` of every container)."""
    cluster_domain: DnsName = "cluster.local"
    """The cluster's DNS domain, for the certificate's names."""
    gitops: GitOps = GitOps()
    """The GitOps engine that syncs this environment."""
    availability: Availability = Availability()
    """Rolling updates, PodDisruptionBudget, HorizontalPodAutoscaler, shutdown grace."""
    scheduling: Scheduling = Scheduling()
    """Anti-affinity, topology spread, priority, node selection, tolerations."""
    metrics: Metrics = Metrics()
    """Prometheus metrics, ServiceMonitor and alerts."""
    network_policy: NetworkPolicy = NetworkPolicy()
    """A NetworkPolicy around the registry."""
    proxy: Proxy | None = None
    """Run this environment as a pull-through cache of another registry (it refuses pushes)."""
    redis: Redis | None = None
    """Redis as the blob descriptor cache (sets `registry.blobDescriptorCache: redis`)."""
    notifications: list[NotificationEndpoint] = []
    """Webhook endpoints for registry events."""
    upload_purging: UploadPurging = UploadPurging()
    """Removal of abandoned uploads."""
    extras: Extras = Extras()
    """Escape hatches: extra env, volumes, pod metadata, and a config.yml fragment."""
    secret_store: SecretStore | None = None
    """Take the secrets from a store through the External Secrets Operator instead of SOPS."""
