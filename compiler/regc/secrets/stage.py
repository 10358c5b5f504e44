"""An environment's encrypted Secrets: reuse the committed ciphertext whenever the inputs are
unchanged (without a key when the encrypted inputs are byte-identical), else decrypt, generate what
is missing, render and seal what changed. Reads and seals through the run's world."""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass, field
from typing import Any

from regc import layout, yamlread, yamltext
from regc.errors import InputError, Location, Problem, RegcError, SpecError
from regc.plan.plan import Plan
from regc.secrets import htpasswd, reuse
from regc.secrets.digests import file_digest, values_digest
from regc.secrets.document import SecretsFile, new_document, parse_secrets
from regc.secrets.external import external_file, external_secret_text
from regc.secrets.generate import generated_names, missing_values
from regc.secrets.products import Kind, Previous, Product, products, render
from regc.secrets.sections import KeyPath, encrypted_leaves
from regc.secrets.sopsconfig import no_recipients
from regc.secrets.state import parse_state, state_text
from regc.secrets.tls import inspect
from regc.world import World


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


class SecretStage:
    """Produces one environment's secret files; `may_decrypt` is False for --check and --diff."""

    def __init__(
        self,
        world: World,
        plan: Plan,
        now: datetime.datetime,
        *,
        may_decrypt: bool,
        regenerate: bool = False,
    ) -> None:
        self.world, self.plan, self.now = world, plan, now
        self.may_decrypt, self.regenerate = may_decrypt, regenerate
        self.directory = layout.overlay_directory(plan.name)
        self.display = layout.secrets_display(plan.name)
        self.source = _read(world, layout.secrets_path(world.root, plan.name))
        self.state = parse_state(_read(world, world.root / self.directory / layout.STATE_FILE))
        self.recipients = world.sealer.recipients()

    def run(self) -> SecretFiles:
        if self.plan.spec.secret_store is not None:
            return self._from_store()
        leaves = encrypted_leaves(self.source, self.display)
        items = products(self.plan, leaves)
        old = self._committed(items)
        reused = reuse.without_key(self.plan, items, leaves, self.recipients, self.state, old, self.now)
        if len(reused) == len(items):
            return self._result(items, reused, self.state["secrets"], self.state.get("certificate"))
        if not self.may_decrypt:
            return self._unresolved(items, reused, old)
        return self._rebuild()

    def _from_store(self) -> SecretFiles:
        """The ExternalSecrets that make the environment's Secrets from its store: no key, no sops."""
        if self.source is not None:
            raise SpecError(
                [
                    Problem(
                        Location(self.display),
                        f"{self.plan.name} takes its secrets from the store (secretStore): this file would not be "
                        "read, and a value in it would not reach the registry",
                        "move its values to the store, under the remote key, then remove the file",
                    )
                ]
            )
        result = SecretFiles()
        for item in products(self.plan, {}):
            if item.kind is Kind.CA_FILE:  # no CA is generated with a store
                continue
            name = external_file(item)
            result.files[name] = external_secret_text(self.plan, item).encode()
            result.resources.append(name)
            if item.public.get("namespace", self.plan.namespace) != self.plan.namespace:
                result.foreign_namespaces = True
        return result

    def _committed(self, items: list[Product]) -> dict[str, bytes]:
        folder = self.world.root / self.directory
        found = {}
        for item in items:
            content = _read(self.world, folder / item.file)
            if content is not None:
                found[item.file] = content
        return found

    def _unresolved(self, items: list[Product], reused: dict[str, bytes], old: dict[str, bytes]) -> SecretFiles:
        files = dict(reused)
        why = {}
        for item in items:
            if item.file in reused:
                continue
            if item.file in old:
                files[item.file] = old[item.file]
            due = reuse.renewal_due(self.plan, item, self.state, self.now) and item.file in old
            why[item.file] = (
                "the certificate is due for renewal" if due else f"its inputs in {self.display} or the spec changed"
            )
        result = self._result(items, files, self.state["secrets"], self.state.get("certificate"))
        result.unresolved = why
        return result

    # -- with the key: decrypt, generate what is missing, render and seal what changed -----------

    def _rebuild(self) -> SecretFiles:
        if not self.recipients:
            raise no_recipients(self.world.root)
        if self.source is None:
            self._refuse_to_regenerate()

        sealer = self.world.sealer
        values = (
            parse_secrets(sealer.decrypt(self.source, self.display), self.display)
            if self.source is not None
            else SecretsFile()
        )
        updates = missing_values(self.plan, values, self.world.random, self.now, self.display)
        stored = self._store(updates) if updates else None
        values = values.updated(updates) if updates else values
        leaves = encrypted_leaves(stored if stored is not None else self.source, self.display)
        items = products(self.plan, leaves)
        old = self._committed(items)
        states: dict[str, dict[str, Any]] = {}
        files: dict[str, bytes] = {}
        for item in items:
            files[item.file], states[item.file] = self._produce(item, values, leaves, old.get(item.file))
        certificate = None
        if self.plan.sealed_tls:
            info = inspect(values.value(("tls", "cert")) or "")
            certificate = {"notAfter": info.not_after.isoformat(), "names": list(info.names)}
        result = self._result(items, files, states, certificate)
        result.source_update = stored
        result.generated = generated_names(updates)
        return result

    def _refuse_to_regenerate(self) -> None:
        """A missing secrets file beside compiled Secrets is a lost file, not a new environment: a
        build would rotate every value (a new CA breaks every client's trust, new passwords lock every
        user out, new storage credentials cut the registry off its images). Only on request."""
        folder = self.world.root / self.directory
        committed = sorted(self.state["secrets"]) or sorted(
            p.name
            for p in self.world.files.children(folder)
            if p.name.startswith("secret-") and p.name.endswith(".yaml")
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

    def _store(self, updates: dict[KeyPath, object]) -> bytes:
        """The secrets file with the generated values set, sealed, in memory: the build writes it with
        the tree, all or nothing."""

        sealer = self.world.sealer
        if self.source is None:
            return sealer.encrypt(yamltext.dump(new_document(updates)).encode(), self.display)
        return sealer.set_values(self.source, self.display, updates)

    def _produce(
        self, item: Product, values: SecretsFile, leaves: dict[KeyPath, str], old: bytes | None
    ) -> tuple[bytes, dict[str, Any]]:
        state = reuse.digests(item, values, leaves, self.recipients)
        recorded = self.state["secrets"].get(item.file, {})
        if old is not None and recorded.get("keyed") == state["keyed"]:
            if not item.encrypted or reuse.committed_recipients(old) == self.recipients:
                return old, state
            # Same plaintext, new recipients: re-wrapped, every value's ciphertext kept.
            return self.world.sealer.rewrap(old, f"{self.directory}/{item.file}"), state
        text = render(self.plan, item, values, self._previous(item, recorded, state, old))
        if not item.encrypted:
            return text.encode(), state
        return self.world.sealer.encrypt(text.encode(), f"{self.directory}/{item.file}"), state

    def _previous(self, item: Product, recorded: dict[str, Any], state: dict[str, Any], old: bytes | None) -> Previous:
        """The htpasswd lines worth keeping: those of users whose password and cost are unchanged."""
        unchanged = reuse.unchanged_users(item, recorded, state) if "users" in state else []
        if not unchanged or old is None:
            return Previous()
        document = yamlread.load(self.world.sealer.decrypt(old, f"{self.directory}/{item.file}"))
        lines = htpasswd.parse_lines(base64.b64decode(document["data"]["htpasswd"]).decode())
        return Previous(htpasswd_lines={u: line for u, line in lines.items() if u in unchanged})

    # -- common --------------------------------------------------------------------------------

    def _result(
        self,
        items: list[Product],
        files: dict[str, bytes],
        states: dict[str, Any],
        certificate: dict[str, Any] | None,
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
        result.files[layout.STATE_FILE] = state_text(kept, certificate).encode()
        if certificate and certificate.get("notAfter"):
            window = datetime.timedelta(days=self.plan.spec.tls.renew_before_days)
            result.renew_by = (datetime.datetime.fromisoformat(certificate["notAfter"]) - window).isoformat()
        return result


def _read(world: World, path: Any) -> bytes | None:
    try:
        return world.files.read_bytes(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        raise RegcError(f"{path}: a folder where regc keeps a file", "move the folder away") from None
