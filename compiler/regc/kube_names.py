"""The syntax of Kubernetes object names (RFC 1123 labels and subdomains). Standard library only."""

from __future__ import annotations

import re

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def is_dns_label(value: str) -> bool:
    """A Namespace's, a Service's or an environment's name: at most 63 characters."""
    return len(value) <= 63 and DNS_LABEL.match(value) is not None


def is_dns_subdomain(value: str) -> bool:
    """Most objects' names: at most 253 characters."""
    return len(value) <= 253 and DNS_SUBDOMAIN.match(value) is not None
