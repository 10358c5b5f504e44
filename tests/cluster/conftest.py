"""The control plane, started once per session for the tests that need it."""

from __future__ import annotations

import pytest

from ruamel.yaml import YAML

from tests.cluster.apiserver import ensure_namespaces, start_control_plane, wait_established
from tests.crd_schema import CRDS
from tests.e2e.conftest import processes  # noqa: F401 - daemons of a test, stopped after it
from tests.e2e.processes import Processes


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory):
    tracked = Processes()
    try:
        yield start_control_plane(tmp_path_factory.mktemp("control-plane"), tracked)
    finally:
        tracked.stop_all()


@pytest.fixture(scope="session")
def cluster(control_plane):
    """The control plane with the vendored CRDs established and the engines' namespaces made."""
    control_plane.kubectl("apply", "--server-side", "-f", str(CRDS))
    names = [YAML(typ="safe", pure=True).load(p.read_text())["metadata"]["name"] for p in sorted(CRDS.glob("*.yaml"))]
    wait_established(control_plane, names)
    ensure_namespaces(control_plane, {"argocd", "flux-system"})
    return control_plane
