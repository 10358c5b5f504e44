"""The External Secrets Operator's ExternalSecrets among the objects that run: when those of one store
make the Secrets the registry reads (its HTTP secret, its htpasswd file built by the operator's
`htpasswd` function), the import takes the store form (`secretStore`): regc's own ExternalSecrets
then make those Secrets, and the report says where each value stands today and where regc reads
it. What the store form cannot say (a store that holds the htpasswd file itself) stays a Secret
of yours, referenced."""

from __future__ import annotations

import re
from typing import Any

from regc.adopt.runtime import identity, mapping, mappings
from regc.envspec import model
from regc.envspec.draft import environment, merge

Object = dict[str, Any]
# `{{ htpasswd "alice" .alice }}` or `{{ htpasswd "alice" (index . "alice") }}`: the user and the
# template key of the password.
HTPASSWD_CALL = re.compile(r'htpasswd\s+"([^"]+)"\s+(?:\.([A-Za-z_][\w]*)|\(\s*index\s+\.\s+"([^"]+)"\s*\))')


def store_form(objects: list[Object], used: set[int], spec: dict[str, Any], env: str, notes: list[str]) -> None:
    """Take the store form where the objects allow it: `spec` changed in place, the ExternalSecrets
    taken marked in `used`, and a note for every value to put where regc's ExternalSecrets read it."""
    made = {
        str(mapping(mapping(obj.get("spec")).get("target")).get("name") or mapping(obj.get("metadata")).get("name")): (
            index,
            obj,
        )
        for index, obj in enumerate(objects)
        if obj.get("kind") == "ExternalSecret"
    }
    registry, auth = mapping(spec.get("registry")), mapping(mapping(spec.get("auth")).get("htpasswd"))
    plans: list[tuple[str, int, Object, list[tuple[str, Object]]]] = []  # what, index, object, (path, remoteRef)
    http = mapping(registry.get("httpSecretRef"))
    if http.get("name") in made:
        index, obj = made[str(http["name"])]
        ref = _remote_ref(obj, _template_key(obj, str(http.get("key", ""))))
        if ref is not None:
            plans.append(("http", index, obj, [("httpSecret", ref)]))
    users_ref = mapping(auth.get("secretRef"))
    if users_ref.get("name") in made:
        index, obj = made[str(users_ref["name"])]
        text = str(
            mapping(mapping(mapping(obj.get("spec")).get("target")).get("template"))
            .get("data", {})
            .get(str(users_ref.get("key", "htpasswd")), "")
        )
        calls = [(m.group(1), m.group(2) or m.group(3)) for m in HTPASSWD_CALL.finditer(text)]
        refs = [(f"users.{user}", _remote_ref(obj, key)) for user, key in calls]
        if calls and all(ref is not None for _, ref in refs):
            plans.append(("htpasswd", index, obj, [(path, ref) for path, ref in refs if ref is not None]))
        else:
            notes.append(
                f"{identity(obj)}: the store holds the htpasswd file itself, not the users' passwords: regc "
                f"references the Secret {users_ref['name']} (keep this ExternalSecret yours)"
            )
    stores = {(_store_ref(obj)) for _, _, obj, _ in plans}
    if not plans or len(stores) != 1:
        if len(stores) > 1:
            notes.append("ExternalSecrets of more than one store make the registry's Secrets: regc references them")
        return
    ((kind, name),) = stores
    keys = {str(ref.get("key")) for _, _, _, values in plans for _, ref in values}
    key = keys.pop() if len(keys) == 1 else f"registry/{env}"
    merge(spec, environment(secret_store=model.SecretStore.model_construct(kind=kind, name=name, key=key)))
    for what, index, obj, values in plans:
        used.add(index)
        if what == "http":
            del registry["httpSecretRef"]
        else:
            del auth["secretRef"]
            users = model.Htpasswd.model_construct(users=[path.removeprefix("users.") for path, _ in values])
            merge(spec, environment(auth=model.Auth.model_construct(htpasswd=users)))
        for path, ref in values:
            now = f"key {ref.get('key')}" + (f", property {ref['property']}" if ref.get("property") else "")
            notes.append(
                f"{identity(obj)}: {path} is in the store at {now}; regc's ExternalSecret reads it at key {key}, "
                f"property {path}: put it there"
            )
    if not registry:
        spec.pop("registry", None)


def _store_ref(obj: Object) -> tuple[Any, str]:
    """The store's kind (as the object says it: the spec's loader judges it) and name."""
    ref = mapping(mapping(obj.get("spec")).get("secretStoreRef"))
    return str(ref.get("kind") or "SecretStore"), str(ref.get("name"))


def _template_key(obj: Object, secret_key: str) -> str:
    """The template key a Secret key is made from: itself without a template, else the one variable
    its template reads (`{{ .x }}`, `{{ index . "x" }}`)."""
    template = mapping(mapping(mapping(obj.get("spec")).get("target")).get("template")).get("data")
    text = str(mapping(template).get(secret_key, "")) if template else ""
    if not text:
        return secret_key
    found = re.fullmatch(r'\s*\{\{\s*(?:\.([A-Za-z_]\w*)|index\s+\.\s+"([^"]+)")\s*\}\}\s*', text)
    return (found.group(1) or found.group(2)) if found else ""


def _remote_ref(obj: Object, secret_key: str) -> dict[str, Any] | None:
    for entry in mappings(mapping(obj.get("spec")).get("data")):
        if entry.get("secretKey") == secret_key and isinstance(entry.get("remoteRef"), dict):
            return dict(entry["remoteRef"])
    return None
