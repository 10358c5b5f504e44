"""The JSON Schema of environment specs, generated from the model (for editors and docs)."""

from __future__ import annotations

import json


def schema() -> dict:
    from regc.spec.model import Environment

    document = Environment.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **document}


def schema_text() -> str:
    return json.dumps(schema(), indent=2, sort_keys=False) + "\n"
