"""What the commands that read or change an environment's inputs share: the environment's spec by
its name, names checked as the spec checks them, the build lock, and writing prepared files together."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from regc import layout
from regc.envspec.fields import check_dns_label
from regc.errors import InputError, RegcError
from regc.world import World


def checked(check: Callable[[str], str], value: str) -> None:
    """A name from the command line, checked as the spec checks it (an input error otherwise)."""
    try:
        check(value)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def spec_path(world: World, env: str) -> Path:
    """environments/ENV.yaml; ENV is a name (a DNS label), never a path to elsewhere."""
    checked(check_dns_label, env)
    path = layout.spec_path(world.root, env)
    if not world.files.is_file(path):
        raise RegcError(f"no environment {env!r} ({path} does not exist)", f"create it with `regc init {env}`")
    return path


def changing(world: World) -> AbstractContextManager[None]:
    """The build lock: a command that changes inputs never interleaves with a build or another command."""
    return world.files.lock(world.root)


def write_together(world: World, files: dict[Path, bytes]) -> None:
    """Write files whose new contents are all prepared: nothing is written before every one is ready."""
    world.files.commit(world.root, [], files)
