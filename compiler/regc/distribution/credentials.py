"""Which keys of the registry's configuration hold credentials: their values reach neither a report
nor a ConfigMap in clear (the storage drivers' keys, the HTTP and proxy secrets, Redis passwords,
notification headers)."""

from __future__ import annotations

# Leaf names the registry and its storage drivers read credentials from (distribution's
# configuration.go and the drivers' parameters: s3 accesskey/secretkey/sessiontoken, swift
# password, azure accountkey, gcs credentials, redis password, http secret, proxy password).
CREDENTIAL_LEAVES = (
    "password",
    "secret",
    "accesskey",
    "secretkey",
    "sessiontoken",
    "accountkey",
    "credentials",
    "privatekey",
    "token",
    "apikey",
    "authorization",
)


def holds_credential(dotted: str) -> bool:
    """Whether the configuration key `dotted` (storage.s3.secretkey) holds a credential: its leaf is
    one of the names above, or it is a notification endpoint's header."""
    parts = dotted.lower().split(".")
    if "headers" in parts and parts[0] == "notifications":
        return True
    leaf = parts[-1]
    return leaf in CREDENTIAL_LEAVES or any(word in leaf for word in ("password", "secret", "token"))
