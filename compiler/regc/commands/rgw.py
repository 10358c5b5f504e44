"""`regc rgw-commands`: the radosgw-admin commands that create an environment's storage user,
as the guide does by hand. Secrets stay in the encrypted file unless --reveal is given."""

from __future__ import annotations

import shlex
import sys
from urllib.parse import urlsplit

from regc import layout
from regc.commands.inputs import spec_path
from regc.compiler import Compiler
from regc.envspec.parse import LoadedEnvironment
from regc.errors import RegcError
from regc.plan.names import radosgw_user, storage_url
from regc.secrets.document import parse_secrets
from regc.world import World

VARIABLES = {
    ("swift", "password"): "SWIFT_PASSWORD",
    ("s3", "accessKey"): "S3_ACCESS_KEY",
    ("s3", "secretKey"): "S3_SECRET_KEY",
}


def rgw_commands(env: LoadedEnvironment, world: World, reveal: bool) -> str:
    spec = env.spec
    storage = spec.storage
    if storage.driver not in ("swift", "s3"):
        raise RegcError(
            f"environment {env.name!r} stores images on a volume (storage.driver: filesystem): it has no radosgw user",
            "use storage.driver: swift or s3",
        )
    if storage.credentials == "secret" and storage.credentials_secret is not None:
        raise RegcError(
            f"environment {env.name!r} reads its {storage.driver} credentials from the Secret "
            f"{storage.credentials_secret.name!r}, which regc does not hold",
            "create the radosgw user with the credentials of that Secret",
        )
    secrets_file = layout.secrets_display(env.name)
    keys = [k for k in VARIABLES if k[0] == storage.driver]
    lines = [f"# radosgw user of the {env.name} registry ({storage.driver}); run where radosgw-admin works."]
    if reveal:
        path = layout.secrets_path(world.root, env.name)
        plaintext = parse_secrets(world.sealer.decrypt(world.files.read_bytes(path), secrets_file), secrets_file)
        values = {k: shlex.quote(plaintext.value(k) or _missing(k, secrets_file)) for k in keys}
    else:
        lines.append(f"# The secrets are read from {secrets_file} by sops when you run them (or use --reveal).")
        for key in keys:
            extract = shlex.quote(f'["{key[0]}"]["{key[1]}"]')
            lines.append(f'{VARIABLES[key]}="$(sops decrypt --extract {extract} {secrets_file})"')
        values = {k: f'"${VARIABLES[k]}"' for k in keys}
    uid = radosgw_user(env.name, spec)
    display = shlex.quote(f"registry {env.name}")
    if storage.driver == "swift":
        lines += [
            f"radosgw-admin user create --uid={uid} --display-name={display}",
            f"radosgw-admin subuser create --uid={uid} --subuser={storage.username} --access=full",
            f"radosgw-admin key create --subuser={storage.username} --key-type=swift "
            f"--secret={values[('swift', 'password')]}",
            f"# The registry creates its container ({storage.container}) at start; keep it to this one user.",
        ]
    else:
        lines += [
            f"radosgw-admin user create --uid={uid} --display-name={display} "
            f"--access-key={values[('s3', 'accessKey')]} --secret-key={values[('s3', 'secretKey')]}",
            "# The bucket must exist before the registry starts; radosgw-admin cannot make one. With the keys:",
            f"#   s3cmd --host={_host(storage_url(spec))} --host-bucket= --access_key=... --secret_key=... "
            f"mb s3://{storage.bucket}",
        ]
    return "\n".join(lines) + "\n"


def _host(url: str | None) -> str:
    return urlsplit(url or "").netloc


def _missing(key: tuple[str, str], secrets_file: str) -> str:
    raise RegcError(
        f"{secrets_file}: {key[0]}.{key[1]}: missing",
        "run `regc build` with storage.credentials: generate, or add it with `regc secrets edit`",
    )


def run(world: World, env: str, reveal: bool) -> int:
    [loaded] = Compiler(world).load([spec_path(world, env)])
    sys.stdout.write(rgw_commands(loaded, world, reveal))
    return 0
