"""`regc schema`: the spec's JSON Schema (for editors) or its reference as a Markdown table."""

from __future__ import annotations

import sys
from pathlib import Path

from regc.envspec.reference import reference_markdown
from regc.envspec.schema import schema_text
from regc.errors import RegcError
from regc.files import write_atomic

FORMATS = {"json": schema_text, "markdown": reference_markdown}


def run(output: Path | None, format: str) -> int:
    if format not in FORMATS:
        raise RegcError(f"unknown format {format!r}", "use --format json or --format markdown")
    text = FORMATS[format]()
    if output:
        write_atomic(output, text.encode())
    else:
        sys.stdout.write(text)
    return 0
