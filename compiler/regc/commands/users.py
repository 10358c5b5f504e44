"""`regc user`: htpasswd users, listed in the spec, their passwords in the encrypted secrets file;
both files change together or neither does."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from regc import layout
from regc.commands.inputs import changing, checked, spec_path, write_together
from regc.envspec.edit import with_user, without_user
from regc.envspec.extends import extended
from regc.envspec.fields import check_username
from regc.envspec.load import load_yaml
from regc.errors import RegcError
from regc.secrets.htpasswd import password_problem
from regc.secrets.store import with_password, without_password
from regc.world import Random, World


def add(world: World, env: str, name: str, from_stdin: bool, generate: bool) -> int:
    spec = spec_path(world, env)
    _users_are_regcs(world, spec, env)
    checked(check_username, name)
    with changing(world):
        spec_text = with_user(spec, world.files, name)  # a broken spec stops here, before anything is stored
        password = _password(from_stdin, generate, world.random)
        write_together(
            world,
            {
                layout.secrets_path(world.root, env): with_password(world, env, name, password),
                **({spec: spec_text.encode()} if spec_text is not None else {}),
            },
        )
    _announce(password, generate)
    print(
        f"{'added' if spec_text is not None else 'updated the password of'} {name} in {env}; "
        f"run `regc build {spec.relative_to(world.root)}`"
    )
    return 0


def passwd(world: World, env: str, name: str, from_stdin: bool, generate: bool) -> int:
    _users_are_regcs(world, spec_path(world, env), env, listing=False)
    password = _password(from_stdin, generate, world.random)
    with changing(world):
        write_together(world, {layout.secrets_path(world.root, env): with_password(world, env, name, password)})
    _announce(password, generate)
    print(f"password of {name} in {env} changed; run `regc build`")
    return 0


def remove(world: World, env: str, name: str) -> int:
    spec = spec_path(world, env)
    _users_are_regcs(world, spec, env)
    with changing(world):
        spec_text = without_user(spec, world.files, name)
        secrets = without_password(world, env, name)
        write_together(
            world,
            {
                spec: spec_text.encode(),
                **({layout.secrets_path(world.root, env): secrets} if secrets is not None else {}),
            },
        )
    print(f"removed {name} from {env}; run `regc build {spec.relative_to(world.root)}`")
    return 0


def _users_are_regcs(world: World, spec: Path, env: str, *, listing: bool = True) -> None:
    """`regc user` keeps users in the spec and the secrets file: not those of an htpasswd Secret of
    the user's (auth.htpasswd.secretRef), whose changes regc would never see; and (`listing`: the
    command edits the list) not a list of a shared file, which this spec's own list would replace."""
    display = f"{layout.ENVIRONMENTS}/{spec.name}"
    document, _ = extended(load_yaml(spec, display, world.files), spec, display, world.files, positions=True)
    auth = document.data.get("auth")
    htpasswd = auth.get("htpasswd") if isinstance(auth, dict) else None
    reference = htpasswd.get("secretRef") if isinstance(htpasswd, dict) else None
    if isinstance(reference, dict):
        raise RegcError(
            f"{env} reads its users from the Secret {reference.get('name')!r} (auth.htpasswd.secretRef): "
            "regc keeps none of them",
            "add or change the user in that Secret's htpasswd file",
        )
    origin = document.positions.origins.get(("auth", "htpasswd", "users"))
    if listing and origin is not None:
        raise RegcError(
            f"{env} lists its users in the shared file {origin} (extends): a list in {display} would replace it",
            f"edit auth.htpasswd.users in {origin} (every environment that extends it follows), "
            "then `regc user passwd` each environment",
        )


def _announce(password: str, generated: bool) -> None:
    """A generated password, printed once, and only when it is stored."""
    if generated:
        print(f"generated password (shown once): {password}")


def _password(from_stdin: bool, generate: bool, random: Random) -> str:
    """The new password: from stdin, generated (printed once), or asked twice at a prompt."""
    if from_stdin and generate:
        raise RegcError("--password-stdin and --generate exclude each other")
    if generate:
        return random.token(24)  # printed once it is stored: see _announce
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise RegcError("no terminal to ask the password at", "use --password-stdin or --generate")
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise RegcError("the two passwords differ")
    problem = password_problem("new", password)
    if problem:
        raise RegcError(problem.replace("users.new: ", ""))
    return password
