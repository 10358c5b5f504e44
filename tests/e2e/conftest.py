"""Fixtures of the end-to-end suite: a real Ceph cluster per session, daemons stopped by PID, and
the time of each phase printed at the end."""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager

import pytest

from tests.e2e.ceph import start_ceph
from tests.e2e.processes import Processes

PHASES: dict[str, list[float]] = defaultdict(list)


@contextmanager
def phase(name: str):
    start = time.monotonic()
    yield
    PHASES[name].append(time.monotonic() - start)


@pytest.fixture
def processes():
    tracked = Processes()
    try:
        yield tracked
    finally:
        tracked.stop_all()


@pytest.fixture(scope="session")
def ceph(tmp_path_factory):
    tracked = Processes()
    try:
        with phase("cluster up"):
            cluster = start_ceph(tmp_path_factory.mktemp("ceph"), tracked)
        yield cluster
    finally:
        tracked.stop_all()


def pytest_terminal_summary(terminalreporter):
    if not PHASES:
        return
    terminalreporter.section("end-to-end phases")
    for name, times in PHASES.items():
        terminalreporter.write_line(f"{name:<14} {len(times):>3} x  total {sum(times):6.1f} s  max {max(times):5.1f} s")
