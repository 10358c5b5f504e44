"""The control plane, started once per session for the tests that need it."""

from __future__ import annotations

import pytest

from tests.cluster.apiserver import start_control_plane
from tests.e2e.processes import Processes


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory):
    tracked = Processes()
    try:
        yield start_control_plane(tmp_path_factory.mktemp("control-plane"), tracked)
    finally:
        tracked.stop_all()
