"""The control plane of the session, for the tests that need it."""

from __future__ import annotations

import pytest

from tests.cluster.apiserver import shared_cluster
from tests.e2e.conftest import processes  # noqa: F401 - daemons of a test, stopped after it


@pytest.fixture(scope="session")
def cluster():
    """The control plane with the vendored CRDs established and the engines' namespaces made."""
    return shared_cluster()
