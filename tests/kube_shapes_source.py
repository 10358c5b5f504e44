"""`compiler/regc/adopt/kube_shapes.json` cut from Kubernetes' published schemas (kubernetes-validate's
copy of the API's OpenAPI at the suite's API server version): the types of every field of the kinds an
import reads, without the descriptions. `python -m tests.kube_shapes_source` writes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import kubernetes_validate

from regc.adopt import shapes

VERSION = "1.36.0"  # the suite's kube-apiserver is v1.36
# The kinds an import reads, each as the newest API version serves it (an older version's object is
# checked only in the fields both name the same).
KINDS = {
    "Deployment": "io.k8s.api.apps.v1.Deployment",
    "StatefulSet": "io.k8s.api.apps.v1.StatefulSet",
    "DaemonSet": "io.k8s.api.apps.v1.DaemonSet",
    "ReplicaSet": "io.k8s.api.apps.v1.ReplicaSet",
    "ReplicationController": "io.k8s.api.core.v1.ReplicationController",
    "Pod": "io.k8s.api.core.v1.Pod",
    "Job": "io.k8s.api.batch.v1.Job",
    "CronJob": "io.k8s.api.batch.v1.CronJob",
    "Service": "io.k8s.api.core.v1.Service",
    "Endpoints": "io.k8s.api.core.v1.Endpoints",
    "EndpointSlice": "io.k8s.api.discovery.v1.EndpointSlice",
    "Secret": "io.k8s.api.core.v1.Secret",
    "ConfigMap": "io.k8s.api.core.v1.ConfigMap",
    "PersistentVolumeClaim": "io.k8s.api.core.v1.PersistentVolumeClaim",
    "Ingress": "io.k8s.api.networking.v1.Ingress",
}
# Definitions the Helm importer checks values against (what the chart passes into its objects).
ALSO = ["io.k8s.api.core.v1.Toleration", "io.k8s.api.networking.v1.IngressTLS"]
SKIPPED = {"status"}  # what the cluster writes: an import never reads it


def source() -> Path:
    folder = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"v{VERSION}-local"
    return folder / "_definitions.json"


def cut() -> dict[str, Any]:
    definitions = json.loads(source().read_text())["$defs"]
    kept: dict[str, Any] = {}

    def prune(schema: dict[str, Any], top: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "$ref" in schema:
            name = schema["$ref"].split("/")[-1]
            visit(name)
            return {"$ref": name}
        types = schema.get("type")
        types = [types] if isinstance(types, str) else types
        if types and [t for t in types if t != "null"]:
            out["type"] = [t for t in types if t != "null"]
        if "oneOf" in schema:
            out["oneOf"] = [prune(option) for option in schema["oneOf"]]
        if schema.get("format") == "byte":
            out["format"] = "byte"
        if schema.get("required"):
            out["required"] = sorted(schema["required"])
        if "properties" in schema:
            out["properties"] = {
                key: prune(value) for key, value in sorted(schema["properties"].items()) if not (top and key in SKIPPED)
            }
        if isinstance(schema.get("additionalProperties"), dict):
            out["additionalProperties"] = prune(schema["additionalProperties"])
        if "items" in schema:
            out["items"] = prune(schema["items"])
        return out

    def visit(name: str) -> None:
        if name not in kept:
            kept[name] = {}
            kept[name] = prune(definitions[name], top=name in KINDS.values())

    for name in [*KINDS.values(), *ALSO, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]:
        visit(name)
    kinds = {kind: {"apiVersion": _api_version(definitions[name]), "definition": name} for kind, name in KINDS.items()}
    return {"version": VERSION, "kinds": kinds, "definitions": dict(sorted(kept.items()))}


def _api_version(definition: dict[str, Any]) -> str:
    (gvk,) = definition["x-kubernetes-group-version-kind"]
    return f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]


def text() -> str:
    return json.dumps(cut(), indent=None, separators=(",", ":"), sort_keys=False) + "\n"


if __name__ == "__main__":
    target = Path(shapes.__file__).parent / shapes.SHAPES_FILE
    target.write_text(text())
    print(f"{target}: {target.stat().st_size} bytes from {source()}")
