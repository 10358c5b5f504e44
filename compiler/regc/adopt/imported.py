"""What an import makes, whatever it read: the spec (by the spec's own keys), the secrets file's
values, what could not be mapped, what regc cannot express (losses), and what it read, so that the
registry as it runs today can be compared with the one regc builds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from regc.adopt.values import Unmapped

if TYPE_CHECKING:
    from regc.adopt.config import Loss
    from regc.adopt.runtime import Runtime


@dataclass
class Imported:
    spec: dict[str, Any]
    secrets: dict[str, Any]
    unmapped: list[Unmapped]
    notes: list[str] = field(default_factory=list)
    complete: bool = True  # False: the spec would not say where images are; nothing is written
    losses: list[Loss] = field(default_factory=list)
    before: Runtime | None = None  # the registry as it runs today, when the input says it all
    objects: list[dict[str, Any]] = field(default_factory=list)  # the objects read (or the chart's)
    leftovers: dict[str, Any] = field(default_factory=dict)  # config keys no part of the spec took
