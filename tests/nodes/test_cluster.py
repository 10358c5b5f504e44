"""The suite's cluster of nodes cleans up after itself, also when it fails to come up."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.processes import Processes
from tests.nodes import cluster as nodes_cluster
from tests.nodes.cluster import CONTROLLERS, start_node_cluster

pytestmark = pytest.mark.e2e


def test_a_cluster_that_fails_to_come_up_leaves_nothing_behind(tmp_path: Path, monkeypatch):
    def no_dns(cluster) -> None:
        raise RuntimeError("cluster DNS did not come up")

    monkeypatch.setattr(nodes_cluster, "_dns", no_dns)  # fails once the network and control plane run
    processes, tag = Processes(), "regcfailed"
    with pytest.raises(RuntimeError, match="cluster DNS did not come up"):
        start_node_cluster(tmp_path, processes, 1, tag=tag)
    assert [name for name in processes.logs if name.startswith(tag)]  # it did start its control plane
    running = [name for name, process in processes.running.items() if process.poll() is None]
    processes.stop_all()
    assert not running, running
    namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert tag not in namespaces
    assert not [c for c in (*CONTROLLERS, "systemd") if (Path("/sys/fs/cgroup") / c / tag).exists()]
