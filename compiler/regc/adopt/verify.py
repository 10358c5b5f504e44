"""An import held to what runs: the spec compiled in memory as `regc build` would, what regc does not
model carried in extras.config where regc does not write it, then the registry of today and regc's
compared; the verdict says what is written and the exit status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from regc import layout, yamltext
from regc.adopt.compare import Difference, config_differences, object_differences
from regc.adopt.compiled import Compiled, compiled
from regc.adopt.config import Loss
from regc.adopt.imported import Imported
from regc.distribution.parser import canonical_config
from regc.envspec import model
from regc.envspec.draft import NOT_GIVEN, environment, merge
from regc.envspec.keys import unknown_keys
from regc.plan.operations_rules import derived_instead
from regc.plan.registry_config import managed_keys

LOSS_KINDS = ("auth", "tls", "storage")


@dataclass
class Verdict:
    """What the import found: the differences, the losses the user did not accept, and whether the
    comparison could be made at all."""

    differences: list[Difference] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    compared: bool = False
    not_compared: str = ""

    @property
    def blocked(self) -> bool:
        return bool(self.losses)

    @property
    def clean(self) -> bool:
        return not self.losses and not any(d.kind != "change" for d in self.differences)


def spec_text(imported: Imported, name: str, source: str) -> str:
    """The imported spec as its file says it. Every key of it is the model's: an importer maps what it
    reads to the spec's keys, and what has no key is reported, never written (the loader would then
    blame the team for regc's mistake)."""
    wrong = unknown_keys(imported.spec)
    if wrong:
        raise RuntimeError(f"the import wrote keys the spec does not have: {', '.join(wrong)} (a bug of regc's)")
    header = (
        f"# yaml-language-server: $schema=./{layout.SCHEMA_FILE}\n"
        f"# The {name} environment, imported by `regc import` from {source}.\n"
        f"# Review it (and the report the import printed), then `regc build {layout.ENVIRONMENTS}/{name}.yaml`.\n"
    )
    return header + yamltext.dump(imported.spec)


def verify(imported: Imported, name: str, source: str, accepted: set[str]) -> Verdict:
    """Compile the import, carry its leftovers, compare; losses not in `accepted` block the write."""
    verdict = Verdict()
    losses = list(imported.losses)
    first = compiled(spec_text(imported, name, source), name, imported.secrets)
    if first is None:
        verdict.not_compared = "the spec does not pass regc's rules (see above)"
    else:
        _carry(imported, first)
        final = compiled(spec_text(imported, name, source), name, imported.secrets) or first
        before = imported.before
        if before is not None and before.parsed is not None and final.runtime is not None and final.runtime.parsed:
            verdict.compared = True
            verdict.differences = config_differences(before, final.runtime)
            pulls = final.plan.spec.pull_secrets
            names = [f"{ns}/{pulls.name}" for ns in pulls.namespaces] if pulls is not None else []
            verdict.differences += object_differences(imported.objects, before.workload, final.objects, names)
        else:
            verdict.not_compared = "the input does not say how its registry runs"
    losses += [Loss(d.security, d.line()) for d in verdict.differences if d.kind == "security"]
    guarded = {loss.kind for loss in losses}
    losses += [loss for loss in _unguarded(imported) if loss.kind not in guarded]
    verdict.losses = [loss for loss in losses if loss.kind not in accepted]
    return verdict


def _unguarded(imported: Imported) -> list[Loss]:
    """Authentication, TLS and the storage endpoint the registry has today, against the spec itself:
    these hold even where the comparison could not run (a spec the rules refuse is written all the
    same, to be fixed, but never without them)."""
    before = imported.before
    if before is None or before.parsed is None or before.parsed.error is not None or before.major is None:
        return []
    config = canonical_config(before.parsed.config, before.major)
    spec = imported.spec
    found = []
    auth = config.get("auth") or {}
    if auth and not spec.get("auth"):
        kinds = ", ".join(sorted(str(k) for k in auth))
        found.append(Loss("auth", f"auth ({kinds}): the registry authenticates today; the spec would not"))
    tls = (config.get("http") or {}).get("tls") or {}
    if tls and (spec.get("tls") or {}).get("enabled", True) is False:
        found.append(Loss("tls", "http.tls: the registry serves TLS today; the spec would serve plain HTTP"))
    storage = config.get("storage") or {}
    wanted = {"s3": ("regionendpoint", "regionendpoint"), "swift": ("authurl", "authurl")}
    for driver, (key, spec_key) in wanted.items():
        endpoint = (storage.get(driver) or {}).get(key) if isinstance(storage.get(driver), dict) else None
        given = (spec.get("storage") or {}).get(spec_key)
        if endpoint and given != endpoint and not spec.get("radosgw"):
            found.append(
                Loss(
                    "storage", f"storage.{driver}.{key}: the spec would send the credentials elsewhere than {endpoint}"
                )
            )
    return found


def _carry(imported: Imported, built: Compiled) -> None:
    """Leftover keys to extras.config where regc neither writes them nor derives anything from them."""
    written = managed_keys(built.plan.managed_config)
    extra: dict[str, Any] = {}
    for dotted, value in imported.leftovers.items():
        parts = dotted.split(".")
        if dotted in written or any(key.startswith(dotted + ".") for key in written) or derived_instead(dotted):
            continue
        node = extra
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    merge(imported.spec, environment(extras=model.Extras.model_construct(config=extra or NOT_GIVEN)))
