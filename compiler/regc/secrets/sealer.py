"""The sealer in use: the real sops, for the recipients of the repository's .sops.yaml. Plaintext
goes through pipes only; the commands that work on files (`set`, `updatekeys`) get a scratch copy
of the ciphertext beside its target, named so that .sops.yaml's rule for the target still matches."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from regc.errors import ToolError
from regc.layout import SCRATCH_PREFIX
from regc.secrets.sopsconfig import read_recipients
from regc.tools import sops


class SopsSealer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._recipients: list[str] | None = None

    def recipients(self) -> list[str]:
        """Read from .sops.yaml once per run."""
        if self._recipients is None:
            self._recipients = read_recipients(self.root)
        return list(self._recipients)

    def encrypt(self, plaintext: bytes, target: str) -> bytes:
        return sops.encrypt(plaintext, target, root=self.root)

    def decrypt(self, ciphertext: bytes, target: str) -> bytes:
        return sops.decrypt_stream(ciphertext, root=self.root, subject=target)

    def set_values(self, ciphertext: bytes, target: str, values: dict[tuple[str, ...], object]) -> bytes:
        with staged_copy(self.root / target, ciphertext) as staged:
            for path, value in values.items():
                index = "".join(f'["{part}"]' for part in path)
                sops.set_value(staged, index, json.dumps(value).encode(), root=self.root)
            return staged.read_bytes()

    def unset(self, ciphertext: bytes, target: str, key: tuple[str, ...]) -> bytes:
        with staged_copy(self.root / target, ciphertext) as staged:
            try:
                sops.unset_value(staged, "".join(f'["{part}"]' for part in key), root=self.root)
            except ToolError as exc:
                if "not found" not in str(exc).lower():
                    raise
            return staged.read_bytes()

    def rewrap(self, ciphertext: bytes, target: str) -> bytes:
        with staged_copy(self.root / target, ciphertext) as staged:
            sops.update_keys(staged, root=self.root)
            return staged.read_bytes()


@contextmanager
def staged_copy(path: Path, content: bytes | None = None) -> Iterator[Path]:
    """A scratch copy of `path` (or `content`, for a file not written yet) under a unique name in its
    folder that ends with the file's own name, removed afterwards. Errors name the file, not the copy."""
    handle, scratch = tempfile.mkstemp(prefix=SCRATCH_PREFIX, suffix=f"-{path.name}", dir=path.parent)
    staged = Path(scratch)
    try:
        with open(handle, "wb", closefd=True) as copy:
            copy.write(path.read_bytes() if content is None else content)
        yield staged
    except ToolError as exc:
        raise ToolError(exc.message.replace(staged.name, path.name), exc.hint) from None
    finally:
        staged.unlink(missing_ok=True)
