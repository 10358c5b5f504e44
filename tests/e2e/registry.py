"""The real registry run from a materialised pod, the binary its image names (Debian's
docker-registry, distribution 2.8, for `registry:2.x`; distribution v3 built by tests/tools/build
for `registry:3.x`), and the real skopeo pushing and pulling through it."""

from __future__ import annotations

import base64
import json
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.kubelet import Pod, materialize
from tests.e2e.processes import Processes


@dataclass
class Registry:
    pod: Pod
    ca: Path | None
    name: str

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.pod.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.ca else 'http'}://{self.host}"

    def status(self, path: str, user: str | None = None, password: str | None = None) -> int:
        request = urllib.request.Request(self.url + path)
        if user is not None:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        context = ssl.create_default_context(cafile=str(self.ca)) if self.ca else None
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def catalog(self, user: str | None = None, password: str | None = None) -> list[str]:
        request = urllib.request.Request(self.url + "/v2/_catalog")
        if user is not None:
            request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
        context = ssl.create_default_context(cafile=str(self.ca)) if self.ca else None
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return json.load(response)["repositories"]


def start_registry(
    objects: list[dict],
    root: Path,
    processes: Processes,
    *,
    ca: Path | None,
    hosts: dict[str, str] | None = None,
    name: str = "registry",
    deadline: float = 30,
) -> Registry:
    binary = registry_binary(objects)
    pod = materialize(objects, root, hosts or {})
    # A clean environment, as the pod sees: the S3 driver of 2.8 panics when AWS_CA_BUNDLE is set.
    env = {"PATH": "/usr/bin:/bin", **pod.env}
    processes.start(name, [binary, "serve", str(pod.config)], log=root / f"{name}.log", env=env)
    registry = Registry(pod, ca, name)
    processes.wait_until(name, lambda: _answers(registry), deadline)
    return registry


def registry_binary(objects: list[dict]) -> str:
    """The registry program of the major version the Deployment's image runs."""
    from regc.plan.names import image_major_version

    deployment = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "registry")
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    if (image_major_version(image) or 2) >= 3:
        from tests.cluster.apiserver import tool

        return str(tool("registry"))
    binary = shutil.which("docker-registry")
    assert binary, "docker-registry is missing: .ci/run installs Debian's docker-registry"
    return binary


def _answers(registry: Registry) -> bool:
    try:
        return registry.status("/") > 0
    except OSError:
        return False


def skopeo(*args: str) -> subprocess.CompletedProcess:
    assert shutil.which("skopeo"), "skopeo is missing: .ci/run installs it"
    return subprocess.run(["skopeo", "--insecure-policy", *args], capture_output=True, text=True, timeout=180)


def tls_flags(registry: Registry, direction: str, cert_dir: Path) -> list[str]:
    if registry.ca is None:
        return [f"--{direction}-tls-verify=false"]
    cert_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(registry.ca, cert_dir / "ca.crt")  # the client trusts only the CA regc committed
    return [f"--{direction}-cert-dir", str(cert_dir)]


def push(
    registry: Registry, layout: Path, tag: str, repository: str, user: str | None, password: str | None, work: Path
) -> subprocess.CompletedProcess:
    creds = ["--dest-creds", f"{user}:{password}"] if user else ["--dest-no-creds"]
    return skopeo(
        "copy",
        "--digestfile",
        str(work / "pushed.digest"),
        *tls_flags(registry, "dest", work / "certs"),
        *creds,
        f"oci:{layout}:{tag}",
        f"docker://{registry.host}/{repository}:{tag}",
    )


def pull(
    registry: Registry, repository: str, tag: str, user: str | None, password: str | None, target: Path, work: Path
) -> subprocess.CompletedProcess:
    creds = ["--src-creds", f"{user}:{password}"] if user else ["--src-no-creds"]
    return skopeo(
        "copy",
        *tls_flags(registry, "src", work / "certs"),
        *creds,
        f"docker://{registry.host}/{repository}:{tag}",
        f"oci:{target}:{tag}",
    )


def run_smoke_job(
    objects: list[dict], registry: Registry, work: Path, password: str | None = None
) -> subprocess.CompletedProcess:
    """Run the smoke-test Job's own script, with its own environment and its mounted credentials
    (decrypted), against the running registry: only the Service's address and the mount paths are
    this machine's."""
    from tests.conftest import decrypt_object

    decrypted = [decrypt_object(o) for o in objects]
    job = next(o for o in decrypted if o["kind"] == "Job")
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {"PATH": "/usr/bin:/bin", **{v["name"]: v["value"] for v in container["env"]}}
    volume = next(v for v in pod["volumes"] if v["name"] == "credentials")
    secret = next(
        o for o in decrypted if o["kind"] == "Secret" and o["metadata"]["name"] == volume["secret"]["secretName"]
    )
    credentials = work / "smoke-credentials"
    credentials.mkdir(parents=True, exist_ok=True)
    for key, value in secret["data"].items():
        (credentials / key).write_bytes(base64.b64decode(value))
    if password is not None:
        (credentials / "password").write_text(password)
    env["CREDENTIALS"] = str(credentials)
    env["REGISTRY_URL"] = registry.url
    if "CA_FILE" in env:
        env["CA_FILE"] = str(registry.ca)
    assert container["command"][:2] == ["sh", "-c"]
    return subprocess.run(["sh", "-c", container["command"][2]], env=env, capture_output=True, text=True, timeout=300)
