"""An environment's topology as a Mermaid flowchart, read from its compiled objects: how clients reach
the registry pods, where they store images, what they mount and read, what the NetworkPolicy lets
in, and which GitOps engine syncs it. Nodes of objects a change adds, removes or changes are marked."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from regc import yamlread

Object = dict[str, Any]
MARKS = {
    "added": "fill:#dafbe1,stroke:#1a7f37,stroke-width:2px",
    "removed": "fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 3",
    "changed": "fill:#fff8c5,stroke:#9a6700,stroke-width:2px",
}


@dataclass
class Graph:
    nodes: dict[str, str] = field(default_factory=dict)  # id -> Mermaid node text
    edges: list[str] = field(default_factory=list)
    objects: dict[str, str] = field(default_factory=dict)  # kind/name -> node id

    def node(self, ident: str, text: str, obj: str | None = None) -> str:
        self.nodes.setdefault(ident, text)
        if obj is not None:
            self.objects[obj] = ident
        return ident

    def edge(self, source: str, target: str, label: str = "", dotted: bool = False) -> None:
        arrow = "-.->" if dotted else "-->"
        line = f"{source} {arrow}|{_text(label)}| {target}" if label else f"{source} {arrow} {target}"
        if line not in self.edges:
            self.edges.append(line)


def topology(objects: list[Object], engine: str | None = None) -> Graph:
    """The graph of one overlay's objects (as kustomize renders them); `engine` names what syncs it."""
    graph = Graph()
    by_kind: dict[str, list[Object]] = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)
    deployment = next((d for d in by_kind.get("Deployment", []) if _component(d) == "registry"), None)
    if deployment is None:
        return graph
    name = deployment["metadata"]["name"]
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    replicas = deployment["spec"].get("replicas", 1)
    pods = graph.node(
        "pods", f'[["{_text(f"registry pods ×{replicas}")}<br/>{_text(container["image"])}"]]', f"Deployment/{name}"
    )
    clients = graph.node("clients", '(("clients"))')
    for service in by_kind.get("Service", []):
        if service["spec"].get("selector") and _component(service) == "registry":
            ident = _ident("svc", service)
            ports = ", ".join(str(p["port"]) for p in service["spec"].get("ports", []))
            graph.node(ident, f'["Service {_text(service["metadata"]["name"])}<br/>:{ports}"]', _key(service))
            graph.edge(ident, pods)
    front = next((i for k, i in graph.objects.items() if k == f"Service/{name}"), pods)
    graph.edge(clients, front, "in the cluster")
    for ingress in by_kind.get("Ingress", []):
        ident = _ident("ing", ingress)
        hosts = ", ".join(r.get("host", "*") for r in ingress["spec"].get("rules", []))
        graph.node(ident, f'["Ingress<br/>{_text(hosts)}"]', _key(ingress))
        graph.edge(clients, ident, "HTTPS")
        graph.edge(ident, front)
    for daemonset in by_kind.get("DaemonSet", []):
        ident = _ident("ds", daemonset)
        host_ports = [
            p["hostPort"] for c in daemonset["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])
        ]
        port = f"localhost:{host_ports[0]}" if host_ports else "each node"
        graph.node(ident, f'["node proxy (DaemonSet)<br/>{port}"]', _key(daemonset))
        graph.edge(clients, ident, "nodes pull")
        graph.edge(ident, front)
    _storage(graph, by_kind, pod, pods)
    _mounts(graph, by_kind, pod, container, pods)
    _allowances(graph, by_kind, pods)
    for job in by_kind.get("Job", []):
        ident = _ident("job", job)
        graph.node(ident, '["smoke test (Job)"]', _key(job))
        graph.edge(ident, front, "push and pull", dotted=True)
    if engine:
        sync = graph.node("engine", f'{{{{"{_text(engine)}"}}}}')
        graph.edge(sync, pods, "syncs", dotted=True)
    return graph


def _storage(graph: Graph, by_kind: dict[str, list[Object]], pod: Object, pods: str) -> None:
    for volume in pod.get("volumes", []):
        claim = volume.get("persistentVolumeClaim")
        if claim is None:
            continue
        found = next(
            (c for c in by_kind.get("PersistentVolumeClaim", []) if c["metadata"]["name"] == claim["claimName"]), None
        )
        size = found["spec"]["resources"]["requests"]["storage"] if found else ""
        ident = graph.node(
            "volume",
            f'[("volume {_text(claim["claimName"])}<br/>{_text(size)}")]',
            f"PersistentVolumeClaim/{claim['claimName']}",
        )
        graph.edge(pods, ident, "images")
    front = next((s for s in by_kind.get("Service", []) if _fronts_radosgw(s)), None)
    config = _config(by_kind)
    storage = config.get("storage", {}) if isinstance(config, dict) else {}
    driver = next((d for d in ("swift", "s3") if d in storage), None)
    if driver is None:
        return
    label = f"{driver.upper() if driver == 's3' else 'Swift'} API"
    if front is not None:
        ident = graph.node(
            _ident("svc", front), f'["radosgw front (Service {_text(front["metadata"]["name"])})"]', _key(front)
        )
        graph.edge(pods, ident, label)
        addresses = [
            a for s in by_kind.get("EndpointSlice", []) for e in s.get("endpoints", []) for a in e["addresses"]
        ]
        selector = front["spec"].get("selector") or {}
        checked = next((d for d in by_kind.get("Deployment", []) if selector and _selects(selector, d)), None)
        if checked is not None:  # the haproxy front: its pods check the hosts its configuration lists
            proxies = graph.node(_ident("deploy", checked), '["HAProxy pods<br/>checking each host"]', _key(checked))
            graph.edge(ident, proxies)
            ident = proxies
            for config_map in by_kind.get("ConfigMap", []):
                if config_map["metadata"]["name"] == checked["metadata"]["name"]:
                    lines = config_map.get("data", {}).get("haproxy.cfg", "").splitlines()
                    servers = [line.split() for line in lines if line.strip().startswith("server ")]
                    addresses = [words[2].rsplit(":", 1)[0].strip("[]") for words in servers]
                    graph.objects[_key(config_map)] = proxies
        for index, address in enumerate(addresses):
            host = graph.node(f"rgw{index}", f'[("radosgw {_text(address)}")]')
            graph.edge(ident, host)
        for endpoint_slice in by_kind.get("EndpointSlice", []):
            graph.objects[_key(endpoint_slice)] = ident
        return
    url = storage[driver].get("authurl") or storage[driver].get("regionendpoint") or "the object store"
    ident = graph.node("objectstore", f'[("radosgw<br/>{_text(str(url))}")]')
    graph.edge(pods, ident, label)


def _mounts(graph: Graph, by_kind: dict[str, list[Object]], pod: Object, container: Object, pods: str) -> None:
    def read(kind: str, name: str, how: str) -> None:
        ident = graph.node(
            f"{'cm' if kind == 'ConfigMap' else 'secret'}_{_safe(name)}", f'>"{kind} {_text(name)}"]', f"{kind}/{name}"
        )
        graph.edge(ident, pods, how, dotted=True)

    for volume in pod.get("volumes", []):
        if "configMap" in volume:
            read("ConfigMap", volume["configMap"]["name"], "mounted")
        elif "secret" in volume:
            read("Secret", volume["secret"]["secretName"], "mounted")
    for variable in container.get("env", []):
        ref = variable.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            read("Secret", ref["name"], "variables")


def _allowances(graph: Graph, by_kind: dict[str, list[Object]], pods: str) -> None:
    for policy in by_kind.get("NetworkPolicy", []):
        if _selects_registry(policy):
            for index, rule in enumerate(policy["spec"].get("ingress", [])):
                ports = ", ".join(str(p.get("port")) for p in rule.get("ports", [])) or "any port"
                sources = [_peer(peer) for peer in rule.get("from", [])] or ["anywhere"]
                ident = graph.node(f"allow{index}", f'(["{_text("; ".join(sources))}"])', None)
                graph.edge(ident, pods, f"NetworkPolicy allows :{ports}")
            graph.objects[_key(policy)] = pods


def _selects_registry(policy: Object) -> bool:
    labels = policy["spec"].get("podSelector", {}).get("matchLabels", {})
    return bool(labels.get("app.kubernetes.io/component") == "registry")


def _peer(peer: Object) -> str:
    namespaces = peer.get("namespaceSelector", {})
    names = [v for e in namespaces.get("matchExpressions", []) for v in e.get("values", [])]
    names += [v for k, v in namespaces.get("matchLabels", {}).items() if k == "kubernetes.io/metadata.name"]
    if names:
        return "namespaces " + ", ".join(names)
    if "ipBlock" in peer:
        return str(peer["ipBlock"]["cidr"])
    if namespaces == {} and "namespaceSelector" in peer:
        return "every namespace"
    return "pods of this namespace"


def _config(by_kind: dict[str, list[Object]]) -> Any:
    for config_map in by_kind.get("ConfigMap", []):
        text = config_map.get("data", {}).get("config.yml")
        if text:
            return yamlread.load(text)
    return {}


def _selects(selector: dict[str, Any], deployment: Object) -> bool:
    labels = deployment["spec"]["template"]["metadata"].get("labels", {})
    return all(labels.get(key) == value for key, value in selector.items())


def _fronts_radosgw(service: Object) -> bool:
    """The radosgw front's Service: the guide's, with no selector, or regc's over its HAProxy pods."""
    selector = service["spec"].get("selector")
    return not selector or str(selector.get("app.kubernetes.io/component", "")).endswith("radosgw-front")


def _component(obj: Object) -> str | None:
    component = obj.get("metadata", {}).get("labels", {}).get("app.kubernetes.io/component")
    return None if component is None else str(component)


def _key(obj: Object) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def _ident(prefix: str, obj: Object) -> str:
    return f"{prefix}_{_safe(obj['metadata']['name'])}"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _text(text: str) -> str:
    """Text inside a quoted Mermaid label."""
    return text.replace("&", "&amp;").replace('"', "#quot;").replace("<", "&lt;").replace(">", "&gt;")


def with_removed(new: Graph, old: Graph) -> Graph:
    """`new` with the nodes only `old` has (and their edges), to show what a change removes."""
    merged = Graph(dict(new.nodes), list(new.edges), dict(new.objects))
    gone = [ident for ident in old.nodes if ident not in new.nodes]
    for ident in gone:
        merged.nodes[ident] = old.nodes[ident]
    merged.edges += [e for e in old.edges if e not in merged.edges and any(i in e.split() for i in gone)]
    for obj, ident in old.objects.items():
        merged.objects.setdefault(obj, ident)
    return merged


def mermaid(graph: Graph, marks: dict[str, str] | None = None) -> str:
    """The Mermaid flowchart; `marks`: kind/name -> added, removed or changed."""
    lines = ["flowchart LR"]
    lines += [f"  {ident}{text}" for ident, text in graph.nodes.items()]
    lines += [f"  {edge}" for edge in graph.edges]
    marked: dict[str, list[str]] = {}
    for obj, status in sorted((marks or {}).items()):
        ident = graph.objects.get(obj)
        if ident is not None and ident not in marked.get(status, []):
            marked.setdefault(status, []).append(ident)
    for status, idents in marked.items():
        lines.append(f"  classDef {status} {MARKS[status]}")
        lines.append(f"  class {','.join(idents)} {status}")
    return "\n".join(lines) + "\n"
