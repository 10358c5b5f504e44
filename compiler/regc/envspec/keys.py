"""The keys of spec data that the spec's model does not have, as its own validation finds them: for
code that writes specs (an importer), where such a key is a bug of the writer, not of its input."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from regc.envspec.model import Environment


def unknown_keys(data: dict[str, Any]) -> list[str]:
    """Dotted paths of the keys in `data` the model refuses as unknown (values are not judged here:
    the loader judges them, with their place in the file)."""
    try:
        Environment.model_validate(data)
    except ValidationError as exc:
        return sorted(
            {".".join(str(part) for part in e["loc"]) for e in exc.errors() if e["type"] == "extra_forbidden"}
        )
    return []
