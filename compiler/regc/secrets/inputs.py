"""The environment's secrets file: its ciphertext (read without a key) and its plaintext (in memory)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from regc.errors import Location, Problem, RegcError, SpecError

KNOWN_KEYS = {"users", "httpSecret", "digestKey", "ca", "tls", "swift", "s3", "proxy", "redis", "notifications"}
CREDENTIAL_KEYS = {
    "swift": ("password",),
    "s3": ("accessKey", "secretKey"),
    "proxy": ("username", "password"),
    "redis": ("password",),
}
PAIR_KEYS = ("cert", "key")


@dataclass
class Plaintext:
    """The decrypted secrets file. Never printed, never written in clear."""

    users: dict[str, str] = field(default_factory=dict)
    http_secret: str | None = None
    digest_key: str | None = None
    ca: dict[str, str] | None = None
    tls: dict[str, str] | None = None
    swift: dict[str, str] = field(default_factory=dict)
    s3: dict[str, str] = field(default_factory=dict)
    proxy: dict[str, str] = field(default_factory=dict)
    redis: dict[str, str] = field(default_factory=dict)
    notifications: dict[str, dict[str, str]] = field(default_factory=dict)  # endpoint -> header -> value

    def __repr__(self) -> str:  # a stray repr in a log or traceback shows no secret
        return "Plaintext(<redacted>)"

    def value(self, path: tuple[str, ...]) -> str | None:
        node: object = {
            "users": self.users,
            "httpSecret": self.http_secret,
            "digestKey": self.digest_key,
            "ca": self.ca,
            "tls": self.tls,
            "swift": self.swift,
            "s3": self.s3,
            "proxy": self.proxy,
            "redis": self.redis,
            "notifications": self.notifications,
        }
        for part in path:
            if not isinstance(node, dict):
                return None
            node = node.get(part)
        return node if isinstance(node, str) else None


def read_ciphertext(path: Path, content: bytes | None = None) -> dict[tuple[str, ...], str]:
    """Every encrypted leaf of a SOPS file (`ENC[...]` strings) by its key path; no key needed.
    `content`: the file's new bytes, not written yet."""
    if content is None and not path.is_file():
        return {}
    from regc import yamlread

    hint = "restore it from git (`git checkout -- FILE`), or edit it only through `regc secrets edit`"
    data = (
        yamlread.load(content) if content is not None else yamlread.load_file(path, f"environments/{path.name}", hint)
    ) or {}
    if not isinstance(data, dict) or "sops" not in data:
        raise RegcError(
            f"{path}: not a SOPS-encrypted file",
            "a secrets file must never be committed in clear: encrypt it with "
            "`sops encrypt -i FILE` and rotate what it held",
        )
    leaves: dict[tuple[str, ...], str] = {}

    def walk(node, prefix):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*prefix, str(key)))
        elif isinstance(node, str):
            leaves[prefix] = node

    walk({k: v for k, v in data.items() if k != "sops"}, ())
    return leaves


def parse_plaintext(text: bytes, display: str) -> Plaintext:
    """Validate the decrypted file; messages name keys, never values."""
    from ruamel.yaml.error import YAMLError

    from regc import yamlread

    try:
        data = yamlread.load(text) or {}
    except YAMLError:
        raise SpecError(
            [
                Problem(
                    Location(display),
                    "the decrypted secrets file is not valid YAML",
                    "fix it with `regc secrets edit ENV`",
                )
            ]
        ) from None
    problems: list[str] = []
    if not isinstance(data, dict):
        problems.append("the top level must be a mapping")
        data = {}
    for key in data:
        if key not in KNOWN_KEYS:
            problems.append(f"unknown key {key!r} (known: {', '.join(sorted(KNOWN_KEYS))})")
    users = data.get("users") or {}
    if not isinstance(users, dict):
        problems.append("users: must map each user name to a password")
        users = {}
    for name, password in users.items():
        if not isinstance(password, str):
            problems.append(f"users.{name}: the password must be a string (quote it)")
    pairs = {}
    for section in ("ca", "tls"):
        value = data.get(section)
        if value is None:
            continue
        if not isinstance(value, dict) or any(not isinstance(value.get(k), str) for k in PAIR_KEYS):
            problems.append(f"{section}: must hold `cert` and `key` as PEM strings")
        else:
            pairs[section] = {k: value[k] for k in PAIR_KEYS}
    for key in ("httpSecret", "digestKey"):
        if key in data and not isinstance(data[key], str):
            problems.append(f"{key}: must be a string")
    credentials = {}
    for section, names in CREDENTIAL_KEYS.items():
        value = data.get(section) or {}
        if not isinstance(value, dict) or any(k not in names or not isinstance(v, str) for k, v in value.items()):
            problems.append(f"{section}: may hold only {', '.join(names)}, as strings")
            value = {}
        credentials[section] = dict(value)
    notifications = data.get("notifications") or {}
    if not isinstance(notifications, dict) or any(
        not isinstance(headers, dict) or any(not isinstance(v, str) for v in headers.values())
        for headers in notifications.values()
    ):
        problems.append("notifications: must map each endpoint to its secret headers, as strings")
        notifications = {}
    if problems:
        raise SpecError([Problem(Location(display), p, "fix it with `regc secrets edit ENV`") for p in problems])
    return Plaintext(
        users={str(k): v for k, v in users.items()},
        http_secret=data.get("httpSecret"),
        digest_key=data.get("digestKey"),
        ca=pairs.get("ca"),
        tls=pairs.get("tls"),
        notifications={str(k): {str(h): v for h, v in headers.items()} for k, headers in notifications.items()},
        **{section: credentials[section] for section in CREDENTIAL_KEYS},
    )
