"""htpasswd lines with bcrypt ($2y$, as the registry and `htpasswd -B` use), hashed in parallel."""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import bcrypt
from passlib.hash import bcrypt as bcrypt_hash  # libpass: passlib's maintained fork

MAX_PASSWORD_BYTES = 72  # bcrypt ignores what lies beyond: a longer password would be silently cut

HASHES = {"count": 0}  # counted for tests: a no-op build hashes nothing


BCRYPT_HASH = re.compile(r"^\$2[abxy]?\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$")


def hash_problem(user: str, hashed: str) -> str | None:
    """What is wrong with a kept htpasswd hash: the registry reads bcrypt only."""
    if BCRYPT_HASH.match(hashed):
        return None
    return f"hashes.{user}: not a bcrypt hash (the registry's htpasswd reads only $2y$ bcrypt lines)"


def verify(password: str, hashed: str) -> bool:
    """Whether `password` is the one an htpasswd bcrypt hash was made from."""
    try:
        return bcrypt.checkpw(password.encode(), re.sub(r"^\$2[axy]\$", "$2b$", hashed).encode())
    except ValueError:
        return False


def password_problem(user: str, password: str | None) -> str | None:
    """What is wrong with a user's password, without ever quoting it."""
    if password is None:
        return f"users.{user}: no password"
    if password == "":
        return f"users.{user}: the password is empty"
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return f"users.{user}: the password is longer than {MAX_PASSWORD_BYTES} bytes, and bcrypt would ignore the rest"
    return None


def hasher(cost: int) -> Any:
    """A bcrypt hasher of `cost` with the `$2y$` ident. Resolve it before starting threads:
    passlib.hash is a lazy module whose first import is not thread-safe."""
    return bcrypt_hash.using(rounds=cost, ident="2y")


def hash_lines(users: list[tuple[str, str]], cost: int) -> dict[str, str]:
    """`user:hash` for each user; bcrypt releases the GIL, so threads use every core."""
    if not users:
        return {}
    scheme = hasher(cost)
    HASHES["count"] += len(users)
    workers = min(len(users), os.cpu_count() or 1)
    if workers == 1:
        return {user: f"{user}:{scheme.hash(password)}" for user, password in users}

    with ThreadPoolExecutor(max_workers=workers) as pool:
        hashes = pool.map(lambda item: scheme.hash(item[1]), users)
        return {user: f"{user}:{digest}" for (user, _), digest in zip(users, hashes, strict=False)}


def parse_lines(text: str) -> dict[str, str]:
    """An htpasswd file's lines by user."""
    return {line.split(":", 1)[0]: line for line in text.splitlines() if ":" in line}
