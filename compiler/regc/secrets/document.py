"""The secrets file (environments/<env>.secrets.yaml) decrypted: a model whose values never print."""

from __future__ import annotations

import copy
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from ruamel.yaml.error import YAMLError

from regc import yamlread
from regc.errors import Location, Problem, SpecError
from regc.secrets.sections import CREDENTIAL_KEYS, SECTIONS, KeyPath

FIX = "fix it with `regc secrets edit ENV`"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class KeyPair(_Section):
    cert: SecretStr
    key: SecretStr


class SwiftCredentials(_Section):
    password: SecretStr | None = None


class S3Credentials(_Section):
    access_key: SecretStr | None = Field(None, alias="accessKey")
    secret_key: SecretStr | None = Field(None, alias="secretKey")


class ProxyCredentials(_Section):
    username: SecretStr | None = None
    password: SecretStr | None = None


class RedisCredentials(_Section):
    password: SecretStr | None = None


class SecretsFile(_Section):
    """The decrypted secrets file. Its values print as `**********`: never in a log or a traceback."""

    users: dict[str, SecretStr] = Field(default_factory=dict)
    # Users whose password regc does not know (imported): their htpasswd bcrypt hash, kept as it is.
    hashes: dict[str, SecretStr] = Field(default_factory=dict)
    http_secret: SecretStr | None = Field(None, alias="httpSecret")
    digest_key: SecretStr | None = Field(None, alias="digestKey")
    swift: SwiftCredentials = Field(default_factory=SwiftCredentials)
    s3: S3Credentials = Field(default_factory=S3Credentials)
    proxy: ProxyCredentials = Field(default_factory=ProxyCredentials)
    redis: RedisCredentials = Field(default_factory=RedisCredentials)
    notifications: dict[str, dict[str, SecretStr]] = Field(default_factory=dict)  # endpoint -> header -> value
    ca: KeyPair | None = None
    tls: KeyPair | None = None

    def value(self, path: KeyPath) -> str | None:
        """The value at a key path of the file (`("users", "alice")`), in clear; None when unset."""
        node: Any = self._plain
        for part in path:
            if not isinstance(node, dict):
                return None
            node = node.get(part)
        return node if isinstance(node, str) else None

    def section(self, name: str) -> dict[str, str]:
        """A credentials section in clear, without its unset keys."""
        node = self._plain.get(name) or {}
        return {key: value for key, value in node.items() if isinstance(value, str)}

    def plain(self) -> dict[str, Any]:
        """The document in clear, by the file's own keys (only for renderers and the sealer)."""
        return copy.deepcopy(self._plain)

    @cached_property
    def _plain(self) -> dict[str, Any]:
        # Read once: `value` is asked for every user of a thousand-user file.
        plain: dict[str, Any] = _reveal(self.model_dump(by_alias=True, exclude_none=True))
        return plain

    def updated(self, updates: dict[KeyPath, object]) -> SecretsFile:
        """This document with each value set at its key path."""
        document = self.plain()
        for path, value in updates.items():
            node = document
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = value
        return SecretsFile.model_validate(document)


def _reveal(node: Any) -> Any:
    if isinstance(node, SecretStr):
        return node.get_secret_value()
    if isinstance(node, dict):
        return {key: _reveal(value) for key, value in node.items()}
    return node


def new_document(updates: dict[KeyPath, object]) -> dict[str, Any]:
    """The plain document of a new secrets file holding `updates`, its sections in the usual order."""
    document: dict[str, Any] = {}
    for path, value in updates.items():
        node = document
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return {key: document[key] for key in SECTIONS if key in document}


def parse_secrets(text: bytes, display: str) -> SecretsFile:
    """Validate the decrypted file; messages name keys, never values."""
    try:
        data = yamlread.load(text) or {}
    except YAMLError:
        raise SpecError([Problem(Location(display), "the decrypted secrets file is not valid YAML", FIX)]) from None
    if not isinstance(data, dict):
        raise SpecError([Problem(Location(display), "the top level must be a mapping", FIX)])
    data = {key: value for key, value in data.items() if value is not None}
    for mapping in ("users", "notifications"):  # a user named 1234 is a name, not a number
        if isinstance(data.get(mapping), dict):
            data[mapping] = {str(key): value for key, value in data[mapping].items()}
    try:
        return SecretsFile.model_validate(data)
    except ValidationError as exc:
        raise SpecError([Problem(Location(display), _message(error), FIX) for error in exc.errors()]) from None


def _message(error: Any) -> str:
    """What is wrong where, from the error's location and kind only: pydantic's `input` holds the value."""
    where = ".".join(str(part) for part in error["loc"]) or "the top level"
    kind = error["type"]
    if kind == "extra_forbidden":
        parent, _, key = where.rpartition(".")
        known = SECTIONS if not parent else CREDENTIAL_KEYS.get(parent, ("cert", "key"))
        return f"{parent or 'the top level'}: unknown key {key!r} (known: {', '.join(known)})"
    if kind == "missing":
        return f"{where}: missing (both `cert` and `key` are needed, as PEM strings)"
    if kind in ("string_type", "model_type", "dict_type", "model_attributes_type"):
        wanted = "a string (quote it)" if kind == "string_type" else "a mapping"
        return f"{where}: must be {wanted}"
    return f"{where}: {kind.replace('_', ' ')}"
