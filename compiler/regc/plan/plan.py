"""Build the plan of one environment: the spec, its derived values, and the rules it must meet."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from regc import yamltext
from regc.plan.names import Names, config_directory, image_major_version
from regc.plan.registry_config import managed_config, merge_extra_config

if TYPE_CHECKING:
    from regc.envspec.model import Environment


@dataclass(frozen=True)
class Plan:
    """Everything the renderers need for one environment; pure data."""

    name: str
    spec: Environment
    registry_major: int | None
    config_dir: str
    names: Names = field(default_factory=Names)

    @property
    def namespace(self) -> str:
        return self.spec.namespace

    @property
    def sealed(self) -> bool:
        """regc's Secrets are SOPS-encrypted in the tree (not made by the External Secrets Operator
        from a store): the engines need the age key to decrypt them."""
        return self.spec.secret_store is None

    @property
    def sealed_tls(self) -> bool:
        """The registry's TLS Secret is regc's own (sealed from the secrets file), not cert-manager's
        or the user's."""
        return self.spec.tls.enabled and self.spec.tls.certificate in ("generate", "provided")

    @property
    def tls_secret(self) -> str:
        """The Secret the registry's certificate is mounted from: the user's with `certificate: secret`."""
        tls = self.spec.tls
        return tls.secret_name if tls.certificate == "secret" and tls.secret_name else self.names.tls_secret

    @property
    def service_account(self) -> str:
        """The registry pods' ServiceAccount: the spec's name, else the instance's."""
        return self.spec.service_account.name or self.names.service_account

    def pod_images(self) -> dict[str, Any]:
        """What every pod regc emits says about pulling its images: the pull secrets (pod level)."""
        secrets = self.spec.image_pull_secrets
        return {"imagePullSecrets": [{"name": name} for name in secrets]} if secrets else {}

    @cached_property
    def managed_config(self) -> dict[str, Any]:
        """config.yml as regc writes it, before extras.config: computed once."""

        return managed_config(self.spec)

    @cached_property
    def config(self) -> dict[str, Any]:
        """config.yml as the pod reads it: the managed keys, then extras.config. No secret appears
        here (http.secret comes from REGISTRY_HTTP_SECRET)."""

        return merge_extra_config(self.managed_config, self.spec.extras.config)

    @cached_property
    def config_text(self) -> str:
        """config.yml exactly as the pod reads it (the ConfigMap holds it, the pods roll on its digest)."""

        return yamltext.dump(self.config)


def shared_storage(spec: Environment) -> bool:
    """Storage that several pods can use at once: object storage or a ReadWriteMany volume."""
    return spec.storage.driver != "filesystem" or spec.storage.access_mode == "ReadWriteMany"


def max_replicas(spec: Environment) -> int:
    """The most registry pods that run at once outside a rollout."""
    scaling = spec.availability.autoscaling
    return scaling.max_replicas if scaling.enabled else spec.registry.replicas


def rolling_update(spec: Environment) -> tuple[int, int]:
    """A rollout's maxUnavailable and maxSurge: the spec's, or one pod down at a time when required
    anti-affinity leaves a surge pod no node (every declared node already runs one)."""
    rolling, scheduling = spec.availability.rolling_update, spec.scheduling
    if (
        "rolling_update" not in spec.availability.model_fields_set
        and scheduling.anti_affinity == "required"
        and scheduling.nodes is not None
        and scheduling.nodes <= max_replicas(spec)
    ):
        return 1, 0
    return rolling.max_unavailable, rolling.max_surge


def plan_for(name: str, spec: Environment) -> Plan:
    """The plan of an already-checked spec (also used for the shared base)."""
    major = image_major_version(spec.registry.image)
    return Plan(
        name=name, spec=spec, registry_major=major, config_dir=config_directory(major), names=Names(spec.instance)
    )
