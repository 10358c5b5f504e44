"""Errors a person can act on: a location, what is wrong, and how to fix it."""

from __future__ import annotations

import sys
from dataclasses import dataclass


def shown(value: object, limit: int = 60) -> str:
    """A value as an error message shows it: its repr, cut so a huge value cannot flood the terminal."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


@dataclass(frozen=True)
class Location:
    """A place in a file; line and column count from 1."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column}"
        return self.path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, where it is, and optionally how to fix it."""

    location: Location
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class RegcError(Exception):
    """An error reported to the user without a traceback; `exit_code` is the process status."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message + (f"\n  hint: {self.hint}" if self.hint else "")

    def report(self) -> int:
        """Print the error for a person (no traceback) and return the exit status."""

        print(str(self) if isinstance(self, SpecError) else f"error: {self}", file=sys.stderr)
        return self.exit_code


class SpecError(RegcError):
    """Invalid input: one or more located problems, all reported together (exit 2)."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def __str__(self) -> str:
        return self.message


class InputError(RegcError):
    """An invalid argument (a name that is not a DNS label, a path outside the repository): exit 2."""

    exit_code = 2


class ToolError(RegcError):
    """An external program is missing or failed."""

    exit_code = 3


def in_the_way(path: str) -> RegcError:
    """A file the user put where a build would write one of regc's."""
    return RegcError(
        f"{path} exists and was not written by regc; it is left alone, so the build stops",
        "move or rename that file, then run `regc build` again",
    )
