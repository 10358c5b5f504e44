"""New contents of a secrets file, through sops: plaintext only in pipes, ciphertext returned to the
caller, which writes every file a command changes together (regc.write.files)."""

from __future__ import annotations

import json
import tempfile
from contextlib import contextmanager
from pathlib import Path

from regc import yamltext


def secrets_file(root: Path, env: str) -> Path:
    from regc.layout import secrets_path

    return secrets_path(root, env)


def ensure_secrets_file(root: Path, env: str) -> Path:
    """The secrets file of `env`, created (encrypted, empty of users) if it does not exist."""
    from regc.tools import sops
    from regc.write.files import write_atomic

    path = secrets_file(root, env)
    if not path.is_file():
        ciphertext = sops.encrypt(yamltext.dump({"users": {}}).encode(), path.relative_to(root).as_posix(), root=root)
        write_atomic(path, ciphertext)
    return path


def with_password(root: Path, env: str, user: str, password: str) -> bytes:
    """The secrets file with `user`'s password set (created when there is none)."""
    from regc.tools import sops

    path = secrets_file(root, env)
    if not path.is_file():
        document = yamltext.dump({"users": {user: password}}).encode()
        return sops.encrypt(document, path.relative_to(root).as_posix(), root=root)
    with staged_copy(path) as staged:
        sops.set_value(staged, f'["users"]["{user}"]', json.dumps(password).encode(), root=root)
        return staged.read_bytes()


def without_password(root: Path, env: str, user: str) -> bytes | None:
    """The secrets file without `user`'s password; None when there is no secrets file."""
    from regc.errors import ToolError
    from regc.tools import sops

    path = secrets_file(root, env)
    if not path.is_file():
        return None
    with staged_copy(path) as staged:
        try:
            sops.unset_value(staged, f'["users"]["{user}"]', root=root)
        except ToolError as exc:
            if "not found" not in str(exc).lower():
                raise
        return staged.read_bytes()


@contextmanager
def staged_copy(path: Path, name: str | None = None):
    """A copy of `path` under a unique scratch name in its folder (`name`, when given, is kept at the
    end so that .sops.yaml's rule for the file still matches), removed afterwards."""
    from regc.errors import ToolError

    handle, scratch = tempfile.mkstemp(prefix=".regc-tmp-", suffix=f"-{name or path.name}", dir=path.parent)
    staged = Path(scratch)
    try:
        with open(handle, "wb", closefd=True) as copy:
            copy.write(path.read_bytes())
        yield staged
    except ToolError as exc:  # name the file the person knows, not the scratch copy
        raise ToolError(exc.message.replace(staged.name, path.name), exc.hint) from None
    finally:
        staged.unlink(missing_ok=True)
