"""The registry's certificate from cert-manager (`tls.certificate: cert-manager`): a
`cert-manager.io/v1` Certificate whose Secret is the one the registry mounts."""

from __future__ import annotations

import ipaddress
from typing import Any

from regc.kube import k8s_object
from regc.plan.names import certificate_names
from regc.plan.plan import Plan

CERT_MANAGER = "cert-manager.io/v1"
# The private key cert-manager makes, by regc's key algorithm; a new key at each renewal.
PRIVATE_KEYS = {
    "ecdsa-p256": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
    "rsa-2048": {"algorithm": "RSA", "size": 2048, "rotationPolicy": "Always"},
}


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def certificate(plan: Plan) -> dict[str, Any] | None:
    tls = plan.spec.tls
    settings = tls.cert_manager
    if not tls.enabled or tls.certificate != "cert-manager" or settings is None:
        return None
    names = certificate_names(plan.spec)
    spec: dict[str, Any] = {
        "secretName": plan.names.tls_secret,
        "issuerRef": {"name": settings.issuer, "kind": settings.issuer_kind, "group": settings.issuer_group},
        "dnsNames": [n for n in names if not _is_ip(n)],
    }
    addresses = [n for n in names if _is_ip(n)]
    if addresses:
        spec["ipAddresses"] = addresses
    if settings.duration:
        spec["duration"] = settings.duration
    if settings.renew_before:
        spec["renewBefore"] = settings.renew_before
    spec["privateKey"] = dict(PRIVATE_KEYS[tls.key_algorithm])
    spec["secretTemplate"] = {"labels": dict(plan.names.base_labels)}
    return k8s_object(CERT_MANAGER, "Certificate", plan.names.tls_secret, labels=plan.names.base_labels, spec=spec)
