"""Constrained value types of the spec, each with the rule Kubernetes or the registry applies."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from regc.errors import shown
from regc.kube import is_dns_label, is_dns_subdomain

LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$")
# The patterns of the published CRDs (tests/crds/ validates against them): Flux's interval and
# timeout fields, and prometheus-operator's Duration (whole units in a fixed order).
FLUX_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$")
PROMETHEUS_DURATION = re.compile(
    r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?"
    r"(([0-9]+)ms)?)$"
)
SCP_GIT_URL = re.compile(r"^(?:(?P<user>[^@/:\s]+)@)?(?P<host>[^@/:\s]+):(?P<path>[^\s]+)$")
IMAGE = re.compile(r"^[a-z0-9]+([._/:-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$")


def check_dns_label(value: str) -> str:
    if not is_dns_label(value):
        raise ValueError(
            f"{shown(value)} is not a DNS label: at most 63 characters of a-z, 0-9 and '-', "
            "starting and ending with a letter or digit"
        )
    return value


def check_dns_subdomain(value: str) -> str:
    if not is_dns_subdomain(value):
        raise ValueError(f"{shown(value)} is not a DNS name: lower-case labels of a-z, 0-9 and '-' joined by '.'")
    return value


def check_label_key(value: str) -> str:
    prefix, _, name = value.rpartition("/")
    if prefix:
        check_dns_subdomain(prefix)
    if len(name) > 63 or not LABEL_NAME.match(name):
        raise ValueError(
            f"{shown(value)} is not a label key: an optional DNS prefix and '/', then at most "
            "63 characters of letters, digits, '-', '_' and '.'"
        )
    return value


def check_label_value(value: str) -> str:
    if value and (len(value) > 63 or not LABEL_NAME.match(value)):
        raise ValueError(
            f"{shown(value)} is not a label value: at most 63 characters of letters, digits, "
            "'-', '_' and '.', starting and ending with a letter or digit"
        )
    return value


def check_quantity(value: str) -> str:
    if not QUANTITY.match(value):
        raise ValueError(f"{shown(value)} is not a Kubernetes quantity such as 500m, 2, 256Mi or 10Gi")
    return value


def check_duration(value: str) -> str:
    if not DURATION.match(value):
        raise ValueError(f"{shown(value)} is not a duration such as 10s, 1m30s or 2h")
    return value


def check_flux_duration(value: str) -> str:
    if not FLUX_DURATION.match(value):
        raise ValueError(
            f"{shown(value)} is not a duration Flux accepts: numbers with ms, s, m or h, such as 30s, "
            "10m or 1h30m (no ns or us)"
        )
    return value


def check_refresh_interval(value: str) -> str:
    """A Go duration as the External Secrets Operator reads its refreshInterval; 0 reads the store once."""
    if value != "0" and not FLUX_DURATION.match(value):
        raise ValueError(
            f"{shown(value)} is not a refresh interval: numbers with ms, s, m or h, such as 30m or 1h, or 0 "
            "(read the store once)"
        )
    return value


def check_prometheus_duration(value: str) -> str:
    if not value or not PROMETHEUS_DURATION.match(value):
        raise ValueError(
            f"{shown(value)} is not a Prometheus duration: whole numbers of y, w, d, h, m, s and ms, "
            "in that order, such as 30s, 1m30s or 2h (not 1.5m)"
        )
    return value


def check_git_url(value: str) -> str:
    """A Git repository URL Flux and Argo CD both read: http(s):// or ssh://; an scp-style address
    (`git@github.com:org/repo.git`) is rewritten as the ssh:// URL it means."""
    parts = urlsplit(value)
    if parts.scheme in ("http", "https", "ssh"):
        if not parts.hostname or any(c.isspace() for c in value):
            raise ValueError(f"{shown(value)} is not a Git URL: it names no host")
        return value
    if "://" not in value and (scp := SCP_GIT_URL.match(value)):
        user = f"{scp['user']}@" if scp["user"] else ""
        return f"ssh://{user}{scp['host']}/{scp['path'].lstrip('/')}"
    raise ValueError(
        f"{shown(value)} is not a Git URL Flux accepts: use https://, http:// or ssh:// (or the scp "
        "form git@host:org/repo.git, which regc writes as ssh://git@host/org/repo.git)"
    )


def check_repository_path(value: str) -> str:
    """A folder of the Git repository, relative to its root: `./x` and `x/` are written `x`."""
    parts = [part for part in value.split("/") if part not in ("", ".")]
    if value.startswith("/") or ".." in parts or not parts:
        raise ValueError(
            f"{shown(value)} is not a folder inside the repository: give a relative path such as "
            "overlays/prod, without '..'"
        )
    return "/".join(parts)


def check_image(value: str) -> str:
    if not IMAGE.match(value):
        raise ValueError(f"{shown(value)} is not an image reference such as registry:2.8.3")
    name, _, digest = value.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    if not digest and tag in ("", "latest"):
        raise ValueError(
            f"{shown(value)} is not pinned: name a version tag such as registry:2.8.3 "
            "(or a @sha256: digest), so a rebuild cannot change what runs"
        )
    return value


def check_username(value: str) -> str:
    if not value or any(c == ":" or c.isspace() for c in value):
        raise ValueError(
            f"{shown(value)} cannot be an htpasswd user name: it must be non-empty, without ':' "
            "or white space (':' separates the name from the hash)"
        )
    if len(value) > 128:
        raise ValueError("an htpasswd user name has at most 128 characters")
    return value


def check_host_name(value: str) -> str:
    """A certificate name: a DNS name (optionally `*.` wildcard) or an IPv4/IPv6 address."""
    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    check_dns_subdomain(value.removeprefix("*."))
    return value


def check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{shown(value)} is not an http:// or https:// URL with a host")
    return value


def check_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f"{shown(value)} is not an IPv4 or IPv6 address") from None


def check_cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise ValueError(f"{shown(value)} is not an IPv4 or IPv6 network (such as 10.0.0.0/8)") from None


def check_swift_user(value: str) -> str:
    if value.count(":") != 1 or any(c.isspace() for c in value) or value.startswith(":") or value.endswith(":"):
        raise ValueError(f"{shown(value)} is not a radosgw Swift user: write it as uid:subuser, such as kube:registry")
    return value


def check_bucket(value: str) -> str:
    if not re.match(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", value):
        raise ValueError(
            f"{shown(value)} is not a bucket or container name: 3 to 63 characters of a-z, 0-9, '.' and '-'"
        )
    return value


DnsLabel = Annotated[str, AfterValidator(check_dns_label)]
DnsName = Annotated[str, AfterValidator(check_dns_subdomain)]
LabelKey = Annotated[str, AfterValidator(check_label_key)]
LabelValue = Annotated[str, AfterValidator(check_label_value)]
Quantity = Annotated[str, AfterValidator(check_quantity)]
Duration = Annotated[str, AfterValidator(check_duration)]
FluxDuration = Annotated[str, AfterValidator(check_flux_duration)]
PrometheusDuration = Annotated[str, AfterValidator(check_prometheus_duration)]
RefreshInterval = Annotated[str, AfterValidator(check_refresh_interval)]
GitUrl = Annotated[str, AfterValidator(check_git_url)]
RepositoryPath = Annotated[str, AfterValidator(check_repository_path)]
Image = Annotated[str, AfterValidator(check_image)]
Port = Annotated[int, Field(ge=1, le=65535)]
INT32_MAX = 2**31 - 1  # Kubernetes' replica counts and budgets are int32
UserName = Annotated[str, AfterValidator(check_username)]
HostName = Annotated[str, AfterValidator(check_host_name)]
Url = Annotated[str, AfterValidator(check_url)]
IpAddress = Annotated[str, AfterValidator(check_ip)]
Cidr = Annotated[str, AfterValidator(check_cidr)]
SwiftUser = Annotated[str, AfterValidator(check_swift_user)]
BucketName = Annotated[str, AfterValidator(check_bucket)]
