"""Constrained value types of the spec, each with the rule Kubernetes or the registry applies."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$")
IMAGE = re.compile(r"^[a-z0-9]+([._/:-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$")


def check_dns_label(value: str) -> str:
    if len(value) > 63 or not DNS_LABEL.match(value):
        raise ValueError(f"{value!r} is not a DNS label: at most 63 characters of a-z, 0-9 and '-', "
                         "starting and ending with a letter or digit")
    return value


def check_dns_subdomain(value: str) -> str:
    if len(value) > 253 or not DNS_SUBDOMAIN.match(value):
        raise ValueError(f"{value!r} is not a DNS name: lower-case labels of a-z, 0-9 and '-' "
                         "joined by '.'")
    return value


def check_label_key(value: str) -> str:
    prefix, _, name = value.rpartition("/")
    if prefix:
        check_dns_subdomain(prefix)
    if len(name) > 63 or not LABEL_NAME.match(name):
        raise ValueError(f"{value!r} is not a label key: an optional DNS prefix and '/', then at most "
                         "63 characters of letters, digits, '-', '_' and '.'")
    return value


def check_label_value(value: str) -> str:
    if value and (len(value) > 63 or not LABEL_NAME.match(value)):
        raise ValueError(f"{value!r} is not a label value: at most 63 characters of letters, digits, "
                         "'-', '_' and '.', starting and ending with a letter or digit")
    return value


def check_quantity(value: str) -> str:
    if not QUANTITY.match(value):
        raise ValueError(f"{value!r} is not a Kubernetes quantity such as 500m, 2, 256Mi or 10Gi")
    return value


def check_duration(value: str) -> str:
    if not DURATION.match(value):
        raise ValueError(f"{value!r} is not a duration such as 10s, 1m30s or 2h")
    return value


def check_image(value: str) -> str:
    if not IMAGE.match(value):
        raise ValueError(f"{value!r} is not an image reference such as registry:2.8.3")
    name, _, digest = value.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    if not digest and tag in ("", "latest"):
        raise ValueError(f"{value!r} is not pinned: name a version tag such as registry:2.8.3 "
                         "(or a @sha256: digest), so a rebuild cannot change what runs")
    return value


def check_username(value: str) -> str:
    if not value or any(c == ":" or c.isspace() for c in value):
        raise ValueError(f"{value!r} cannot be an htpasswd user name: it must be non-empty, without ':' "
                         "or white space (':' separates the name from the hash)")
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
        raise ValueError(f"{value!r} is not an http:// or https:// URL with a host")
    return value


def check_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 or IPv6 address") from None


def check_swift_user(value: str) -> str:
    if value.count(":") != 1 or any(c.isspace() for c in value) or value.startswith(":") or value.endswith(":"):
        raise ValueError(f"{value!r} is not a radosgw Swift user: write it as uid:subuser, such as kube:registry")
    return value


def check_bucket(value: str) -> str:
    if not re.match(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", value):
        raise ValueError(f"{value!r} is not a bucket or container name: 3 to 63 characters of a-z, 0-9, "
                         "'.' and '-'")
    return value


DnsLabel = Annotated[str, AfterValidator(check_dns_label)]
DnsName = Annotated[str, AfterValidator(check_dns_subdomain)]
LabelKey = Annotated[str, AfterValidator(check_label_key)]
LabelValue = Annotated[str, AfterValidator(check_label_value)]
Quantity = Annotated[str, AfterValidator(check_quantity)]
Duration = Annotated[str, AfterValidator(check_duration)]
Image = Annotated[str, AfterValidator(check_image)]
Port = Annotated[int, Field(ge=1, le=65535)]
UserName = Annotated[str, AfterValidator(check_username)]
HostName = Annotated[str, AfterValidator(check_host_name)]
Url = Annotated[str, AfterValidator(check_url)]
IpAddress = Annotated[str, AfterValidator(check_ip)]
SwiftUser = Annotated[str, AfterValidator(check_swift_user)]
BucketName = Annotated[str, AfterValidator(check_bucket)]
