"""Daemons started by the end-to-end tests: tracked by PID, stopped even when a test fails, and a
daemon that does not come up in time fails the test with the tail of its log, not a hang."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest


class Processes:
    def __init__(self) -> None:
        self.running: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    def start(
        self, name: str, command: list[str], *, log: Path, env: dict | None = None, cwd: Path | None = None
    ) -> subprocess.Popen:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "wb") as handle:
            process = subprocess.Popen(
                command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True
            )
        self.running[name] = process
        self.logs[name] = log
        return process

    def wait_until(self, name: str, ready, deadline: float, logs: list[Path] = ()) -> None:
        end = time.monotonic() + deadline
        process = self.running[name]
        while time.monotonic() < end:
            if ready():
                return
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode} before it was ready:\n{self.tail(name, logs)}")
            time.sleep(0.3)
        pytest.fail(f"{name} was not ready within {deadline:.0f} s:\n{self.tail(name, logs)}")

    def tail(self, name: str, extra: list[Path] = (), lines: int = 25) -> str:
        parts = []
        for path in [self.logs.get(name), *extra]:
            if path and path.is_file():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)

    def stop(self, name: str) -> None:
        process = self.running.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in reversed(list(self.running)):
            self.stop(name)
