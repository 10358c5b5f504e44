"""Build the plan of one environment: the spec, its derived values, and the rules it must meet."""

from __future__ import annotations

from dataclasses import dataclass, field

from regc.plan.names import Names, config_directory, image_major_version


@dataclass(frozen=True)
class Plan:
    """Everything the renderers need for one environment; pure data."""

    name: str
    spec: object  # regc.spec.model.Environment
    registry_major: int | None
    config_dir: str
    names: Names = field(default_factory=Names)

    @property
    def namespace(self) -> str:
        return self.spec.namespace


def shared_storage(spec) -> bool:
    """Storage that several pods can use at once: object storage or a ReadWriteMany volume."""
    return spec.storage.driver != "filesystem" or spec.storage.access_mode == "ReadWriteMany"


def plan_for(name: str, spec) -> Plan:
    """The plan of an already-checked spec (also used for the shared base)."""
    major = image_major_version(spec.registry.image)
    return Plan(
        name=name, spec=spec, registry_major=major, config_dir=config_directory(major), names=Names(spec.instance)
    )
