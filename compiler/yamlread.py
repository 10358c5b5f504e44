"""Fast reading of YAML that regc or sops wrote: ruamel's C loader (ruamel.yaml.clib) when present.
Specs are read elsewhere, with positions, by the round-trip loader."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _loader():
    from ruamel.yaml import YAML

    try:
        return YAML(typ="safe")  # the C loader, when ruamel.yaml.clib is installed
    except Exception:  # noqa: BLE001 - any failure to set up the C loader falls back to pure Python
        return YAML(typ="safe", pure=True)


def load(text: str | bytes) -> Any:
    return _loader().load(text)


def load_all(text: str | bytes) -> list:
    return list(_loader().load_all(text))
