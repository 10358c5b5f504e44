"""What an environment makes from its secrets file: one product per Secret (and the public CA file),
each with its kind, the public inputs and the secrets-file values it is made from, and the renderer
of each kind. Pure: the values come in as a document, the old htpasswd lines as data."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from regc import yamltext
from regc.plan.credentials import STORAGE_SECRET_KEYS, env_credential_inputs, storage_referenced
from regc.plan.names import certificate_names, secret_file, service_host
from regc.plan.plan import Plan
from regc.plan.registry_config import notification_endpoints
from regc.secrets import htpasswd
from regc.secrets import objects as secret_objects
from regc.secrets.sections import CREDENTIAL_KEYS, KeyPath

if TYPE_CHECKING:
    from regc.secrets.document import SecretsFile

CA_FILE = "ca.crt"
# Part of every Secret's public inputs: bump it when the shape of rendered Secrets changes, so
# that digests of unchanged inputs do not keep a Secret rendered the old way.
SECRET_FORMAT = 2


class Kind(enum.Enum):
    HTTP_SECRET = "http-secret"
    HTPASSWD = "htpasswd"
    TLS = "tls"
    CA_FILE = "ca-file"
    STORAGE = "storage"
    ENV = "env"
    SMOKE = "smoke"
    PULL = "pull"


@dataclass(frozen=True)
class Product:
    """One file made from secret inputs."""

    kind: Kind
    file: str
    public: dict[str, Any]
    inputs: tuple[KeyPath, ...]
    mounted: bool = False  # read by the registry pod: a change of its values rolls the pods
    encrypted: bool = True


@dataclass(frozen=True)
class Previous:
    """What a renderer may keep from the product's committed version: the htpasswd lines of users
    whose password and cost are unchanged (one bcrypt per change)."""

    htpasswd_lines: dict[str, str] = field(default_factory=dict)


def products(plan: Plan, leaves: dict[KeyPath, str]) -> list[Product]:
    """The environment's products; `leaves` (the file's encrypted values) tell whether a provided
    certificate comes with its CA."""
    labels = plan.names.base_labels
    return [replace(p, public={**p.public, "format": SECRET_FORMAT, "labels": labels}) for p in _products(plan, leaves)]


def _products(plan: Plan, leaves: dict[KeyPath, str]) -> list[Product]:
    spec, names = plan.spec, plan.names
    items = []
    if spec.registry.http_secret_ref is None:
        items.append(
            Product(
                Kind.HTTP_SECRET,
                secret_file(names.http_secret),
                {"secret": names.http_secret},
                (("httpSecret",),),
                mounted=True,
            )
        )
    auth = spec.auth.htpasswd
    if auth is not None and auth.secret_ref is None:
        items.append(
            Product(
                Kind.HTPASSWD,
                secret_file(names.htpasswd_secret),
                {"secret": names.htpasswd_secret, "users": list(auth.users), "cost": auth.bcrypt_cost},
                tuple(
                    ("hashes", user)
                    if ("users", user) not in leaves and ("hashes", user) in leaves
                    else ("users", user)
                    for user in auth.users
                ),
                mounted=True,
            )
        )
    if plan.sealed_tls:
        with_ca = spec.tls.certificate == "generate" or ("ca", "cert") in leaves
        inputs: tuple[KeyPath, ...] = (("tls", "cert"), ("tls", "key")) + ((("ca", "cert"),) if with_ca else ())
        items.append(
            Product(
                Kind.TLS,
                secret_file(names.tls_secret),
                {
                    "secret": names.tls_secret,
                    "names": certificate_names(spec),
                    "algorithm": spec.tls.key_algorithm,
                    "source": spec.tls.certificate,
                },
                inputs,
                mounted=True,
            )
        )
        if with_ca:
            items.append(Product(Kind.CA_FILE, CA_FILE, {"file": CA_FILE}, (("ca", "cert"),), encrypted=False))
    if spec.storage.driver in ("swift", "s3") and not storage_referenced(spec):
        driver = spec.storage.driver
        items.append(
            Product(
                Kind.STORAGE,
                secret_file(names.storage_secret),
                {"secret": names.storage_secret, "driver": driver},
                tuple((driver, key) for key in CREDENTIAL_KEYS[driver]),
                mounted=True,
            )
        )
    credentials = env_credential_inputs(spec)
    if credentials:
        public = {
            "secret": names.env_secret,
            "keys": sorted(credentials),
            "endpoints": [e.model_dump(mode="json") for e in spec.notifications if e.secret_headers],
        }
        items.append(
            Product(
                Kind.ENV,
                secret_file(names.env_secret),
                public,
                tuple(path for paths in credentials.values() for path in paths),
                mounted=True,
            )
        )
    pull = spec.pull_secrets
    if pull is not None and spec.smoke_test.enabled:
        items.append(
            Product(
                Kind.SMOKE,
                secret_file(names.smoke_secret),
                {"secret": names.smoke_secret, "user": pull.user},
                (("users", pull.user),),
            )
        )
    if pull is not None:
        server = pull_server(plan)
        for namespace in pull.namespaces:
            items.append(
                Product(
                    Kind.PULL,
                    secret_file(pull.name, namespace),
                    {"secret": pull.name, "namespace": namespace, "server": server, "user": pull.user},
                    (("users", pull.user),),
                )
            )
    return items


def pull_server(plan: Plan) -> str:
    spec = plan.spec
    server = spec.pull_secrets.server if spec.pull_secrets else None
    return server or f"{service_host(spec)}:{spec.service.port}"


# -- renderers: (plan, product, values, previous) -> the file's plaintext ------------------------

Renderer = Callable[[Plan, Product, "SecretsFile", Previous], str]


def render(plan: Plan, item: Product, values: SecretsFile, previous: Previous) -> str:
    """The product's file in clear: what the sealer encrypts (the CA file is public as it is)."""
    return RENDERERS[item.kind](plan, item, values, previous)


def _secret_text(plan: Plan, obj: dict[str, Any]) -> str:
    header = (
        f"# Generated by regc from environments/{plan.name}.yaml and its secrets file; "
        "SOPS-encrypted: do not edit, run `regc build`.\n"
    )
    return header + yamltext.dump(obj)


def _http_secret(plan: Plan, item: Product, values: SecretsFile, previous: Previous) -> str:
    return _secret_text(plan, secret_objects.http_secret(plan.names, _required(values, ("httpSecret",))))


def _htpasswd(plan: Plan, item: Product, values: SecretsFile, previous: Previous) -> str:
    users = item.public["users"]
    kept = {u: line for u, line in previous.htpasswd_lines.items() if u in users}
    # A user whose password regc does not know keeps the hash it came with (`hashes`, an import).
    kept.update(
        {u: f"{u}:{h}" for u in users if values.value(("users", u)) is None and (h := values.value(("hashes", u)))}
    )
    fresh = htpasswd.hash_lines(
        [(u, _required(values, ("users", u))) for u in users if u not in kept], item.public["cost"]
    )
    lines = [kept.get(u) or fresh[u] for u in users]
    return _secret_text(plan, secret_objects.htpasswd_secret(plan.names, lines))


def _tls(plan: Plan, item: Product, values: SecretsFile, previous: Previous) -> str:
    ca = values.value(("ca", "cert")) or ""
    cert, key = _required(values, ("tls", "cert")), _required(values, ("tls", "key"))
    return _secret_text(plan, secret_objects.tls_secret(plan.names, cert, key, ca))


def _ca_file(plan: Plan, item: Product, values: SecretsFile, previous: Previous) -> str:
    header = (
        f"# Generated by regc: the CA of the {plan.name} registry. Clients trust it as "
        "/etc/docker/certs.d/<host>/ca.crt (public: safe to commit).\n"
    )
    return header + _required(values, ("ca", "cert"))


def _storage(plan: Plan, item: Product, values: SecretsFile, previous: Previous) -> str:
    credentials = values.section(item.public["driver"])
    return _secret_text(
        plan, secret_objects.storage_secret(plan.names, {STORAGE_SECRET_KEYS[k]: v for k, v in credentials.items()})
    )


def _env(plan: Plan, item: Product, values: SecretsFile, previous: Previous) -> str:
    spec = plan.spec
    variables = {}
    for key, paths in env_credential_inputs(spec).items():
        if key != "notification-endpoints":
            variables[key] = _required(values, paths[0])
    if any(e.secret_headers for e in spec.notifications):
        # The registry reads a whole list from one variable: the endpoints, secret headers included.
        headers = values.plain().get("notifications", {})
        variables["notification-endpoints"] = yamltext.dump(notification_endpoints(spec, headers))
    return _secret_text(plan, secret_objects.env_credentials(plan.names, variables))


def _smoke(plan: Plan, item: Product, values: SecretsFile, previous: Previous) -> str:
    user = item.public["user"]
    return _secret_text(plan, secret_objects.smoke_credentials(plan.names, user, _required(values, ("users", user))))


def _pull(plan: Plan, item: Product, values: SecretsFile, previous: Previous) -> str:
    public = item.public
    password = _required(values, ("users", public["user"]))
    obj = secret_objects.pull_secret(
        plan.names, public["secret"], public["namespace"], public["server"], public["user"], password
    )
    return _secret_text(plan, obj)


def _required(values: SecretsFile, path: KeyPath) -> str:
    value = values.value(path)
    if value is None:  # the generation step checked every input: this is a bug, not a user's error
        raise AssertionError(f"{'.'.join(path)} unset after the secrets were checked")
    return value


RENDERERS: dict[Kind, Renderer] = {
    Kind.HTTP_SECRET: _http_secret,
    Kind.HTPASSWD: _htpasswd,
    Kind.TLS: _tls,
    Kind.CA_FILE: _ca_file,
    Kind.STORAGE: _storage,
    Kind.ENV: _env,
    Kind.SMOKE: _smoke,
    Kind.PULL: _pull,
}
