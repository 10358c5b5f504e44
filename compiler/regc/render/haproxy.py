"""What regc's two HAProxy configurations share: where the image reads its file, and the preamble."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from regc.kube import k8s_object

CONFIG_DIR = "/usr/local/etc/haproxy"  # the official image's configuration folder


def preamble(connect_timeout: str) -> list[str]:
    """Logs to stdout, plain TCP (TLS passes through), and timeouts long enough for a layer upload."""
    return [
        "global",
        "  log stdout format raw local0 info",
        "defaults",
        "  mode tcp",
        "  log global",
        f"  timeout connect {connect_timeout}",
        "  timeout client 15m   # layer uploads are long",
        "  timeout server 15m",
    ]


def configmap(name: str, labels: Mapping[str, str], config: str) -> dict[str, Any]:
    """The ConfigMap holding haproxy.cfg, mounted at CONFIG_DIR."""
    return k8s_object("v1", "ConfigMap", name, labels=dict(labels), data={"haproxy.cfg": config})


def pod_metadata(labels: Mapping[str, str], config: str) -> dict[str, Any]:
    """The pod template's labels, and the configuration's digest that rolls the pods when it changes."""
    return {
        "labels": dict(labels),
        "annotations": {"regc/config-sha256": hashlib.sha256(config.encode()).hexdigest()},
    }
