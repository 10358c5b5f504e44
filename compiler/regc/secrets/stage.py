"""An environment's encrypted Secrets: reuse the committed ciphertext whenever the inputs are
unchanged (without a key when the encrypted inputs are byte-identical), else hash, certify and encrypt."""

from __future__ import annotations

import datetime
import json
import secrets as random
from dataclasses import dataclass, field
from pathlib import Path

from regc import layout, yamltext
from regc.errors import InputError, Location, Problem, SpecError
from regc.layout import SCRATCH_PREFIX, STATE_FILE
from regc.plan.credentials import env_credential_inputs
from regc.plan.names import certificate_names, secret_file, service_host
from regc.plan.plan import Plan
from regc.render import secrets as secret_objects
from regc.secrets import htpasswd
from regc.secrets.digests import ciphertext_digest, file_digest, keyed_digest, values_digest
from regc.secrets.inputs import CREDENTIAL_KEYS, Plaintext, parse_plaintext, read_ciphertext
from regc.secrets.state import read_state, state_text

CA_FILE = "ca.crt"
# Part of every Secret's public inputs: bump it when the shape of rendered Secrets changes, so
# that digests of unchanged inputs do not keep a Secret rendered the old way.
SECRET_FORMAT = 2


@dataclass(frozen=True)
class Product:
    """One file made from secret inputs."""

    file: str
    public: dict
    inputs: tuple[tuple[str, ...], ...]
    mounted: bool = False  # read by the registry pod: a change of its values rolls the pods
    encrypted: bool = True


@dataclass
class SecretFiles:
    """What the secrets stage hands to the overlay."""

    files: dict[str, bytes] = field(default_factory=dict)
    resources: list[str] = field(default_factory=list)
    unresolved: dict[str, str] = field(default_factory=dict)  # file -> why it needs a rebuild with the key
    checksum: str | None = None
    foreign_namespaces: bool = False
    renew_by: str | None = None  # when the certificate enters its renewal window
    source_update: bytes | None = None  # the secrets file with generated values, written when the tree is
    generated: list[str] = field(default_factory=list)  # what was generated, for the build's report


GENERATED = {
    "httpSecret": "the HTTP secret",
    "ca": "a CA",
    "tls": "a server certificate",
    "swift": "Swift credentials",
    "s3": "S3 credentials",
}


def products(plan: Plan, leaves: dict) -> list[Product]:
    labels = plan.names.base_labels
    return [
        Product(p.file, {**p.public, "format": SECRET_FORMAT, "labels": labels}, p.inputs, p.mounted, p.encrypted)
        for p in _products(plan, leaves)
    ]


def _products(plan: Plan, leaves: dict) -> list[Product]:
    spec, names = plan.spec, plan.names
    items = [Product(secret_file(names.http_secret), {"secret": names.http_secret}, (("httpSecret",),), mounted=True)]
    auth = spec.auth.htpasswd
    if auth is not None:
        items.append(
            Product(
                secret_file(names.htpasswd_secret),
                {"secret": names.htpasswd_secret, "users": list(auth.users), "cost": auth.bcrypt_cost},
                tuple(("users", user) for user in auth.users),
                mounted=True,
            )
        )
    if spec.tls.enabled:
        with_ca = spec.tls.certificate == "generate" or ("ca", "cert") in leaves
        inputs = (("tls", "cert"), ("tls", "key")) + ((("ca", "cert"),) if with_ca else ())
        items.append(
            Product(
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
            items.append(Product(CA_FILE, {"file": CA_FILE}, (("ca", "cert"),), encrypted=False))
    if spec.storage.driver in CREDENTIAL_KEYS:
        driver = spec.storage.driver
        items.append(
            Product(
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
                    secret_file(pull.name, namespace),
                    {"secret": pull.name, "namespace": namespace, "server": server, "user": pull.user},
                    (("users", pull.user),),
                )
            )
    return items


def pull_server(plan: Plan) -> str:
    spec = plan.spec
    return spec.pull_secrets.server or f"{service_host(spec)}:{spec.service.port}"


class SecretStage:
    """Produces one environment's secret files; `may_decrypt` is False for --check and --diff."""

    def __init__(
        self,
        root: Path,
        plan: Plan,
        directory: str,
        now: datetime.datetime,
        may_decrypt: bool,
        regenerate: bool = False,
    ):
        from regc.sopsconfig import read_recipients

        self.root, self.plan, self.directory, self.now = root, plan, directory, now
        self.regenerate = regenerate
        self.may_decrypt = may_decrypt
        self.source = layout.secrets_path(root, plan.name)
        self.display = self.source.relative_to(root).as_posix()
        self.recipients = read_recipients(root)
        self.state = read_state(root / directory)

    def run(self) -> SecretFiles:
        leaves = read_ciphertext(self.source)
        items = products(self.plan, leaves)
        reused = self._reuse_without_key(items, leaves)
        if len(reused) == len(items):
            return self._result(items, reused, self.state["secrets"], self.state.get("certificate"))
        if not self.may_decrypt:
            return self._unresolved(items, reused, leaves)
        return self._rebuild(items)

    # -- the fast path: nothing decrypted, nothing hashed --------------------------------------

    def _reuse_without_key(self, items: list[Product], leaves: dict) -> dict[str, bytes]:
        reused = {}
        for item in items:
            digest = ciphertext_digest(item.public, [leaves.get(i) for i in item.inputs], self.recipients)
            old = self._old_bytes(item.file)
            recorded = self.state["secrets"].get(item.file, {}).get("ciphertext")
            if digest and old is not None and recorded == digest and not self._renewal_due(item):
                reused[item.file] = old
        return reused

    def _renewal_due(self, item: Product) -> bool:
        if item.file != secret_file(self.plan.names.tls_secret) or self.plan.spec.tls.certificate != "generate":
            return False
        ends = (self.state.get("certificate") or {}).get("notAfter")
        if not ends:
            return True
        window = datetime.timedelta(days=self.plan.spec.tls.renew_before_days)
        return datetime.datetime.fromisoformat(ends) - window <= self.now

    def _unresolved(self, items: list[Product], reused: dict, leaves: dict) -> SecretFiles:
        files = dict(reused)
        why = {}
        for item in items:
            if item.file in reused:
                continue
            old = self._old_bytes(item.file)
            if old is not None:
                files[item.file] = old
            why[item.file] = (
                "the certificate is due for renewal"
                if self._renewal_due(item) and old is not None
                else f"its inputs in {self.display} or the spec changed"
            )
        result = self._result(items, files, self.state["secrets"], self.state.get("certificate"))
        result.unresolved = why
        return result

    # -- the slow path: decrypt, generate what is missing, hash and encrypt what changed ------

    def _rebuild(self, items: list[Product]) -> SecretFiles:
        from regc.sopsconfig import require_recipients
        from regc.tools import sops

        self.recipients = require_recipients(self.root)
        if not self.source.is_file():
            self._refuse_to_regenerate()
        plaintext = (
            parse_plaintext(sops.decrypt(self.source, root=self.root), self.display)
            if self.source.is_file()
            else Plaintext()
        )
        updates = self._generate(plaintext)
        stored = self._store(updates) if updates else None
        leaves = read_ciphertext(self.source, stored)
        items = products(self.plan, leaves)
        states: dict[str, dict] = {}
        files: dict[str, bytes] = {}
        for item in items:
            files[item.file], states[item.file] = self._produce(item, plaintext, leaves)
        certificate = None
        if self.plan.spec.tls.enabled:
            from regc.secrets.tls import inspect

            info = inspect(plaintext.tls["cert"])
            certificate = {"notAfter": info.not_after.isoformat(), "names": list(info.names)}
        result = self._result(items, files, states, certificate)
        result.source_update = stored
        result.generated = [
            GENERATED.get(key, key) if not key.startswith("users.") else f"a password for {key.split('.', 1)[1]}"
            for key in updates
            if key != "digestKey"
        ]
        return result

    def _refuse_to_regenerate(self) -> None:
        """A missing secrets file beside compiled Secrets is a lost file, not a new environment: a
        build would rotate every value (a new CA breaks every client's trust, new passwords lock every
        user out, new storage credentials cut the registry off its images). Only on request."""
        committed = sorted(self.state["secrets"]) or sorted(
            p.name for p in (self.root / self.directory).glob("secret-*.yaml")
        )
        if not committed or self.regenerate:
            return
        raise InputError(
            f"{self.display} is missing, but {self.directory}/ holds Secrets made from it "
            f"({', '.join(committed)}): a build would generate every value anew (a new CA, new "
            "passwords, new storage credentials)",
            f"restore it (`git checkout -- {self.display}`), or run `regc build --regenerate-secrets` "
            "to rotate everything on purpose",
        )

    def _generate(self, plaintext: Plaintext) -> dict[str, object]:
        """Fill in what may be generated; return the secrets-file updates. Check the rest."""
        spec = self.plan.spec
        updates: dict[str, object] = {}
        if not plaintext.digest_key:
            plaintext.digest_key = updates["digestKey"] = random.token_urlsafe(32)
        if not plaintext.http_secret:
            plaintext.http_secret = updates["httpSecret"] = random.token_urlsafe(32)
        problems = []
        auth = spec.auth.htpasswd
        needed = list(auth.users) if auth else []
        for user in needed:
            if user not in plaintext.users and auth.generate_missing_passwords:
                plaintext.users[user] = updates[f"users.{user}"] = random.token_urlsafe(24)
            problem = htpasswd.password_problem(user, plaintext.users.get(user))
            if problem:
                problems.append(problem)
        if problems:
            hint = (
                f"set it with `regc user passwd {self.plan.name} USER`, or set "
                "auth.htpasswd.generateMissingPasswords: true"
            )
            raise SpecError([Problem(Location(self.display), p, hint) for p in problems])
        updates.update(self._storage_credentials(plaintext))
        self._check_env_credentials(plaintext)
        if spec.tls.enabled:
            updates.update(self._certificates(plaintext))
        return updates

    def _storage_credentials(self, plaintext: Plaintext) -> dict[str, object]:
        """The object store's credentials: checked, or generated when the spec says so."""
        storage = self.plan.spec.storage
        if storage.driver not in CREDENTIAL_KEYS:
            return {}
        driver = storage.driver
        values = getattr(plaintext, driver)
        missing = [key for key in CREDENTIAL_KEYS[driver] if not values.get(key)]
        if not missing:
            return {}
        if storage.credentials != "generate":
            raise SpecError(
                [
                    Problem(
                        Location(self.display),
                        f"{driver}.{key}: missing",
                        f"add it with `regc secrets edit {self.plan.name}` (the credential "
                        "radosgw knows), or set storage.credentials: generate",
                    )
                    for key in missing
                ]
            )
        generated = {
            "password": lambda: random.token_urlsafe(32),
            "accessKey": lambda: "".join(random.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(20)),
            "secretKey": lambda: random.token_urlsafe(30),
        }
        for key in missing:
            values[key] = generated[key]()
        return {driver: dict(values)}

    def _check_env_credentials(self, plaintext: Plaintext) -> None:
        missing = [
            ".".join(path)
            for paths in env_credential_inputs(self.plan.spec).values()
            for path in paths
            if not plaintext.value(path)
        ]
        if missing:
            raise SpecError(
                [
                    Problem(
                        Location(self.display), f"{key}: missing", f"add it with `regc secrets edit {self.plan.name}`"
                    )
                    for key in missing
                ]
            )

    def _certificates(self, plaintext: Plaintext) -> dict[str, object]:
        from regc.secrets import tls

        spec = self.plan.spec
        names = certificate_names(spec)
        window = datetime.timedelta(days=spec.tls.renew_before_days)
        if spec.tls.certificate == "provided":
            if not plaintext.tls:
                raise SpecError(
                    [
                        Problem(
                            Location(self.display),
                            "tls: no certificate, but tls.certificate is `provided`",
                            f"add tls.cert and tls.key with `regc secrets edit {self.plan.name}`, or use `generate`",
                        )
                    ]
                )
            problems = tls.provided_problems(plaintext.tls["cert"], plaintext.tls["key"], names, self.now, window)
            if problems:
                raise SpecError([Problem(Location(self.display), p) for p in problems])
            return {}
        updates: dict[str, object] = {}
        if not plaintext.ca:
            cert, key = tls.make_ca(f"regc registry CA ({self.plan.name})", spec.tls.key_algorithm, self.now)
            plaintext.ca = updates["ca"] = {"cert": cert, "key": key}
        current = tls.inspect(plaintext.tls["cert"]) if plaintext.tls else None
        if (
            current is None
            or current.not_after - window <= self.now
            or set(current.names) != set(names)
            or current.algorithm != spec.tls.key_algorithm
            or not tls.signed_by(plaintext.tls["cert"], plaintext.ca["cert"])
        ):
            cert, key = tls.issue_server(
                plaintext.ca["cert"],
                plaintext.ca["key"],
                names,
                spec.tls.key_algorithm,
                self.now,
                spec.tls.validity_days,
            )
            plaintext.tls = updates["tls"] = {"cert": cert, "key": key}
        return updates

    def _store(self, updates: dict[str, object]) -> bytes:
        """The secrets file with the generated values set (through sops, via stdin), in memory: the
        build writes it with the tree, all or nothing."""
        from regc.secrets.store import staged_copy
        from regc.tools import sops

        if not self.source.is_file():
            document: dict = {}
            for key, value in updates.items():
                if key.startswith("users."):
                    document.setdefault("users", {})[key.split(".", 1)[1]] = value
                else:
                    document[key] = value
            ordered = {
                k: document[k]
                for k in (
                    "users",
                    "httpSecret",
                    "digestKey",
                    "swift",
                    "s3",
                    "proxy",
                    "redis",
                    "notifications",
                    "ca",
                    "tls",
                )
                if k in document
            }
            return sops.encrypt(yamltext.dump(ordered).encode(), self.display, root=self.root)
        with staged_copy(self.source) as staged:
            for key, value in updates.items():
                index = "".join(f'["{part}"]' for part in key.split(".", 1))
                sops.set_value(staged, index, json.dumps(value).encode(), root=self.root)
            return staged.read_bytes()

    def _produce(self, item: Product, plaintext: Plaintext, leaves: dict) -> tuple[bytes, dict]:
        from regc.tools import sops

        values = [plaintext.value(i) for i in item.inputs]
        state = {
            "ciphertext": ciphertext_digest(item.public, [leaves.get(i) for i in item.inputs], self.recipients),
            "keyed": keyed_digest(plaintext.digest_key, item.public, values),
        }
        old = self._old_bytes(item.file)
        recorded = self.state["secrets"].get(item.file, {})
        if item.file == secret_file(self.plan.names.htpasswd_secret):
            state["users"] = {
                u: keyed_digest(plaintext.digest_key, {"cost": item.public["cost"]}, [u, p])
                for u, p in ((u, plaintext.users[u]) for u in item.public["users"])
            }
        if old is not None and recorded.get("keyed") == state["keyed"]:
            if not item.encrypted or _recipients(old) == self.recipients:
                return old, state
            return self._rewrap(item, old), state
        if not item.encrypted:
            header = (
                f"# Generated by regc: the CA of the {self.plan.name} registry. Clients trust it as "
                "/etc/docker/certs.d/<host>/ca.crt (public: safe to commit).\n"
            )
            return (header + plaintext.ca["cert"]).encode(), state
        obj = self._render(item, plaintext, recorded.get("users", {}), state.get("users", {}), old)
        header = (
            f"# Generated by regc from environments/{self.plan.name}.yaml and its secrets file; "
            f"SOPS-encrypted: do not edit, run `regc build`.\n"
        )
        target = f"{self.directory}/{item.file}"
        return sops.encrypt((header + yamltext.dump(obj)).encode(), target, root=self.root), state

    def _render(self, item: Product, plaintext: Plaintext, old_users: dict, new_users: dict, old: bytes | None) -> dict:
        public = item.public
        if item.file == secret_file(self.plan.names.http_secret):
            return secret_objects.http_secret(self.plan.names, plaintext.http_secret)
        if item.file == secret_file(self.plan.names.htpasswd_secret):
            lines = self._htpasswd_lines(public, plaintext, old_users, new_users, old)
            return secret_objects.htpasswd_secret(self.plan.names, lines)
        if item.file == secret_file(self.plan.names.tls_secret):
            ca = plaintext.ca["cert"] if plaintext.ca else ""
            return secret_objects.tls_secret(self.plan.names, plaintext.tls["cert"], plaintext.tls["key"], ca)
        if item.file == secret_file(self.plan.names.storage_secret):
            driver = public["driver"]
            names = {"password": "swift-password", "accessKey": "s3-access-key", "secretKey": "s3-secret-key"}
            values = {names[k]: v for k, v in getattr(plaintext, driver).items()}
            return secret_objects.storage_secret(self.plan.names, values)
        if item.file == secret_file(self.plan.names.smoke_secret):
            return secret_objects.smoke_credentials(self.plan.names, public["user"], plaintext.users[public["user"]])
        if item.file == secret_file(self.plan.names.env_secret):
            return secret_objects.env_credentials(self.plan.names, self._env_values(plaintext))
        return secret_objects.pull_secret(
            self.plan.names,
            public["secret"],
            public["namespace"],
            public["server"],
            public["user"],
            plaintext.users[public["user"]],
        )

    def _env_values(self, plaintext: Plaintext) -> dict[str, str]:
        spec = self.plan.spec
        values = {}
        for key, paths in env_credential_inputs(spec).items():
            if key != "notification-endpoints":
                values[key] = plaintext.value(paths[0])
        if any(e.secret_headers for e in spec.notifications):
            from regc.render.registry_config import notification_endpoints

            # The registry reads a whole list from one variable: the endpoints, secret headers included.
            values["notification-endpoints"] = yamltext.dump(notification_endpoints(spec, plaintext.notifications))
        return values

    def _htpasswd_lines(
        self, public: dict, plaintext: Plaintext, old_users: dict, new_users: dict, old: bytes | None
    ) -> list[str]:
        """Keep the hash of every user whose password and cost are unchanged: one bcrypt per change."""
        kept: dict[str, str] = {}
        unchanged = [u for u in public["users"] if old_users.get(u) == new_users.get(u)]
        if unchanged and old is not None:
            kept = {u: line for u, line in self._old_htpasswd(old).items() if u in unchanged}
        fresh = htpasswd.hash_lines([(u, plaintext.users[u]) for u in public["users"] if u not in kept], public["cost"])
        return [kept.get(u) or fresh[u] for u in public["users"]]

    def _old_htpasswd(self, old: bytes) -> dict[str, str]:
        import base64

        from regc import yamlread
        from regc.tools import sops

        path = self.root / self.directory / secret_file(self.plan.names.htpasswd_secret)
        document = yamlread.load(sops.decrypt(path, root=self.root))
        return htpasswd.parse_lines(base64.b64decode(document["data"]["htpasswd"]).decode())

    def _rewrap(self, item: Product, old: bytes) -> bytes:
        """Same plaintext, new recipients: `sops updatekeys` keeps every value's ciphertext. It runs on
        a copy whose name still matches the tree's creation rule, never on the committed file."""
        from regc.tools import sops

        staged = self.root / self.directory / f"{SCRATCH_PREFIX}{item.file}"
        staged.write_bytes(old)
        try:
            sops.update_keys(staged, root=self.root)
            return staged.read_bytes()
        finally:
            staged.unlink(missing_ok=True)

    # -- common --------------------------------------------------------------------------------

    def _old_bytes(self, name: str) -> bytes | None:
        try:
            return (self.root / self.directory / name).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def _result(
        self, items: list[Product], files: dict[str, bytes], states: dict, certificate: dict | None
    ) -> SecretFiles:
        result = SecretFiles()
        for item in items:
            if item.file in files:
                result.files[item.file] = files[item.file]
            if item.encrypted:
                result.resources.append(item.file)
        # The pods roll when a value they read changes, not when its encryption does (a recipient
        # added, a tree rebuilt from scratch): the keyed digests change exactly with the values.
        mounted = [i.file for i in items if i.mounted and i.file in files]
        keyed = [states.get(name, {}).get("keyed") for name in mounted]
        if not mounted:
            result.checksum = None
        elif all(keyed):
            result.checksum = values_digest(keyed)
        else:  # a state recorded by an older regc: the committed ciphertext is all there is
            result.checksum = file_digest([files[name] for name in mounted])
        result.foreign_namespaces = any(
            "namespace" in i.public and i.public["namespace"] != self.plan.namespace for i in items
        )
        kept = {i.file: states[i.file] for i in items if i.file in states}
        result.files[STATE_FILE] = state_text(kept, certificate).encode()
        if certificate and certificate.get("notAfter"):
            window = datetime.timedelta(days=self.plan.spec.tls.renew_before_days)
            result.renew_by = (datetime.datetime.fromisoformat(certificate["notAfter"]) - window).isoformat()
        return result


def _recipients(ciphertext: bytes) -> list[str]:
    from regc import yamlread

    document = yamlread.load(ciphertext) or {}
    return sorted(entry.get("recipient", "") for entry in (document.get("sops") or {}).get("age") or [])
