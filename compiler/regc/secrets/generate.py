"""What a build may generate into a secrets file (the HTTP secret, the digest key, passwords the spec
lets it make up, storage credentials, the CA and the server certificate), and the check that every
value the products need is there. Returns updates; writes nothing."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from regc.errors import Location, Problem, SpecError
from regc.plan.credentials import env_credential_inputs, storage_referenced
from regc.plan.names import certificate_names
from regc.plan.plan import Plan
from regc.secrets import htpasswd, tls
from regc.secrets.sections import CREDENTIAL_KEYS, KeyPath
from regc.world import Random

if TYPE_CHECKING:
    from regc.secrets.document import SecretsFile

# What the build report calls each generated value.
GENERATED = {
    "httpSecret": "the HTTP secret",
    "ca": "a CA",
    "tls": "a server certificate",
    "swift": "Swift credentials",
    "s3": "S3 credentials",
}
ACCESS_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def generated_names(updates: dict[KeyPath, object]) -> list[str]:
    """The build report's words for `updates` (the digest key is not worth a line)."""
    return [
        f"a password for {path[1]}" if path[0] == "users" else GENERATED.get(path[0], path[0])
        for path in updates
        if path != ("digestKey",)
    ]


def missing_values(
    plan: Plan, values: SecretsFile, random: Random, now: datetime.datetime, display: str
) -> dict[KeyPath, object]:
    """The updates that fill in what may be generated; a located error for what may not."""
    spec = plan.spec
    updates: dict[KeyPath, object] = {}
    if not values.digest_key:
        updates[("digestKey",)] = random.token(32)
    if not values.http_secret and spec.registry.http_secret_ref is None:
        updates[("httpSecret",)] = random.token(32)
    problems = []
    auth = spec.auth.htpasswd
    for user in list(auth.users) if auth else []:
        password = values.value(("users", user))
        kept = values.value(("hashes", user))
        if password is None and kept is not None:
            problem = htpasswd.hash_problem(user, kept)
            if problem:
                problems.append(problem)
            continue
        if password is None and auth is not None and auth.generate_missing_passwords:
            password = random.token(24)
            updates[("users", user)] = password
        problem = htpasswd.password_problem(user, password)
        if problem:
            problems.append(problem)
    pull = spec.pull_secrets
    if pull is not None and values.value(("users", pull.user)) is None and values.value(("hashes", pull.user)):
        problems.append(
            f"users.{pull.user}: only the htpasswd hash of the pull user is kept, and a pull secret needs the password"
        )
    if problems:
        hint = f"set it with `regc user passwd {plan.name} USER`, or set auth.htpasswd.generateMissingPasswords: true"
        raise SpecError([Problem(Location(display), p, hint) for p in problems])
    updates.update(_storage_credentials(plan, values, random, display))
    _check_env_credentials(plan, values, display)
    if plan.sealed_tls:
        updates.update(_certificates(plan, values, now, display))
    return updates


def _storage_credentials(plan: Plan, values: SecretsFile, random: Random, display: str) -> dict[KeyPath, object]:
    """The object store's credentials: checked, or generated when the spec says so."""
    storage = plan.spec.storage
    if storage.driver not in ("swift", "s3") or storage_referenced(plan.spec):
        return {}
    driver = storage.driver
    present = values.section(driver)
    missing = [key for key in CREDENTIAL_KEYS[driver] if not present.get(key)]
    if not missing:
        return {}
    if storage.credentials != "generate":
        raise SpecError(
            [
                Problem(
                    Location(display),
                    f"{driver}.{key}: missing",
                    f"add it with `regc secrets edit {plan.name}` (the credential "
                    "radosgw knows), or set storage.credentials: generate",
                )
                for key in missing
            ]
        )
    made = {
        "password": lambda: random.token(32),
        "accessKey": lambda: "".join(random.choice(ACCESS_KEY_ALPHABET) for _ in range(20)),
        "secretKey": lambda: random.token(30),
    }
    return {(driver,): {**present, **{key: made[key]() for key in missing}}}


def _check_env_credentials(plan: Plan, values: SecretsFile, display: str) -> None:
    missing = [
        ".".join(path)
        for paths in env_credential_inputs(plan.spec).values()
        for path in paths
        if not values.value(path)
    ]
    if missing:
        raise SpecError(
            [
                Problem(Location(display), f"{key}: missing", f"add it with `regc secrets edit {plan.name}`")
                for key in missing
            ]
        )


def _certificates(plan: Plan, values: SecretsFile, now: datetime.datetime, display: str) -> dict[KeyPath, object]:
    spec = plan.spec
    names = certificate_names(spec)
    window = datetime.timedelta(days=spec.tls.renew_before_days)
    cert, key = values.value(("tls", "cert")), values.value(("tls", "key"))
    if spec.tls.certificate == "provided":
        if cert is None or key is None:
            raise SpecError(
                [
                    Problem(
                        Location(display),
                        "tls: no certificate, but tls.certificate is `provided`",
                        f"add tls.cert and tls.key with `regc secrets edit {plan.name}`, or use `generate`",
                    )
                ]
            )
        problems = tls.provided_problems(cert, key, names, now, window)
        if problems:
            raise SpecError([Problem(Location(display), p) for p in problems])
        return {}
    updates: dict[KeyPath, object] = {}
    ca_cert, ca_key = values.value(("ca", "cert")), values.value(("ca", "key"))
    if ca_cert is None or ca_key is None:
        ca_cert, ca_key = tls.make_ca(f"regc registry CA ({plan.name})", spec.tls.key_algorithm, now)
        updates[("ca",)] = {"cert": ca_cert, "key": ca_key}
    current = tls.inspect(cert) if cert else None
    if (
        current is None
        or current.not_after - window <= now
        or set(current.names) != set(names)
        or current.algorithm != spec.tls.key_algorithm
        or not tls.signed_by(cert or "", ca_cert)
    ):
        cert, key = tls.issue_server(ca_cert, ca_key, names, spec.tls.key_algorithm, now, spec.tls.validity_days)
        updates[("tls",)] = {"cert": cert, "key": key}
    return updates
