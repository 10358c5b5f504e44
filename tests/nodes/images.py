"""The images the suite's nodes run, built here from the same sources and versions the specs name
where the module proxy or Debian has them, written as OCI archives that containerd imports under
the names the manifests use (`ctr images import`). How each differs from its upstream image is said
in docs/explanation/testing.md."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from regc.distribution import images as registry_images
from tests.cluster.apiserver import TOOLS

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("REGC_IMAGES_CACHE", str(TOOLS.parent / "images")))
PAUSE = "registry.k8s.io/pause:3.10.2"  # containerd 2.4's sandbox image
BUSYBOX = "/usr/bin/busybox"  # Debian's busybox-static


@dataclass
class Image:
    """An image: its name, its files (path in the image: bytes, or a path on this machine), the
    entrypoint and command, and the variables of its config."""

    name: str
    files: dict[str, bytes | Path] = field(default_factory=dict)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    env: list[str] = field(
        default_factory=lambda: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    )
    modes: dict[str, int] = field(default_factory=dict)

    def program(self, path: str, source: Path) -> None:
        """A program and, for a dynamically linked one, the libraries `ldd` finds and its loader."""
        self.files[path] = source
        self.modes[path] = 0o755
        listed = subprocess.run(["ldd", str(source)], capture_output=True, text=True, check=False).stdout
        for line in listed.splitlines():
            parts = line.split()
            library = (
                parts[2]
                if "=>" in parts and len(parts) > 2
                else parts[0]
                if parts and parts[0].startswith("/")
                else None
            )
            if library and library.startswith("/") and Path(library).exists():
                self.files.setdefault(library, Path(library))

    def shell(self) -> None:
        """/bin/sh and the usual tools, from busybox."""
        self.program("/bin/busybox", Path(BUSYBOX))
        for tool in ("sh", "cat", "sha256sum", "printf", "sleep", "mkdir", "ls", "rm", "env", "wget"):
            self.files[f"/bin/{tool}"] = b"@busybox"


def _tar(image: Image) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        made: set[str] = set()
        for path in sorted(image.files):
            parts = Path(path.lstrip("/")).parts
            for depth in range(1, len(parts)):
                folder = "/".join(parts[:depth])
                if folder not in made:
                    made.add(folder)
                    info = tarfile.TarInfo(folder)
                    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
                    archive.addfile(info)
            content = image.files[path]
            info = tarfile.TarInfo(path.lstrip("/"))
            info.mtime = 0
            if content == b"@busybox":
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, "/bin/busybox", 0o777
                archive.addfile(info)
                continue
            data = content.read_bytes() if isinstance(content, Path) else content
            source_mode = content.stat().st_mode & 0o777 if isinstance(content, Path) else 0o644
            info.size, info.mode = len(data), image.modes.get(path, source_mode | 0o444)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def write_archive(image: Image, target: Path) -> Path:
    """The image as an OCI archive (the layout in a tar) at `target`."""
    blobs: dict[str, bytes] = {}

    def blob(content: bytes) -> tuple[str, int]:
        digest = "sha256:" + hashlib.sha256(content).hexdigest()
        blobs[digest] = content
        return digest, len(content)

    layer_tar = _tar(image)
    layer_digest, layer_size = blob(layer_tar)  # uncompressed: gzip took 16 of the suite's 19 s here
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": image.env, "Entrypoint": image.entrypoint or None, "Cmd": image.cmd or None},
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
    }
    config_digest, config_size = blob(json.dumps(config, separators=(",", ":")).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config_digest,
            "size": config_size,
        },
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer_size}],
    }
    manifest_digest, manifest_size = blob(json.dumps(manifest, separators=(",", ":")).encode())
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": manifest["mediaType"],
                "digest": manifest_digest,
                "size": manifest_size,
                "annotations": {
                    "io.containerd.image.name": image.name,
                    "org.opencontainers.image.ref.name": image.name,
                },
            }
        ],
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with tarfile.open(partial, "w") as archive:
        for name, content in [
            ("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode()),
            ("index.json", json.dumps(index).encode()),
            *((f"blobs/sha256/{d.split(':', 1)[1]}", c) for d, c in blobs.items()),
        ]:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(content), 0, 0o644
            archive.addfile(info, io.BytesIO(content))
    partial.replace(target)
    return target


def pause() -> Image:
    built = CACHE / "pause"
    if not built.exists():
        built.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["gcc", "-static", "-O2", "-o", str(built), str(HERE / "pause.c")], check=True)
    image = Image(PAUSE, entrypoint=["/pause"])
    image.program("/pause", built)
    return image


def registry_v2(name: str) -> Image:
    """`registry:2.x` from Debian's docker-registry (distribution 2.8.2), with the official image's own
    config.yml, entrypoint and paths."""
    image = Image(name, entrypoint=["/entrypoint.sh"], cmd=[registry_images.CONFIG_PATHS[2]])
    image.shell()
    image.program("/bin/registry", Path(shutil.which("docker-registry") or "/usr/bin/docker-registry"))
    image.files[registry_images.CONFIG_PATHS[2]] = registry_images.default_config(2).encode()
    image.files["/entrypoint.sh"] = ENTRYPOINT.encode()
    image.modes["/entrypoint.sh"] = 0o755
    image.files["/var/lib/registry/.keep"] = b""
    return image


def registry_v3(name: str, binary: Path, trust: Path) -> Image:
    """`registry:3.x` from distribution v3 built static here, with the official image's config.yml;
    its CA bundle (the official image has Alpine's) is Debian's and the tests' stand-in public CA
    `trust` (for the mirror's upstream)."""
    image = Image(name, entrypoint=["/entrypoint.sh"], cmd=[registry_images.CONFIG_PATHS[3]])
    image.files["/etc/ssl/certs/ca-certificates.crt"] = (
        Path("/etc/ssl/certs/ca-certificates.crt").read_bytes() + trust.read_bytes()
    )
    image.env.append("OTEL_TRACES_EXPORTER=none")
    image.shell()
    image.program("/bin/registry", binary)
    image.files[registry_images.CONFIG_PATHS[3]] = registry_images.default_config(3).encode()
    image.files["/entrypoint.sh"] = ENTRYPOINT.encode()
    image.modes["/entrypoint.sh"] = 0o755
    return image


# The official images' entrypoint.sh (distribution-library-image, both majors).
ENTRYPOINT = """#!/bin/sh

set -e

case "$1" in
    *.yaml|*.yml) set -- registry serve "$@" ;;
    serve|garbage-collect|help|-*) set -- registry "$@" ;;
esac

exec "$@"
"""


def haproxy(name: str) -> Image:
    """`haproxy:3.2-alpine` (the node proxy, the radosgw front) from Debian's haproxy (2.6), with the
    official image's entrypoint behaviour (an argument starting with `-` goes to haproxy)."""
    image = Image(
        name,
        entrypoint=["/usr/local/bin/docker-entrypoint.sh"],
        cmd=["haproxy", "-f", "/usr/local/etc/haproxy/haproxy.cfg"],
    )
    image.shell()
    image.program("/usr/local/sbin/haproxy", Path("/usr/sbin/haproxy"))
    image.files["/usr/local/bin/docker-entrypoint.sh"] = (
        b'#!/bin/sh\nset -e\nif [ "${1#-}" != "$1" ]; then set -- haproxy "$@"; fi\nexec "$@"\n'
    )
    image.modes["/usr/local/bin/docker-entrypoint.sh"] = 0o755
    return image


def curl(name: str) -> Image:
    """The smoke Job's `curlimages/curl` from Debian's curl (7.88) and busybox (sh, sha256sum)."""
    image = Image(name, entrypoint=["/entrypoint.sh"], cmd=["curl"])
    image.shell()
    image.program("/usr/bin/curl", Path("/usr/bin/curl"))
    image.files["/etc/ssl/certs/ca-certificates.crt"] = Path("/etc/ssl/certs/ca-certificates.crt")
    image.files["/entrypoint.sh"] = (
        b'#!/bin/sh\nset -e\nif [ "${1#-}" != "$1" ]; then set -- curl "$@"; fi\nexec "$@"\n'
    )
    image.modes["/entrypoint.sh"] = 0o755
    return image
