"""The registry's effective configuration as a regc spec: each setting to its place (storage, auth,
TLS, proxy, Redis, notifications, logs, health), credentials to the secrets file or to references
to the Secrets that hold them, other settings regc does not model to extras.config; what regc
cannot express is a named loss."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import SecretStr

from regc.adopt.runtime import FileSource, Runtime
from regc.adopt.values import Unmapped
from regc.distribution import parser, yamlv2
from regc.distribution.credentials import holds_credential
from regc.envspec import model
from regc.envspec.draft import NOT_GIVEN, environment, fields_of, keyed, merge
from regc.plan.registry_config import SWIFT_OPTIONS
from regc.secrets import htpasswd
from regc.secrets.document import (
    KeyPair,
    ProxyCredentials,
    RedisCredentials,
    S3Credentials,
    SecretsFile,
    SwiftCredentials,
)

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
        level = self.get("log", "level")
        formatter = self.get("log", "formatter")
        self.get("log", "fields")
        self.get("version")
        self.get("catalog", "maxentries")
        headers = self.get("http", "headers")
        check = self.get("health", "storagedriver") or {}
        health = NOT_GIVEN
        if check != {"enabled": True, "interval": 10 * 10**9, "threshold": 3}:
            health = model.HealthCheck.model_construct(
                storage_driver=model.StorageDriverHealthCheck.model_construct(
                    enabled=bool(check.get("enabled")),
                    interval=self.duration("health", "storagedriver", "interval") or "10s",
                    threshold=int(check.get("threshold") or 3),
                )
            )
        cache = self.get("storage", "cache", "blobdescriptor")
        if cache is None and "storage" in self.config:
            cache = "none"
        secret, secret_ref = self.get("http", "secret"), None
        if secret:
            origin = self.source("http", "secret")
            if origin is not None and not origin.held and origin.kind == "Secret":
                secret_ref = model.SecretKey.model_construct(name=origin.name, key=origin.key)
            else:
                merge(self.out.secrets, SecretsFile.model_construct(http_secret=secret))
        registry = model.Registry.model_construct(
            log_level=level if level and level != "info" else NOT_GIVEN,
            log_formatter=formatter if formatter and formatter != "text" else NOT_GIVEN,
            headers=(
                {str(k): [str(v) for v in values] for k, values in (headers or {}).items()}
                if headers != {"X-Content-Type-Options": ["nosniff"]}
                else NOT_GIVEN
            ),
            health_check=health,
            blob_descriptor_cache=cache if cache != "inmemory" else NOT_GIVEN,
            http_secret_ref=secret_ref,
        )
        merge(self.out.spec, environment(registry=registry))
        debug = self.get("http", "debug") or {}
        if (debug.get("prometheus") or {}).get("enabled"):
            port = str(debug.get("addr", "")).rsplit(":", 1)[-1]
            merge(
                self.out.spec,
                environment(
                    metrics=model.Metrics.model_construct(
                        enabled=True, port=int(port) if port.isdigit() and int(port) != 5001 else NOT_GIVEN
                    )
                ),
            )
        for key in ("addr", "net", "prefix", "draintimeout"):
            self.get("http", key)

    def _storage(self) -> None:
        storage = self.get("storage") or {}
        drivers = parser.storage_drivers(storage, self.major)
        if not drivers:
            return
        driver = drivers[0]
        params = storage.get(driver) or {}
        delete = True if (storage.get("delete") or {}).get("enabled") else NOT_GIVEN
        read_only = True if ((storage.get("maintenance") or {}).get("readonly") or {}).get("enabled") else NOT_GIVEN
        redirect = True if not (storage.get("redirect") or {}).get("disable") else NOT_GIVEN
        purging = (storage.get("maintenance") or {}).get("uploadpurging")
        if isinstance(purging, dict) and purging:
            self._purging(purging)
        part: model.Storage
        if driver == "filesystem":
            self.used.add(("storage", "filesystem", "rootdirectory"))
            part = model.FilesystemStorage.model_construct(driver="filesystem", delete=delete, read_only=read_only)
        elif driver in ("s3", "swift"):
            kind = model.S3Storage if driver == "s3" else model.SwiftStorage
            keys, secret_keys = (S3_KEYS, ("accesskey", "secretkey")) if driver == "s3" else (SWIFT_KEYS, ("password",))
            found = fields_of(kind, {"driver": driver, **self._object_store(driver, params, keys)})
            credentials, reference = self._credentials(driver, secret_keys)
            part = kind.model_construct(
                **found,
                credentials=credentials,
                credentials_secret=reference,
                redirect=redirect,
                delete=delete,
                read_only=read_only,
            )
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
            part = model.FilesystemStorage.model_construct(driver="filesystem", delete=delete, read_only=read_only)
        merge(self.out.spec, environment(storage=part))
        for key in ("delete", "maintenance", "redirect", "cache"):
            self.used.add(("storage", key))

    def _purging(self, purging: dict[str, Any]) -> None:
        part = model.UploadPurging.model_construct(
            enabled=False if purging.get("enabled") is not True else NOT_GIVEN,
            age=self._go_duration(purging["age"]) if "age" in purging else NOT_GIVEN,
            interval=self._go_duration(purging["interval"]) if "interval" in purging else NOT_GIVEN,
            dryrun=True if purging.get("dryrun") else NOT_GIVEN,
        )
        merge(self.out.spec, environment(upload_purging=part))

    @staticmethod
    def _go_duration(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return yamlv2.format_duration(yamlv2.parse_duration(value))
            except ValueError:
                return value
        return value

    def _object_store(self, driver: str, params: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
        """The driver's settings the spec takes by the registry's own names."""
        out: dict[str, Any] = {}
        for key in keys:
            if key in params and params[key] is not None:
                self.used.add(("storage", driver, key))
                out[key] = params[key]
        return out

    def _credentials(
        self, driver: str, keys: tuple[str, ...]
    ) -> tuple[Literal["provided", "secret"], model.CredentialsSecret | None]:
        """The object store's keys: in the secrets file (`provided`), or a reference to the Secret that
        holds them (`secret`)."""
        names = {"accesskey": "accessKey", "secretkey": "secretKey", "password": "password"}
        spec_keys = {"accesskey": "access_key_key", "secretkey": "secret_key_key", "password": "password_key"}
        params = (self.config.get("storage") or {}).get(driver) or {}
        origins = {key: self.source("storage", driver, key) for key in keys}
        for key in keys:
            self.used.add(("storage", driver, key))
        missing = [key for key in keys if not params.get(key)]
        referenced = [key for key in keys if origins[key] is not None and not origins[key].held]
        if referenced:
            secret_names = {origins[key].name for key in referenced}
            if len(secret_names) == 1 and len(referenced) == len(keys):
                held = fields_of(model.CredentialsSecret, {spec_keys[k]: origins[k].key for k in keys})
                return "secret", model.CredentialsSecret.model_construct(name=secret_names.pop(), **held)
            self.out.unmapped.append(
                Unmapped(
                    f"{self.where}: storage.{driver} credentials",
                    "they come from Secrets that are not among the objects, and not all from one",
                    "storage.credentialsSecret (one Secret holding every key)",
                )
            )
            return "provided", None
        if missing and len(missing) == len(keys):
            self.out.unmapped.append(
                Unmapped(
                    f"{self.where}: storage.{driver}",
                    "no credentials (the registry relies on the node's or pod's cloud identity)",
                    "serviceAccount.annotations for the cloud identity, with keys in a Secret of yours",
                )
            )
            return "provided", None
        given = {names[key]: SecretStr(str(params[key])) for key in keys if params.get(key)}
        if driver == "s3":
            merge(self.out.secrets, SecretsFile.model_construct(s3=keyed(S3Credentials, given)))
        else:
            merge(self.out.secrets, SecretsFile.model_construct(swift=keyed(SwiftCredentials, given)))
        return "provided", None

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
        realm = str(realm) if realm and realm != "registry" else NOT_GIVEN
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
            reference = model.SecretKey.model_construct(name=found.name, key=found.key)
            self._set_auth(model.Htpasswd.model_construct(realm=realm, secret_ref=reference))
            return
        self._set_auth(model.Htpasswd.model_construct(realm=realm, users=self._users(found)))
        if found.kind == "ConfigMap":
            self.out.notes.append(
                f"the htpasswd file is kept in {found.origin} (readable by anyone who may read ConfigMaps): "
                "regc keeps its users' hashes in the encrypted secrets file"
            )

    def _set_auth(self, htpasswd: model.Htpasswd) -> None:
        merge(self.out.spec, environment(auth=model.Auth.model_construct(htpasswd=htpasswd)))

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
            merge(self.out.secrets, SecretsFile.model_construct(hashes={user: SecretStr(hashed)}))
        return users

    def _tls(self) -> None:
        tls = self.get("http", "tls") or {}
        if not tls:
            merge(self.out.spec, environment(tls=model.Tls.model_construct(enabled=False)))
            if self.out.spec.get("auth"):
                merge(self.out.spec, environment(insecure=True))
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
            pair = KeyPair.model_construct(cert=SecretStr(cert.text), key=SecretStr(keyfile.text))
            merge(self.out.secrets, SecretsFile.model_construct(tls=pair))
            merge(self.out.spec, environment(tls=model.Tls.model_construct(certificate="provided")))
            self.out.notes.append(
                f"{cert.origin}: the certificate and key are kept as they are (tls.certificate: provided), so "
                "clients keep trusting the registry; regc warns before it expires"
            )
            return
        if cert.kind == "Secret" and keyfile.kind == "Secret" and cert.name == keyfile.name:
            part = model.Tls.model_construct(certificate="secret", secret_name=cert.name)
            merge(self.out.spec, environment(tls=part))
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
        remoteurl = proxy["remoteurl"]
        address = urlsplit(str(remoteurl))
        if address.username or address.password:  # never a credential in clear in the spec
            host = address.hostname or ""
            netloc = host + (f":{address.port}" if address.port else "")
            remoteurl = urlunsplit(address._replace(netloc=netloc))
            proxy = {"username": unquote(address.username or ""), "password": unquote(address.password or ""), **proxy}
        user, password = self.source("proxy", "username"), self.source("proxy", "password")
        credentials, reference = NOT_GIVEN, None
        if user is not None and password is not None and not user.held and user.name == password.name:
            reference = model.LoginSecret.model_construct(
                name=user.name, username_key=user.key, password_key=password.key
            )
        elif proxy.get("username") or proxy.get("password"):
            credentials = True
            login = ProxyCredentials.model_construct(
                username=SecretStr(str(proxy.get("username", ""))), password=SecretStr(str(proxy.get("password", "")))
            )
            merge(self.out.secrets, SecretsFile.model_construct(proxy=login))
        part = model.Proxy.model_construct(
            remoteurl=remoteurl,
            ttl=self.duration("proxy", "ttl") or None,
            credentials_secret=reference,
            credentials=credentials,
        )
        merge(self.out.spec, environment(proxy=part))

    def _redis(self) -> None:
        redis = self.get("redis") or {}
        addr = redis.get("addr") or (redis.get("addrs") or [None])[0]
        if not addr:
            return
        password, reference = NOT_GIVEN, None
        if redis.get("password"):
            origin = self.source("redis", "password")
            if origin is not None and not origin.held and origin.kind == "Secret":
                reference = model.SecretKey.model_construct(name=origin.name, key=origin.key)
            else:
                password = True
                said = RedisCredentials.model_construct(password=SecretStr(str(redis["password"])))
                merge(self.out.secrets, SecretsFile.model_construct(redis=said))
        part = model.Redis.model_construct(
            addr=str(addr),
            db=redis.get("db") or NOT_GIVEN,
            dial_timeout=self.duration("redis", "dialtimeout") or NOT_GIVEN,
            read_timeout=self.duration("redis", "readtimeout") or NOT_GIVEN,
            write_timeout=self.duration("redis", "writetimeout") or NOT_GIVEN,
            password_secret=reference,
            password=password,
        )
        merge(self.out.spec, environment(redis=part))

    def _notifications(self) -> None:
        endpoints = self.get("notifications", "endpoints") or []
        mapped: list[model.NotificationEndpoint] = []
        hidden: dict[str, dict[str, SecretStr]] = {}  # endpoint -> its secret headers (the last of a name)
        for item in endpoints:
            if not isinstance(item, dict) or not item.get("name") or not item.get("url") or item.get("disabled"):
                continue
            name = str(item["name"])
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
            if secret:
                hidden[name] = {k: SecretStr(headers[k]) for k in secret}
            ignore = item.get("ignore") or {}
            media_types = list(ignore.get("mediatypes") or item.get("ignoredmediatypes") or [])
            entry = model.NotificationEndpoint.model_construct(
                name=name,
                url=str(item["url"]),
                headers={k: v for k, v in headers.items() if k not in secret} or NOT_GIVEN,
                secret_headers=sorted(secret) or NOT_GIVEN,
                # What the registry does with an endpoint that says nothing of these (notifications/
                # endpoint.go, EndpointConfig.defaults): kept, so the spec's own defaults do not stand in.
                timeout=yamlv2.format_duration(item.get("timeout") or 10**9),
                backoff=yamlv2.format_duration(item.get("backoff") or 10**9),
                threshold=item.get("threshold") or 10,
                ignored_media_types=media_types or NOT_GIVEN,
                ignored_actions=list(ignore.get("actions") or []) or NOT_GIVEN,
            )
            mapped.append(entry)
        if mapped:
            merge(self.out.spec, environment(notifications=mapped))
        merge(self.out.secrets, SecretsFile.model_construct(notifications=hidden or NOT_GIVEN))

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
