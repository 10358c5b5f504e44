"""Every path, suffix and marker of a regc repository: where the inputs are, where the compiled tree
goes, and the names of regc's own files. Standard library only: the no-op path and argument checks
use it before anything heavy is imported."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from regc.errors import InputError
from regc.kube import is_dns_label

if TYPE_CHECKING:
    from regc.world import Files

# Inputs.
ENVIRONMENTS = "environments"
SPEC_SUFFIX = ".yaml"
SECRETS_SUFFIX = ".secrets.yaml"
SCHEMA_FILE = "environment.schema.json"
SOPS_CONFIG = ".sops.yaml"

# The compiled tree: one unit per folder.
BASE = "base"
OVERLAYS = "overlays"
APPLICATION_SET_DIRECTORY = "argocd"  # the repository's folder of the Argo CD ApplicationSet

# Files of each unit, and of an overlay, that Kustomize and the GitOps engines read.
KUSTOMIZATION = "kustomization.yaml"
KSOPS_GENERATOR = "secret-generator.yaml"  # Argo CD: the KSOPS generator listing the encrypted Secrets
MEMBER_FILE = "applicationset-member.yaml"  # read by the ApplicationSet's git files generator
GITOPS_FOLDER = "gitops"  # bootstrap objects, applied once by hand: these files
GIT_REPOSITORY_FILE = "gitrepository.yaml"  # Flux's source
FLUX_KUSTOMIZATION_FILE = "flux-kustomization.yaml"  # Flux's sync of the overlay
APPLICATION_FILE = "application.yaml"  # Argo CD's Application
APPLICATION_SET_FILE = "applicationset.yaml"  # in argocd/

# regc's own files.
MANIFEST = ".regc-manifest"  # in each unit: the files regc wrote and the digests of their inputs
STATE_FILE = ".regc-secrets.yaml"  # in each overlay: digests of each Secret's inputs
STAGING = ".regc-staging"  # at the root, during a commit
JOURNAL = ".regc-journal"  # at the root, while a commit swaps folders
LOCK_FILE = ".regc.lock"
SCRATCH_PREFIX = ".regc-tmp-"  # scratch copies beside committed files (sops works on files)


def spec_path(root: Path, name: str) -> Path:
    """environments/<name>.yaml: the environment's spec."""
    return root / ENVIRONMENTS / f"{name}{SPEC_SUFFIX}"


def secrets_path(root: Path, name: str) -> Path:
    """environments/<name>.secrets.yaml: the environment's SOPS-encrypted values."""
    return root / ENVIRONMENTS / f"{name}{SECRETS_SUFFIX}"


def secrets_display(name: str) -> str:
    """The secrets file as messages name it, relative to the repository root."""
    return f"{ENVIRONMENTS}/{name}{SECRETS_SUFFIX}"


def is_spec_file(name: str) -> bool:
    return name.endswith(SPEC_SUFFIX) and not name.endswith(SECRETS_SUFFIX)


def spec_name(path: Path) -> str:
    """The environment's name: its spec's file name without `.yaml`."""
    name = path.name
    return name[: -len(SPEC_SUFFIX)] if name.endswith(SPEC_SUFFIX) else path.stem


def spec_files(root: Path) -> list[Path]:
    """Every `environments/*.yaml` except the secrets files, sorted; [] without the folder."""
    folder = root / ENVIRONMENTS
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"*{SPEC_SUFFIX}") if is_spec_file(p.name))


def shared_files(folder: Path, files: Files) -> list[Path]:
    """The YAML files in the folders under environments/ (at any depth): what a spec may extend."""
    found: list[Path] = []
    for entry in files.children(folder):
        if files.is_dir(entry):
            found += [p for p in files.children(entry) if p.name.endswith((".yaml", ".yml")) and files.is_file(p)]
            found += shared_files(entry, files)
    return sorted(found)


def overlay_directory(name: str) -> str:
    """overlays/<name>: the environment's unit, relative to the root."""
    return f"{OVERLAYS}/{name}"


def is_unit_directory(relative: str) -> bool:
    """A folder regc owns: base/, argocd/ or overlays/<name>."""
    parts = relative.split("/")
    return relative in (BASE, APPLICATION_SET_DIRECTORY) or (
        len(parts) == 2 and parts[0] == OVERLAYS and is_dns_label(parts[1])
    )


def checked_specs(root: Path, given: list[Path], files: Files) -> list[Path]:
    """The SPEC arguments, each a file directly in environments/ (after resolving symlinks): a name is
    never a path to elsewhere, where regc would read a spec it does not own and write what it names."""
    folder = files.resolve(root / ENVIRONMENTS)
    for spec in given:
        resolved = files.resolve(spec)
        if resolved.parent != folder or not is_spec_file(resolved.name):
            raise InputError(
                f"{spec}: not a spec of this repository: give {ENVIRONMENTS}/NAME{SPEC_SUFFIX}",
                f"specs live in {ENVIRONMENTS}/ of the repository root (see --root)",
            )
    return list(given)
