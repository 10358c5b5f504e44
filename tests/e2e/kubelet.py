"""Play the kubelet's part for the registry Deployment of a built overlay: mount its ConfigMap
and (decrypted) Secrets under a temporary root, resolve its environment, and hand back what the
registry binary needs. Cluster DNS is played by a map of host names to loopback addresses."""

from __future__ import annotations

import base64
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

from tests.conftest import decrypt_object


@dataclass
class Pod:
    root: Path
    config: Path
    env: dict[str, str]
    port: int
    metrics_port: int | None = None
    probes: dict | None = None

    def probe(self, which: str) -> bool:
        """The kubelet's verdict on one probe of the container (`startup`, `readiness`, `liveness`):
        httpGet succeeds on a status from 200 to 399 (certificates unchecked, as the kubelet does),
        tcpSocket when the port accepts a connection."""
        spec = self.probes[f"{which}Probe"]
        ports = {"http": self.port, "metrics": self.metrics_port}
        if "tcpSocket" in spec:
            port = spec["tcpSocket"]["port"]
            try:
                with socket.create_connection(("127.0.0.1", ports.get(port, port)), timeout=1):
                    return True
            except OSError:
                return False
        get = spec["httpGet"]
        port = ports.get(get["port"], get["port"])
        url = f"{get.get('scheme', 'HTTP').lower()}://127.0.0.1:{port}{get.get('path', '/')}"
        context = ssl._create_unverified_context() if url.startswith("https") else None
        try:
            with urllib.request.urlopen(url, timeout=1, context=context) as response:
                return 200 <= response.status < 400
        except urllib.error.HTTPError as error:
            return 200 <= error.code < 400
        except OSError:
            return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def materialize(objects: list[dict], root: Path, hosts: dict[str, str]) -> Pod:
    decrypted = [decrypt_object(o) for o in objects]
    by_kind = {}
    for obj in decrypted:
        by_kind.setdefault(obj["kind"], {})[obj["metadata"]["name"]] = obj
    deployment = by_kind["Deployment"]["registry"]
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = sorted(container["volumeMounts"], key=lambda m: len(m["mountPath"]), reverse=True)
    config_path = None
    for mount in mounts:
        target = root / mount["mountPath"].lstrip("/")
        target.mkdir(parents=True, exist_ok=True)
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            for key, value in by_kind["ConfigMap"][volume["configMap"]["name"]]["data"].items():
                (target / key).write_text(value)
                if key == "config.yml":
                    config_path = target / key
        elif "secret" in volume:
            secret = by_kind["Secret"][volume["secret"]["secretName"]]
            # `items` projects the keys it names, each to its path; without it, every key by its name.
            paths = {i["key"]: i["path"] for i in volume["secret"].get("items", [])} or {k: k for k in secret["data"]}
            for key, relative in paths.items():
                path = target / relative
                path.write_bytes(base64.b64decode(secret["data"][key]))
                path.chmod(volume["secret"].get("defaultMode", 0o644))
    env = {}
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = expand(variable["value"], env)
            continue
        reference = variable["valueFrom"]
        if "secretKeyRef" in reference:
            ref = reference["secretKeyRef"]
            env[variable["name"]] = base64.b64decode(by_kind["Secret"][ref["name"]]["data"][ref["key"]]).decode()
        else:
            ref = reference["configMapKeyRef"]
            env[variable["name"]] = by_kind["ConfigMap"][ref["name"]]["data"][ref["key"]]
    assert config_path is not None, "the registry container mounts no config.yml"
    yaml = YAML(typ="safe", pure=True)
    config = yaml.load(config_path.read_text())
    config = _reroot(config, root, [m["mountPath"] for m in mounts])
    port = free_port()
    config["http"]["addr"] = f"127.0.0.1:{port}"  # loopback only
    metrics_port = None
    if "debug" in config["http"]:
        metrics_port = free_port()
        config["http"]["debug"]["addr"] = f"127.0.0.1:{metrics_port}"
    config = _resolve_hosts(config, hosts)
    env = {name: _resolve_hosts(value, hosts) for name, value in env.items()}
    final = root / "config.yml"
    with open(final, "w") as handle:
        yaml.dump(config, handle)
    probes = {key: value for key, value in container.items() if key.endswith("Probe")}
    return Pod(root, final, env, port, metrics_port, probes)


def expand(value: str, defined: dict[str, str]) -> str:
    """The kubelet's expansion of a variable's value (Kubernetes' `expansion.Expand`): `$(NAME)` of a
    variable defined before it becomes its value, an unknown one stays as written, `$$` is `$`."""
    out, index = [], 0
    while index < len(value):
        char = value[index]
        if char != "$" or index + 1 == len(value):
            out.append(char)
            index += 1
            continue
        following = value[index + 1]
        if following == "$":
            out.append("$")
            index += 2
        elif following == "(" and (close := value.find(")", index + 2)) != -1:
            name = value[index + 2 : close]
            out.append(defined.get(name, f"$({name})"))
            index = close + 1
        else:
            out.append("$" + following)
            index += 2
    return "".join(out)


def _reroot(node, root: Path, mount_paths: list[str]):
    if isinstance(node, dict):
        return {k: _reroot(v, root, mount_paths) for k, v in node.items()}
    if isinstance(node, list):
        return [_reroot(v, root, mount_paths) for v in node]
    if isinstance(node, str) and any(node == m or node.startswith(m.rstrip("/") + "/") for m in mount_paths):
        return str(root) + node
    return node


def _resolve_hosts(node, hosts: dict[str, str]):
    if isinstance(node, dict):
        return {k: _resolve_hosts(v, hosts) for k, v in node.items()}
    if isinstance(node, str):
        for name, address in hosts.items():
            node = node.replace(name, address)
    return node
