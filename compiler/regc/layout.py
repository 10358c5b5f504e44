"""Where a repository keeps regc's inputs: environments/<name>.yaml and its secrets file. Standard
library only: the no-op path and argument checks use it before anything heavy is imported."""

from __future__ import annotations

from pathlib import Path

ENVIRONMENTS = "environments"
SECRETS_SUFFIX = ".secrets.yaml"


def secrets_path(root: Path, name: str) -> Path:
    """environments/<name>.secrets.yaml: the environment's SOPS-encrypted values."""
    return root / ENVIRONMENTS / f"{name}{SECRETS_SUFFIX}"


def checked_specs(root: Path, given: list[Path]) -> list[Path]:
    """The SPEC arguments, each a file directly in environments/ (after resolving symlinks): a name is
    never a path to elsewhere, where regc would read a spec it does not own and write what it names."""
    from regc.errors import InputError

    folder = (root / ENVIRONMENTS).resolve()
    for spec in given:
        resolved = spec.resolve() if spec.is_absolute() else (Path.cwd() / spec).resolve()
        if resolved.parent != folder or not resolved.name.endswith(".yaml") or resolved.name.endswith(SECRETS_SUFFIX):
            raise InputError(
                f"{spec}: not a spec of this repository: give environments/NAME.yaml",
                f"specs live in {ENVIRONMENTS}/ of the repository root (see --root)",
            )
    return list(given)
