"""Docker Hub's stand-in for the mirror on the nodes: a CA that the registry images built here trust
(as the real images trust Docker Hub's public CA), and a real registry serving TLS as
`registry-1.docker.io` on a host of its own beside the nodes (the name resolves there through the
cluster's DNS only; nothing leaves the machine)."""

from __future__ import annotations

import datetime
import ipaddress
import json
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.cluster.apiserver import TOOLS
from tests.conftest import REPO
from tests.e2e.processes import Processes
from tests.e2e.token_upstream import ISSUER, SERVICE
from tests.nodes.cluster import UPSTREAM, NodeCluster, add_host, unplug

NAME, IP = UPSTREAM
PUBLISHER = "publisher"


def make_ca(folder: Path) -> Path:
    """A CA of the tests' own (its key beside it): the certificate's path."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "regc tests' public CA")])
    cert = _builder(name, name, key).add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    (folder / "ca.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (folder / "ca.crt").write_bytes(cert.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
    return folder / "ca.crt"


def _builder(subject: x509.Name, issuer: x509.Name, key) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )


def _serving_pair(ca: Path, folder: Path) -> tuple[Path, Path]:
    ca_cert = x509.load_pem_x509_certificate(ca.read_bytes())
    ca_key = serialization.load_pem_private_key((ca.parent / "ca.key").read_bytes(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(NAME), x509.IPAddress(ipaddress.ip_address(IP))]
    cert = (
        _builder(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)]), ca_cert.subject, key)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (folder / "tls.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "tls.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "tls.crt", folder / "tls.key"


@dataclass
class Upstream:
    cluster: NodeCluster
    netns: str
    ca: Path
    processes: Processes
    publisher: str  # user:password of the one who may push
    command: list[str]
    log: Path

    @property
    def certs(self) -> Path:
        """A folder a client's `--cert-dir` takes: the CA alone (a key there is read as a client's)."""
        folder = self.ca.parent / "trust"
        folder.mkdir(exist_ok=True)
        (folder / "ca.crt").write_bytes(self.ca.read_bytes())
        return folder

    def cut(self) -> None:
        """The upstream unreachable: its machine's link down (no answer, not even a refusal)."""
        unplug(self.cluster, self.netns)

    def restore(self) -> None:
        unplug(self.cluster, self.netns, plugged=True)

    def restart(self) -> None:
        """The registry stopped (its connections closed, as an idle client's are) and started again."""
        self.processes.stop("upstream")
        self.start()

    def start(self) -> None:
        self.processes.start(
            "upstream", self.command, log=self.log, env={"PATH": "/usr/bin:/bin", "OTEL_TRACES_EXPORTER": "none"}
        )
        self.processes.wait_until("upstream", lambda: _answers(self.cluster, self.certs), 30, logs=[self.log])


def start_upstream(cluster: NodeCluster, ca: Path, work: Path, processes: Processes) -> Upstream:
    """Docker Hub's stand-in on a host of its own beside the nodes: the registry (v3, the tool
    cache's) at IP:443 serving TLS as NAME, behind token authentication as Docker Hub is (anonymous
    callers get pull tokens; the publisher pushes), its token server at IP:5001."""
    netns = add_host(cluster, "upstream", IP)
    work.mkdir(parents=True, exist_ok=True)
    cert, key = _serving_pair(ca, work)
    password = secrets.token_hex(16)
    tokens = work / "token-ca.pem"
    processes.start(
        "upstream-tokens",
        [
            "ip",
            "netns",
            "exec",
            netns,
            sys.executable,
            "-m",
            "tests.e2e.token_upstream",
            IP,
            "5001",
            str(tokens),
            PUBLISHER,
        ],
        log=work / "tokens.log",
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "TOKEN_USER_PASSWORD": password},
    )
    processes.wait_until("upstream-tokens", tokens.exists, 30)
    config = {
        "version": 0.1,
        "log": {"level": "info"},
        "storage": {"filesystem": {"rootdirectory": str(work / "data")}},
        "http": {"addr": f"{IP}:443", "tls": {"certificate": str(cert), "key": str(key)}},
        "auth": {
            "token": {
                "realm": f"http://{IP}:5001/token",
                "service": SERVICE,
                "issuer": ISSUER,
                "rootcertbundle": str(tokens),
            }
        },
    }
    (work / "config.yml").write_text(json.dumps(config))  # JSON is YAML
    command = ["ip", "netns", "exec", netns, str(TOOLS / "registry"), "serve", str(work / "config.yml")]
    hub = Upstream(cluster, netns, ca, processes, f"{PUBLISHER}:{password}", command, work / "registry.log")
    hub.start()
    return hub


def _answers(cluster: NodeCluster, certs: Path) -> bool:
    """The registry answers `/v2/` over TLS (401: it wants a token)."""
    done = subprocess.run(
        cluster.in_hub("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", str(certs / "ca.crt"),
                       "-m", "2", f"https://{NAME}/v2/", "--resolve", f"{NAME}:443:{IP}"),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return done.stdout == "401"
