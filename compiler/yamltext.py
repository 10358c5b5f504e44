"""Deterministic YAML text: insertion key order, 2-space indent, no wrapping, YAML 1.1-safe quoting."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Kubernetes parses YAML 1.1, where these plain scalars are booleans, nulls, numbers
# (including base 60: `12:30`) or timestamps. ruamel writes YAML 1.2 and leaves them bare.
_YAML11_SPECIAL = re.compile(
    r"""^(?:
        y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
      | ~|null|Null|NULL|=|<<
      | [-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?
      | [-+]?0[bx][0-9a-fA-F_]+
      | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
      | [-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
      | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*
    )$""",
    re.VERBOSE,
)


def needs_quotes(text: str) -> bool:
    """True when a YAML 1.1 reader would not read `text` back as the same string."""
    return text == "" or bool(_YAML11_SPECIAL.match(text))


def dump(data: Any) -> str:
    """One YAML document as text, LF line ends and a trailing newline."""
    import io

    stream = io.StringIO()
    _yaml().dump(data, stream)
    return stream.getvalue()


@lru_cache(maxsize=1)
def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.width = 1 << 30  # never fold long strings
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    representer = yaml.representer
    representer.sort_base_mapping_type_on_output = False
    representer.add_representer(str, _represent_str)
    representer.add_representer(type(None), _represent_none)
    return yaml


def _represent_str(representer, text: str):
    if "\n" in text:
        return representer.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    if needs_quotes(text):
        return representer.represent_scalar("tag:yaml.org,2002:str", text, style='"')
    return representer.represent_scalar("tag:yaml.org,2002:str", text)


def _represent_none(representer, _value: None):
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")
