"""`regc import`: adopt a registry a team already runs, from the community chart's values or from
the objects that run, into a spec and its encrypted secrets file."""

from __future__ import annotations

from pathlib import Path

from regc.adopt import chart
from regc.adopt.helm import from_helm_values
from regc.adopt.manifests import from_manifests, read_objects
from regc.adopt.source import manifest_documents, refuse_templates, refuse_templates_in_data
from regc.adopt.verify import LOSS_KINDS
from regc.adopt.write import write_import
from regc.commands.inputs import checked
from regc.envspec.fields import check_dns_label
from regc.envspec.load import load_yaml
from regc.errors import InputError
from regc.world import World


def accepted(kinds: list[str] | None) -> frozenset[str]:
    """The losses --accept-loss names, each one regc knows."""
    for kind in kinds or []:
        if kind not in LOSS_KINDS:
            raise InputError(f"--accept-loss {kind}: not a loss regc names", f"one of {', '.join(LOSS_KINDS)}")
    return frozenset(kinds or [])


def helm_values(
    world: World, values: Path, name: str, namespace: str, chart_version: str | None, accept_loss: list[str] | None
) -> int:
    """Write the spec and secrets file from a values file of the chart; 1 when something was not mapped."""
    checked(check_dns_label, name)
    checked(check_dns_label, namespace)
    losses = accepted(accept_loss)
    known = chart.versions()
    if chart_version not in known:
        raise InputError(
            f"--chart-version {chart_version}: regc knows the chart's versions {known[0]} to {known[-1]}"
            if chart_version
            else "which version of the chart does the release run? Its defaults decide what the values file "
            "leaves out (the image's tag among them), and regc does not guess",
            "helm list -n NAMESPACE shows it (docker-registry-VERSION): give --chart-version VERSION",
        )
    if world.files.is_file(values):
        refuse_templates(world.files.read_bytes(values).decode("utf-8", errors="replace"), str(values))
    # The report names dotted paths, not lines.
    document = load_yaml(values, str(values), world.files, positions=False)
    imported = from_helm_values(document.data, namespace, chart_version)
    return 0 if write_import(world, name, imported, str(values), losses).clean else 1


def manifests(
    world: World,
    paths: list[str],
    name: str,
    namespace: str | None,
    registry_version: int | None,
    accept_loss: list[str] | None,
) -> int:
    """Write the spec and secrets file from the objects that run; 1 when something was not mapped."""
    checked(check_dns_label, name)
    if namespace:
        checked(check_dns_label, namespace)
    losses = accepted(accept_loss)
    objects = read_objects(manifest_documents(paths, world.files))
    refuse_templates_in_data(objects)
    imported = from_manifests(objects, namespace, registry_version)
    return 0 if write_import(world, name, imported, "manifests", losses).clean else 1
