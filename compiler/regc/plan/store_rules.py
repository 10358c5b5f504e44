"""The rules of an environment that takes its secrets from a store (`secretStore`): nothing regc
would generate can be kept there (it would have to live in git), and what the operator builds must
be buildable by its templates."""

from __future__ import annotations

from regc.envspec.parse import LoadedEnvironment
from regc.errors import Problem

OPERATOR_BCRYPT_COST = 10  # the templates' htpasswd function hashes at bcrypt's default cost


def check_store_rules(env: LoadedEnvironment) -> list[Problem]:
    spec = env.spec
    store = spec.secret_store
    if store is None:
        return []
    problems = []
    if spec.tls.enabled and spec.tls.certificate == "generate":
        problems.append(
            Problem(
                env.locate("tls", "certificate")
                if ("tls", "certificate") in env.positions.keys
                else env.locate("secretStore"),
                "tls.certificate: generate keeps a CA and its key in the secrets file, and secretStore keeps no "
                "secrets file: regc generates nothing a store would have to hold",
                "put the pair in the store (tls.certificate: provided: tls.cert and tls.key under the remote "
                "key), or use cert-manager (tls.certificate: cert-manager)",
            )
        )
    storage = spec.storage
    if storage.driver in ("swift", "s3") and getattr(storage, "credentials", None) == "generate":
        problems.append(
            Problem(
                env.locate("storage", "credentials"),
                "storage.credentials: generate writes new credentials to the secrets file, and secretStore keeps none",
                f"put them in the store ({storage.driver}.* under the remote key) and set credentials: provided",
            )
        )
    auth = spec.auth.htpasswd
    if auth is not None and auth.generate_missing_passwords:
        problems.append(
            Problem(
                env.locate("auth", "htpasswd", "generateMissingPasswords"),
                "auth.htpasswd.generateMissingPasswords: with secretStore the passwords are the store's: "
                "regc generates none",
                "put each user's password in the store (users.<name> under the remote key)",
            )
        )
    if auth is not None and auth.secret_ref is None and auth.bcrypt_cost != OPERATOR_BCRYPT_COST:
        problems.append(
            Problem(
                env.locate("auth", "htpasswd", "bcryptCost"),
                f"auth.htpasswd.bcryptCost: {auth.bcrypt_cost}, but the operator's templates hash at bcrypt's "
                f"default cost, {OPERATOR_BCRYPT_COST}",
                f"remove bcryptCost (or set {OPERATOR_BCRYPT_COST})",
            )
        )
    for index, endpoint in enumerate(spec.notifications):
        if endpoint.secret_headers:
            problems.append(
                Problem(
                    env.locate("notifications", index, "secretHeaders"),
                    f"notifications.{endpoint.name}.secretHeaders: the header values are read from the secrets "
                    "file, and secretStore keeps none",
                    "use headerSecrets: a Secret of yours, which an ExternalSecret of yours can make from the store",
                )
            )
    pull = spec.pull_secrets
    if store.kind == "SecretStore" and pull is not None:
        elsewhere = [n for n in pull.namespaces if n != spec.namespace]
        if elsewhere:
            problems.append(
                Problem(
                    env.locate("secretStore", "kind"),
                    f"secretStore.kind: a SecretStore serves its own namespace ({spec.namespace}), and the pull "
                    f"secrets go to {', '.join(elsewhere)}",
                    "use a ClusterSecretStore, which every namespace may read",
                )
            )
    return problems
