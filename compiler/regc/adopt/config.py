"""The registry's effective configuration as a regc spec: each setting to its place (storage, auth,
TLS, proxy, Redis, notifications, logs, health), credentials to the secrets file or to references
to the Secrets that hold them, other settings regc does not model to extras.config; what regc
cannot express is a named loss."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from regc.adopt.runtime import FileSource, Runtime
from regc.adopt.values import Unmapped
from regc.distribution import parser, yamlv2
from regc.distribution.credentials import holds_credential
from regc.plan.registry_config import SWIFT_OPTIONS
from regc.secrets import htpasswd

# Storage drivers regc runs; any other is named as unsupported.
SUPPORTED_DRIVERS = ("filesystem", "s3", "swift")
S3_KEYS = ("bucket", "region", "regionendpoint", "secure", "skipverify", "v4auth", "chunksize", "rootdirectory")
SWIFT_KEYS = ("authurl", "username", "container", *SWIFT_OPTIONS, "insecureskipverify")


@dataclass
class Loss:
    """Something the registry does today that the spec cannot say: `kind` is what a user accepts
    with --accept-loss (auth, tls, storage); nothing is written unless they do."""

    kind: str
    what: str


@dataclass
class Mapped:
    spec: dict[str, Any]
    secrets: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    leftovers: dict[str, Any] = field(default_factory=dict)  # dotted key -> value as YAML writes it


def map_config(run: Runtime, spec: dict[str, Any], secrets: dict[str, Any], where: str) -> Mapped:
    """Fill `spec` and `secrets` from what `run` runs with; `where` names the config in reports."""
    assert run.parsed is not None and run.major is not None
    mapper = _Mapper(run, Mapped(spec, secrets), where)
    mapper.run()
    return mapper.out


class _Mapper:
    def __init__(self, run: Runtime, out: Mapped, where: str) -> None:
        assert run.parsed is not None and run.major is not None
        self.run_ = run
        self.major = run.major
        self.config = parser.canonical_config(run.parsed.config, run.major)
        self.out = out
        self.where = where
        self.used: set[tuple[str, ...]] = set()

    def get(self, *path: str, default: Any = None) -> Any:
        self.used.add(path)
        node: Any = self.config
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def duration(self, *path: str) -> str | None:
        value = self.get(*path)
        return yamlv2.format_duration(value) if isinstance(value, int) and not isinstance(value, bool) else None

    def source(self, *path: str) -> Any:
        """The variable that set a key, when one did (REGISTRY_STORAGE_S3_ACCESSKEY for storage.s3.accesskey)."""
        name = "REGISTRY_" + "_".join(part.upper() for part in path)
        return self.run_.sources.get(name)

    def run(self) -> None:
        self._log_and_http()
        self._storage()
        self._auth()
        self._tls()
        self._proxy()
        self._redis()
        self._notifications()
        self._leftovers()

    def _log_and_http(self) -> None:
        registry = self.out.spec.setdefault("registry", {})
        level = self.get("log", "level")
        if level and level != "info":
            registry["logLevel"] = level
        formatter = self.get("log", "formatter")
        if formatter and formatter != "text":
            registry["logFormatter"] = formatter
        self.get("log", "fields")
        self.get("version")
        self.get("catalog", "maxentries")
        headers = self.get("http", "headers")
        if headers != {"X-Content-Type-Options": ["nosniff"]}:
            registry["headers"] = {str(k): [str(v) for v in values] for k, values in (headers or {}).items()}
        check = self.get("health", "storagedriver") or {}
        if check != {"enabled": True, "interval": 10 * 10**9, "threshold": 3}:
            registry.setdefault("healthCheck", {})["storageDriver"] = {
                "enabled": bool(check.get("enabled")),
                "interval": self.duration("health", "storagedriver", "interval") or "10s",
                "threshold": int(check.get("threshold") or 3),
            }
        cache = self.get("storage", "cache", "blobdescriptor")
        if cache is None and "storage" in self.config:
            registry["blobDescriptorCache"] = "none"
        elif cache not in (None, "inmemory"):
            registry["blobDescriptorCache"] = cache
        secret = self.get("http", "secret")
        if secret:
            origin = self.source("http", "secret")
            if origin is not None and not origin.held and origin.kind == "Secret":
                registry["httpSecretRef"] = {"name": origin.name, "key": origin.key}
            else:
                self.out.secrets["httpSecret"] = secret
        debug = self.get("http", "debug") or {}
        if (debug.get("prometheus") or {}).get("enabled"):
            port = str(debug.get("addr", "")).rsplit(":", 1)[-1]
            metrics: dict[str, Any] = {"enabled": True}
            if port.isdigit() and int(port) != 5001:
                metrics["port"] = int(port)
            self.out.spec["metrics"] = metrics
        for key in ("addr", "net", "prefix", "draintimeout"):
            self.get("http", key)

    def _storage(self) -> None:
        storage = self.get("storage") or {}
        drivers = parser.storage_drivers(storage, self.major)
        if not drivers:
            return
        driver = drivers[0]
        params = storage.get(driver) or {}
        common: dict[str, Any] = {}
        if (storage.get("delete") or {}).get("enabled"):
            common["delete"] = True
        if ((storage.get("maintenance") or {}).get("readonly") or {}).get("enabled"):
            common["readOnly"] = True
        purging = (storage.get("maintenance") or {}).get("uploadpurging")
        if isinstance(purging, dict) and purging:
            self._purging(purging)
        if driver == "filesystem":
            self.used.add(("storage", "filesystem", "rootdirectory"))
            self.out.spec["storage"] = {"driver": "filesystem", **common}
        elif driver == "s3":
            self.out.spec["storage"] = {"driver": "s3", **self._object_store("s3", params, S3_KEYS), **common}
        elif driver == "swift":
            self.out.spec["storage"] = {"driver": "swift", **self._object_store("swift", params, SWIFT_KEYS), **common}
        else:
            self.used.add(("storage", driver))
            self.out.losses.append(
                Loss(
                    "storage",
                    f"storage.{driver}: the {driver} driver is not supported by regc (it stores on a volume, Swift "
                    "or S3); accepted, the spec stores on a new volume and the images stay in "
                    f"{driver}",
                )
            )
            self.out.spec["storage"] = {"driver": "filesystem", **common}
        redirect = (storage.get("redirect") or {}).get("disable")
        if driver in ("s3", "swift") and not redirect:
            self.out.spec["storage"]["redirect"] = True
        for key in ("delete", "maintenance", "redirect", "cache"):
            self.used.add(("storage", key))

    def _purging(self, purging: dict[str, Any]) -> None:
        out: dict[str, Any] = {}
        if purging.get("enabled") is not True:
            out["enabled"] = False
        for key in ("age", "interval"):
            if key in purging:
                out[key] = self._go_duration(purging[key])
        if purging.get("dryrun"):
            out["dryrun"] = True
        if out:
            self.out.spec["uploadPurging"] = out

    @staticmethod
    def _go_duration(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return yamlv2.format_duration(yamlv2.parse_duration(value))
            except ValueError:
                return value
        return value

    def _object_store(self, driver: str, params: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in keys:
            if key in params and params[key] is not None:
                self.used.add(("storage", driver, key))
                out[key] = params[key]
        if driver == "s3":
            return {**out, **self._credentials(driver, ("accesskey", "secretkey"))}
        return {**out, **self._credentials(driver, ("password",))}

    def _credentials(self, driver: str, keys: tuple[str, ...]) -> dict[str, Any]:
        """The object store's keys: in the secrets file, or a reference to the Secret that holds them."""
        names = {"accesskey": "accessKey", "secretkey": "secretKey", "password": "password"}
        spec_keys = {"accesskey": "accessKeyKey", "secretkey": "secretKeyKey", "password": "passwordKey"}
        params = (self.config.get("storage") or {}).get(driver) or {}
        origins = {key: self.source("storage", driver, key) for key in keys}
        for key in keys:
            self.used.add(("storage", driver, key))
        missing = [key for key in keys if not params.get(key)]
        referenced = [key for key in keys if origins[key] is not None and not origins[key].held]
        if referenced:
            secret_names = {origins[key].name for key in referenced}
            if len(secret_names) == 1 and len(referenced) == len(keys):
                reference = {"name": secret_names.pop(), **{spec_keys[k]: origins[k].key for k in keys}}
                return {"credentials": "secret", "credentialsSecret": reference}
            self.out.unmapped.append(
                Unmapped(
                    f"{self.where}: storage.{driver} credentials",
                    "they come from Secrets that are not among the objects, and not all from one",
                    "storage.credentialsSecret (one Secret holding every key)",
                )
            )
            return {"credentials": "provided"}
        if missing and len(missing) == len(keys):
            self.out.unmapped.append(
                Unmapped(
                    f"{self.where}: storage.{driver}",
                    "no credentials (the registry relies on the node's or pod's cloud identity)",
                    "serviceAccount.annotations for the cloud identity, with keys in a Secret of yours",
                )
            )
            return {"credentials": "provided"}
        section = self.out.secrets.setdefault(driver, {})
        for key in keys:
            if params.get(key):
                section[names[key]] = str(params[key])
        return {"credentials": "provided"}

    def _auth(self) -> None:
        auth = self.get("auth") or {}
        for kind in auth:
            if kind == "htpasswd":
                self._htpasswd(auth[kind] or {})
            else:
                self.out.losses.append(
                    Loss(
                        "auth",
                        f"auth.{kind}: regc runs htpasswd authentication only: the registry would lose this "
                        "authentication (--accept-loss auth imports it without)",
                    )
                )

    def _htpasswd(self, params: dict[str, Any]) -> None:
        realm = params.get("realm")
        path = str(params.get("path") or "")
        found = self.run_.file(path) if path else None
        entry: dict[str, Any] = {}
        if realm and realm != "registry":
            entry["realm"] = str(realm)
        if found is None or found.absent or (found.text is None and found.kind not in ("Secret", "ConfigMap")):
            self.out.losses.append(
                Loss(
                    "auth",
                    f"auth.htpasswd.path {path or '(none)'}: the objects do not say where the file comes from, so "
                    "regc cannot keep its users",
                )
            )
            return
        if found.text is None:
            if found.kind == "ConfigMap":
                self.out.losses.append(
                    Loss("auth", f"auth.htpasswd: the file comes from {found.origin}, which is not among the objects")
                )
                return
            entry["secretRef"] = {"name": found.name, "key": found.key}
            self.out.spec["auth"] = {"htpasswd": entry}
            return
        users = self._users(found)
        entry["users"] = users
        self.out.spec["auth"] = {"htpasswd": entry}
        if found.kind == "ConfigMap":
            self.out.notes.append(
                f"the htpasswd file is kept in {found.origin} (readable by anyone who may read ConfigMaps): "
                "regc keeps its users' hashes in the encrypted secrets file"
            )

    def _users(self, found: FileSource) -> list[str]:
        users = []
        for number, line in enumerate((found.text or "").splitlines(), start=1):
            user, _, hashed = line.strip().partition(":")
            if not user or user.startswith("#"):
                continue
            if htpasswd.hash_problem(user, hashed) is not None:
                self.out.unmapped.append(
                    Unmapped(
                        f"{found.origin} line {number}",
                        f"user {user}: not a bcrypt hash, which the registry needs (this user cannot log in today)",
                    )
                )
                continue
            users.append(user)
            self.out.secrets.setdefault("hashes", {})[user] = hashed
        return users

    def _tls(self) -> None:
        tls = self.get("http", "tls") or {}
        if not tls:
            self.out.spec["tls"] = {"enabled": False}
            if self.out.spec.get("auth"):
                self.out.spec["insecure"] = True
            return
        if tls.get("letsencrypt") and not tls.get("certificate"):
            self.out.losses.append(
                Loss("tls", "http.tls.letsencrypt: regc does not run Let's Encrypt in the registry (cert-manager can)")
            )
            return
        for key in ("clientcas", "clientauth"):
            if tls.get(key):
                self.out.losses.append(
                    Loss("tls", f"http.tls.{key}: clients must show certificates today; regc does not require them")
                )
        cert = self.run_.file(str(tls.get("certificate") or ""))
        keyfile = self.run_.file(str(tls.get("key") or ""))
        if cert is None or keyfile is None or cert.absent or keyfile.absent:
            self.out.losses.append(Loss("tls", "http.tls: the objects do not hold the certificate and key it reads"))
            return
        if cert.text is not None and keyfile.text is not None:
            self.out.secrets["tls"] = {"cert": cert.text, "key": keyfile.text}
            self.out.spec["tls"] = {"certificate": "provided"}
            self.out.notes.append(
                f"{cert.origin}: the certificate and key are kept as they are (tls.certificate: provided), so "
                "clients keep trusting the registry; regc warns before it expires"
            )
            return
        if cert.kind == "Secret" and keyfile.kind == "Secret" and cert.name == keyfile.name:
            self.out.spec["tls"] = {"certificate": "secret", "secretName": cert.name}
            if (cert.key, keyfile.key) != ("tls.crt", "tls.key"):
                self.out.unmapped.append(
                    Unmapped(
                        f"{cert.origin}",
                        f"regc mounts tls.crt and tls.key of Secret {cert.name}; the registry reads {cert.key} and "
                        f"{keyfile.key} today",
                        "a kubernetes.io/tls Secret (keys tls.crt and tls.key)",
                    )
                )
            return
        self.out.losses.append(Loss("tls", f"http.tls: the certificate comes from {cert.origin}, regc cannot mount it"))

    def _proxy(self) -> None:
        proxy = self.get("proxy") or {}
        if not proxy.get("remoteurl"):
            return
        out: dict[str, Any] = {"remoteurl": proxy["remoteurl"]}
        address = urlsplit(str(proxy["remoteurl"]))
        if address.username or address.password:  # never a credential in clear in the spec
            host = address.hostname or ""
            netloc = host + (f":{address.port}" if address.port else "")
            out["remoteurl"] = urlunsplit(address._replace(netloc=netloc))
            proxy = {"username": unquote(address.username or ""), "password": unquote(address.password or ""), **proxy}
        ttl = self.duration("proxy", "ttl")
        if ttl:
            out["ttl"] = ttl
        user, password = self.source("proxy", "username"), self.source("proxy", "password")
        if user is not None and password is not None and not user.held and user.name == password.name:
            out["credentialsSecret"] = {"name": user.name, "usernameKey": user.key, "passwordKey": password.key}
        elif proxy.get("username") or proxy.get("password"):
            out["credentials"] = True
            self.out.secrets["proxy"] = {
                "username": str(proxy.get("username", "")),
                "password": str(proxy.get("password", "")),
            }
        self.out.spec["proxy"] = out

    def _redis(self) -> None:
        redis = self.get("redis") or {}
        addr = redis.get("addr") or (redis.get("addrs") or [None])[0]
        if not addr:
            return
        out: dict[str, Any] = {"addr": str(addr)}
        if redis.get("db"):
            out["db"] = redis["db"]
        for key, name in (
            ("dialtimeout", "dialTimeout"),
            ("readtimeout", "readTimeout"),
            ("writetimeout", "writeTimeout"),
        ):
            value = self.duration("redis", key)
            if value:
                out[name] = value
        if redis.get("password"):
            origin = self.source("redis", "password")
            if origin is not None and not origin.held and origin.kind == "Secret":
                out["passwordSecret"] = {"name": origin.name, "key": origin.key}
            else:
                out["password"] = True
                self.out.secrets["redis"] = {"password": str(redis["password"])}
        self.out.spec["redis"] = out

    def _notifications(self) -> None:
        endpoints = self.get("notifications", "endpoints") or []
        mapped = []
        for item in endpoints:
            if not isinstance(item, dict) or not item.get("name") or not item.get("url") or item.get("disabled"):
                continue
            entry: dict[str, Any] = {"name": str(item["name"]), "url": str(item["url"])}
            headers = {str(k): str(v[0]) for k, v in (item.get("headers") or {}).items() if v}
            held = self.run_.config is not None and self.run_.config.kind == "Secret"
            secret = {
                k
                for k, v in headers.items()
                if held
                or v in self.run_.secret_values
                or k.lower() in ("authorization", "cookie", "x-api-key")
                or any(word in k.lower() for word in ("token", "secret", "signature", "key", "auth"))
            }
            if headers:
                plain = {k: v for k, v in headers.items() if k not in secret}
                if plain:
                    entry["headers"] = plain
                if secret:
                    entry["secretHeaders"] = sorted(secret)
                    self.out.secrets.setdefault("notifications", {})[entry["name"]] = {k: headers[k] for k in secret}
            # What the registry does with an endpoint that says nothing of these (notifications/endpoint.go,
            # EndpointConfig.defaults): kept, so the spec's own defaults do not stand in for them.
            entry["timeout"] = yamlv2.format_duration(item.get("timeout") or 10**9)
            entry["backoff"] = yamlv2.format_duration(item.get("backoff") or 10**9)
            entry["threshold"] = item.get("threshold") or 10
            ignore = item.get("ignore") or {}
            if ignore.get("mediatypes") or item.get("ignoredmediatypes"):
                entry["ignoredMediaTypes"] = list(ignore.get("mediatypes") or item.get("ignoredmediatypes") or [])
            if ignore.get("actions"):
                entry["ignoredActions"] = list(ignore["actions"])
            mapped.append(entry)
        if mapped:
            self.out.spec["notifications"] = mapped

    def _leftovers(self) -> None:
        """Keys no part of the spec took: extras.config can carry them where regc does not write them
        (the import decides once it knows what regc writes), unless they hold a credential."""
        for path, value in _leaves(self.config):
            dotted = ".".join(path)
            if any(path[: len(u)] == u for u in self.used):
                continue
            if str(value) in self.run_.secret_values or holds_credential(dotted):
                self.out.unmapped.append(
                    Unmapped(
                        f"{self.where}: {dotted}", "a credential regc would have to write in clear into the ConfigMap"
                    )
                )
                continue
            shape = parser.shape_at(self.major, path)
            self.out.leftovers[dotted] = parser.as_yaml(value, shape) if shape is not None else value


def _leaves(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict) and node:
        return [leaf for key, value in node.items() for leaf in _leaves(value, (*prefix, str(key)))]
    return [(prefix, node)]
