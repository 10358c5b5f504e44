"""A volume the registry mounts beyond regc's own (a Kubernetes Volume and its VolumeMount, in their
shapes) as an entry of the spec's `extras.volumes`, or why it cannot be one."""

from __future__ import annotations

from typing import Any

from regc.envspec import model
from regc.envspec.draft import NOT_GIVEN

# The sources regc mounts, each with the field that names it; the API server's defaults of the others.
SOURCES = {"configMap": "name", "secret": "secretName", "emptyDir": ""}
DEFAULTS = {"defaultMode": 420, "optional": False}
MOUNT_FIELDS = ("name", "mountPath", "readOnly")
WHOLE = "regc mounts a whole ConfigMap, Secret or emptyDir"


def extra_volume(volume: dict[str, Any], mount: dict[str, Any]) -> tuple[model.ExtraVolume | None, str]:
    """The spec's entry for `volume` mounted by `mount`; None and why when the spec cannot say it."""
    kinds = [key for key in volume if key != "name"]
    if len(kinds) != 1 or kinds[0] not in SOURCES:
        return None, f"{WHOLE}; this volume is {', '.join(kinds) or 'of no source'}"
    kind = kinds[0]
    source = volume[kind] or {}
    named = SOURCES[kind]
    more = [k for k, v in source.items() if k != named and v is not None and DEFAULTS.get(k, object()) != v]
    more += [f"the mount's {k}" for k, v in mount.items() if k not in MOUNT_FIELDS and v]
    if more:
        return None, f"{WHOLE}: {', '.join(more)} has no place in the spec"
    entry = model.ExtraVolume.model_construct(
        name=volume["name"],
        mount_path=mount["mountPath"],
        config_map=source.get(named) if kind == "configMap" else None,
        secret=source.get(named) if kind == "secret" else None,
        empty_dir=True if kind == "emptyDir" else NOT_GIVEN,
        # ConfigMaps and Secrets are read-only whatever the mount says
        read_only=False if kind == "emptyDir" and not mount.get("readOnly") else NOT_GIVEN,
    )
    return entry, ""
