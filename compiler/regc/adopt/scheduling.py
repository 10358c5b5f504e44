"""A pod's tolerations and node affinity (as Kubernetes reads them, shapes checked) in the spec's
`scheduling` terms, and every part of them the spec has no place for, by its path."""

from __future__ import annotations

from typing import Any

from regc.adopt.values import Path_
from regc.envspec import model
from regc.envspec.draft import NOT_GIVEN, keyed

TOLERATION_KEYS = ("key", "operator", "value", "effect")
REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution"
PREFERRED = "preferredDuringSchedulingIgnoredDuringExecution"
SPREAD = "scheduling.antiAffinity (preferred or required) and scheduling.topologySpread"
Left = list[tuple[Path_, str, str]]  # (path under the pod's fields, why, what could carry it)


def tolerations(given: list[dict[str, Any]] | None) -> tuple[list[model.Toleration], Left]:
    """The tolerations the spec can say, and what it cannot (`tolerationSeconds`)."""
    mapped: list[model.Toleration] = []
    left: Left = []
    for index, toleration in enumerate(given or []):
        said = {k: v for k, v in toleration.items() if k in TOLERATION_KEYS and v is not None}
        mapped.append(keyed(model.Toleration, said))
        for key in toleration:
            if key not in TOLERATION_KEYS:
                left.append((("tolerations", index, key), "regc's tolerations have no such field", ""))
    return mapped, left


def node_affinity(affinity: dict[str, Any] | None) -> tuple[model.NodeAffinity, Left]:
    """The spec's `nodeAffinity` (required and preferred terms of `matchExpressions`), and what it
    cannot say: node fields (`matchFields`), pod affinity and anti-affinity, a term without its parts."""
    left: Left = []
    for kind, value in (affinity or {}).items():
        if kind != "nodeAffinity" and value:
            left.append((("affinity", kind), "regc spreads the registry pods by presets", SPREAD))
    node = (affinity or {}).get("nodeAffinity") or {}
    at: Path_ = ("affinity", "nodeAffinity")
    required: list[model.NodeTerm] = []
    for index, term in enumerate((node.get(REQUIRED) or {}).get("nodeSelectorTerms") or []):
        where = (*at, REQUIRED, "nodeSelectorTerms", index)
        mapped = _term(term, where, left)
        if mapped:
            required.append(mapped)
    preferred: list[model.PreferredNodeTerm] = []
    for index, item in enumerate(node.get(PREFERRED) or []):
        where = (*at, PREFERRED, index)
        if item.get("weight") is None or item.get("preference") is None:
            left.append((where, "a preferred term has a weight and a preference, as Kubernetes reads it", ""))
            continue
        mapped = _term(item["preference"], (*where, "preference"), left)
        if mapped:
            preferred.append(model.PreferredNodeTerm.model_construct(weight=item["weight"], preference=mapped))
    return model.NodeAffinity.model_construct(required=required or NOT_GIVEN, preferred=preferred or NOT_GIVEN), left


def _term(term: dict[str, Any], where: Path_, left: Left) -> model.NodeTerm | None:
    """The term's label requirements (None when it has none: a term of node fields only is left)."""
    for key, value in term.items():
        if key != "matchExpressions" and value:
            left.append(((*where, key), "regc's node terms match node labels only (matchExpressions)", ""))
    expressions = term.get("matchExpressions")
    return model.NodeTerm.model_construct(match_expressions=expressions) if expressions else None
