"""A volume the registry mounts beyond regc's own (a Kubernetes Volume and its VolumeMount, in their
shapes) as an entry of the spec's `extras.volumes`, or why it cannot be one."""

from __future__ import annotations

from typing import Any

# The sources regc mounts, each with the field that names it; the API server's defaults of the others.
SOURCES = {"configMap": "name", "secret": "secretName", "emptyDir": ""}
DEFAULTS = {"defaultMode": 420, "optional": False}
MOUNT_FIELDS = ("name", "mountPath", "readOnly")
WHOLE = "regc mounts a whole ConfigMap, Secret or emptyDir"


def extra_volume(volume: dict[str, Any], mount: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
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
    entry: dict[str, Any] = {"name": volume["name"], "mountPath": mount["mountPath"]}
    if named:
        entry[kind] = source.get(named)
    else:
        entry["emptyDir"] = True
        if not mount.get("readOnly"):  # ConfigMaps and Secrets are read-only whatever the mount says
            entry["readOnly"] = False
    return entry, ""
