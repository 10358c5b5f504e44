"""What regc's two HAProxy configurations share: where the image reads its file, and the preamble."""

from __future__ import annotations

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
