"""The registry's images as they start: which major a reference names, the configuration file each
image ships and where it reads it, and what a container's command and args make of that. The files
are the official images' own (github.com/distribution/distribution-library-image: `registry:2`
from commit 70a9988, `registry:3` from commit a829ed8, both `config-example.yml`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

V2_CONFIG = """\
version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
"""
V3_CONFIG = """\
version: 0.1
log:
  level: debug
  fields:
    service: registry
    environment: development
storage:
    delete:
      enabled: true
    cache:
        blobdescriptor: inmemory
    filesystem:
        rootdirectory: /var/lib/registry
    tag:
      concurrencylimit: 5
http:
    addr: :5000
    debug:
        addr: :5001
        prometheus:
            enabled: true
            path: /metrics
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
"""
CONFIG_PATHS = {2: "/etc/docker/registry/config.yml", 3: "/etc/distribution/config.yml"}
ENTRYPOINT = "/entrypoint.sh"
# The images' variables beside REGISTRY_*: v3's image turns OpenTelemetry traces off.
_REFERENCE = re.compile(
    r"^(?P<name>(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9._/-]+?)(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>[a-z0-9]+:[a-fA-F0-9]+))?$"
)


@dataclass(frozen=True)
class Image:
    """An image reference, split; `major` is None when the tag does not say it (no tag, a digest,
    latest, or a build of the team's own)."""

    reference: str
    name: str
    tag: str | None
    digest: str | None

    @property
    def official(self) -> bool:
        short = self.name.removeprefix("docker.io/").removeprefix("registry-1.docker.io/")
        return short in ("registry", "library/registry", "distribution/distribution")

    @property
    def major(self) -> int | None:
        if self.tag is None:
            return None
        match = re.match(r"^v?(\d+)(?:[.-]|$)", self.tag)
        if match is None or int(match.group(1)) not in (2, 3):
            return None
        return int(match.group(1))


def image(reference: str) -> Image:
    match = _REFERENCE.match(reference.strip())
    if match is None:
        return Image(reference, reference, None, None)
    return Image(reference, match.group("name"), match.group("tag"), match.group("digest"))


def default_config(major: int) -> str:
    """The configuration file the official image of `major` ships."""
    return V2_CONFIG if major == 2 else V3_CONFIG


@dataclass(frozen=True)
class Start:
    """What the container runs: the configuration path it reads (None: the registry is not started
    with one), or why the command is not the registry's `serve`."""

    path: str | None
    problem: str = ""


def start(major: int, command: list[str] | None, args: list[str] | None, variables: dict[str, str]) -> Start:
    """The argv Kubernetes gives the official image (`command` replaces its entrypoint and drops its
    CMD; `args` replace the CMD), read as the image's entrypoint.sh and `registry serve` read it."""
    if command:
        argv = [*command, *(args or [])]
    else:
        argv = [ENTRYPOINT, *(args if args is not None else [CONFIG_PATHS[major]])]
    if argv and argv[0] in (ENTRYPOINT, "/entrypoint.sh", "entrypoint.sh"):
        rest = argv[1:]
        if rest and rest[0].endswith((".yaml", ".yml")):
            argv = ["registry", "serve", *rest]
        elif rest and (rest[0] in ("serve", "garbage-collect", "help") or rest[0].startswith("-")):
            argv = ["registry", *rest]
        else:
            argv = rest
    if not argv:
        return Start(None, "the container runs no command")
    program = argv[0].rsplit("/", 1)[-1]
    if program != "registry":
        return Start(None, f"the container runs {argv[0]!r}, not the registry")
    rest = [a for a in argv[1:] if not a.startswith("-")]
    if not rest or rest[0] != "serve":
        if rest and rest[0].endswith((".yaml", ".yml")):  # registry 2.0-2.3 took the file alone
            return Start(rest[0])
        return Start(None, f"the registry runs {' '.join(argv[1:2]) or 'without a command'}, not `serve`")
    if len(rest) > 1:
        return Start(rest[1])
    path = variables.get("REGISTRY_CONFIGURATION_PATH")
    if path:
        return Start(path)
    return Start(None, "configuration path unspecified (no file after `serve`, no REGISTRY_CONFIGURATION_PATH)")
