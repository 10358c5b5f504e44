"""Reading what regc encrypted, with the real sops and the test-only key (tests only)."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

from ruamel.yaml import YAML

from regc.tools.sops import sops_binary


def decrypt_file(path: Path) -> dict:
    done = subprocess.run(
        [sops_binary(), "decrypt", "--input-type", "yaml", "--output-type", "yaml", str(path)],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    return YAML(typ="safe", pure=True).load(done.stdout)


def secret_data(path: Path) -> dict[str, bytes]:
    """The decoded data of a compiled, encrypted Secret."""
    return {key: base64.b64decode(value) for key, value in decrypt_file(path)["data"].items()}


def htpasswd_users(overlay: Path) -> dict[str, str]:
    text = secret_data(overlay / "secret-registry-htpasswd.yaml")["htpasswd"].decode()
    return dict(line.split(":", 1) for line in text.splitlines())


def docker_config(path: Path) -> dict:
    return json.loads(secret_data(path)[".dockerconfigjson"])


def set_secret_value(root: Path, env: str, index: str, value) -> None:
    """Change one value of a secrets file the way a person would, with `sops set` (value on stdin)."""
    path = root / "environments" / f"{env}.secrets.yaml"
    done = subprocess.run(
        [sops_binary(), "set", "--value-stdin", str(path), index],
        input=json.dumps(value).encode(),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
