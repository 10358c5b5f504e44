"""The world of a compiler run in memory: a sealer that looks like sops to regc but only encodes,
a seeded random source and a fixed clock. For tests of the pipeline in one process; the real sops
and age are tested elsewhere (test_secrets, test_no_plaintext, the e2e suite)."""

from __future__ import annotations

import base64
import datetime
import random
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any

from regc import layout, yamlread, yamltext
from regc.world import MemoryFiles, World

ROOT = Path("/memory/repo")
NOW = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.UTC)
TREE_PREFIXES = (f"{layout.BASE}/", f"{layout.OVERLAYS}/")


class FakeSealer:
    """A `sops` block naming the recipients, each sealed value `ENC[FAKE,n,base64]` with a fresh n,
    so two encryptions of one value differ as with sops. Compiled Secrets seal only data and
    stringData, like the creation rule regc writes."""

    def __init__(self, recipients: list[str]) -> None:
        self._recipients = sorted(recipients)
        self.calls: Counter[str] = Counter()
        self._nonce = 0

    def recipients(self) -> list[str]:
        return list(self._recipients)

    def encrypt(self, plaintext: bytes, target: str) -> bytes:
        self.calls["encrypt"] += 1
        text = plaintext.decode()
        header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
        document = yamlread.load(text) or {}
        if target.startswith(TREE_PREFIXES):
            sealed = {k: self._seal(v) if k in ("data", "stringData") else v for k, v in document.items()}
        else:
            sealed = self._seal(document)
        sealed["sops"] = self._block()
        return (header + yamltext.dump(sealed)).encode()

    def decrypt(self, ciphertext: bytes, target: str) -> bytes:
        self.calls["decrypt"] += 1
        document = yamlread.load(ciphertext) or {}
        document.pop("sops", None)
        return yamltext.dump(_open(document)).encode()

    def set_values(self, ciphertext: bytes, target: str, values: dict[tuple[str, ...], object]) -> bytes:
        self.calls["set"] += 1
        document = yamlread.load(ciphertext)
        for path, value in values.items():
            node = document
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = self._seal(value)
        document["sops"] = self._block()
        return yamltext.dump(document).encode()

    def unset(self, ciphertext: bytes, target: str, key: tuple[str, ...]) -> bytes:
        self.calls["unset"] += 1
        document = yamlread.load(ciphertext)
        node = document
        for part in key[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(key[-1], None)
        document["sops"] = self._block()
        return yamltext.dump(document).encode()

    def rewrap(self, ciphertext: bytes, target: str) -> bytes:
        self.calls["rewrap"] += 1
        text = ciphertext.decode()
        header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
        document = yamlread.load(text)
        document["sops"] = self._block()
        return (header + yamltext.dump(document)).encode()

    def _block(self) -> dict[str, Any]:
        return {"age": [{"recipient": r, "enc": "fake"} for r in self._recipients], "version": "fake"}

    def _seal(self, node: Any) -> Any:
        if isinstance(node, dict):
            return {k: self._seal(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self._seal(v) for v in node]
        if isinstance(node, str):
            self._nonce += 1
            return f"ENC[FAKE,{self._nonce},{base64.b64encode(node.encode()).decode()}]"
        return node


def _open(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _open(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_open(v) for v in node]
    if isinstance(node, str) and node.startswith("ENC[FAKE,"):
        return base64.b64decode(node[:-1].split(",", 2)[2]).decode()
    return node


class SeededRandom:
    def __init__(self, seed: int = 7) -> None:
        self._random = random.Random(seed)

    def token(self, nbytes: int) -> str:
        return base64.urlsafe_b64encode(self._random.randbytes(nbytes)).rstrip(b"=").decode()

    def choice(self, alphabet: str) -> str:
        return self._random.choice(alphabet)


def memory_world(
    files: dict[str, bytes], *, recipients: list[str] | None = None, now: datetime.datetime = NOW, seed: int = 7
) -> tuple[World, MemoryFiles, FakeSealer]:
    """A repository in memory holding `files` (by path relative to its root)."""
    memory = MemoryFiles(cwd=PurePosixPath(ROOT))
    for name, content in files.items():
        memory.write(ROOT / name, content)
    sealer = FakeSealer(recipients or ["age1fake"])
    return World(ROOT, memory, sealer, lambda: now, SeededRandom(seed)), memory, sealer


def tree_of(memory: MemoryFiles) -> dict[str, bytes]:
    """Every file of the compiled tree in memory, by path relative to the root."""
    return {
        name: content
        for name, content in memory.under(ROOT)
        if name.startswith((*TREE_PREFIXES, f"{layout.APPLICATION_SET_DIRECTORY}/"))
    }
