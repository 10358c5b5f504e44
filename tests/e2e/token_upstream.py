"""An upstream like Docker Hub: a real registry behind token authentication, and the token server
it trusts (a Python HTTP endpoint that checks Basic credentials and signs ES256 JWTs)."""

from __future__ import annotations

import base64
import datetime
import json
import secrets
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from tests.e2e.kubelet import free_port
from tests.e2e.processes import Processes

ISSUER, SERVICE = "test-token-issuer", "upstream-registry"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenServer:
    """Issues pull and push tokens to one user, like Docker Hub's auth.docker.io."""

    def __init__(self, user: str, password: str, host: str = "127.0.0.1", port: int = 0, anonymous_pull: bool = False):
        """`anonymous_pull`: a caller without credentials may pull (Docker Hub's public images)."""
        self.user, self.password, self.anonymous_pull = user, password, anonymous_pull
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(self.key, hashes.SHA256())
        )
        self.requests: list[str | None] = []  # the user of each token request (None: anonymous)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.handle(self)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer((host, port), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    @property
    def realm(self) -> str:
        return f"http://{self.http.server_address[0]}:{self.http.server_port}/token"

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        header = request.headers.get("Authorization", "")
        user = None
        if header.startswith("Basic "):
            given_user, _, given_password = base64.b64decode(header[6:]).decode().partition(":")
            if (given_user, given_password) != (self.user, self.password):
                request.send_response(401)
                request.end_headers()
                return
            user = given_user
        self.requests.append(user)
        scopes = parse_qs(urlparse(request.path).query).get("scope", [])
        access = []
        for scope in scopes:
            kind, name, actions = scope.split(":")
            allowed = ("pull", "push") if user is not None else ("pull",) if self.anonymous_pull else ()
            granted = [a for a in actions.split(",") if a in allowed]
            access.append({"type": kind, "name": name, "actions": granted})
        body = json.dumps({"token": self._token(user or "", access)}).encode()
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def _token(self, subject: str, access: list) -> str:
        now = int(datetime.datetime.now(datetime.UTC).timestamp())
        header = {
            "typ": "JWT",
            "alg": "ES256",
            "x5c": [base64.b64encode(self.cert.public_bytes(serialization.Encoding.DER)).decode()],
        }
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "aud": SERVICE,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        r, s = decode_dss_signature(self.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    def stop(self) -> None:
        self.http.shutdown()


def start_token_upstream(root: Path, processes: Processes, tokens: TokenServer) -> str:
    """A real registry (distribution 2.8) on loopback that trusts `tokens`; returns host:port."""
    root.mkdir(parents=True, exist_ok=True)
    bundle = root / "token-ca.pem"
    bundle.write_bytes(tokens.cert.public_bytes(serialization.Encoding.PEM))
    port = free_port()
    config = {
        "version": 0.1,
        "log": {"level": "info"},
        "http": {"addr": f"127.0.0.1:{port}"},
        "storage": {"filesystem": {"rootdirectory": str(root / "data")}},
        "auth": {"token": {"realm": tokens.realm, "service": SERVICE, "issuer": ISSUER, "rootcertbundle": str(bundle)}},
    }
    (root / "config.yml").write_text(json.dumps(config))  # JSON is YAML
    binary = shutil.which("docker-registry")
    assert binary, "docker-registry is missing: .ci/run installs Debian's docker-registry"
    processes.start(
        "upstream",
        [binary, "serve", str(root / "config.yml")],
        log=root / "upstream.log",
        env={"PATH": "/usr/bin:/bin"},
    )
    processes.wait_until("upstream", lambda: _answers(port), 30)
    return f"127.0.0.1:{port}"


def _answers(port: int) -> bool:
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


if __name__ == "__main__":  # from inside a network namespace: python -m tests.e2e.token_upstream HOST PORT CERT USER
    import os
    import sys

    password = os.environ["TOKEN_USER_PASSWORD"]  # not on the command line
    server = TokenServer(sys.argv[4], password, sys.argv[1], int(sys.argv[2]), anonymous_pull=True)
    Path(sys.argv[3]).write_bytes(server.cert.public_bytes(serialization.Encoding.PEM))
    threading.Event().wait()
