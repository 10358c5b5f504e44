"""A Job that pushes a tiny image to the registry as the pull user, pulls it back, compares digests
and deletes it where deletion is on: the guide's push-and-pull test, named after what it checks so
that every change of the registry runs it anew."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from regc.kube import k8s_object
from regc.plan.names import service_host
from regc.plan.plan import Plan
from regc.render.security import container_security_context, pod_security_context

SMOKE_REPOSITORY = "regc-smoke/check"
CA_FILE = "/ca/ca.crt"
CREDENTIALS_DIR = "/credentials"

# POSIX sh with curl and sha256sum (the curl image's busybox has both). The credentials are files of
# a mounted Secret (never environment variables), read by the shell's builtins and handed to curl
# through a config on stdin, never argv, where `ps` would show them. Every request fails the Job
# on an HTTP error (--fail); the digests of what comes back must be those of what went in.
SCRIPT = r"""set -eu
user=$(cat "$CREDENTIALS/username")
login() { printf 'user = "%s:%s"\n' "$user" "$(cat "$CREDENTIALS/password")" |
  curl --config - --silent --show-error --max-time 30 ${CA_FILE:+--cacert "$CA_FILE"} "$@"; }
api() { login --fail "$@"; }
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
# Wait while the registry is not up (no answer, or 5xx); any other answer is final.
while :; do
  code=$(login -o /dev/null -w '%{http_code}' "$REGISTRY_URL/v2/" || true)
  case "$code" in 000|5??) ;; *) break ;; esac
  tries=$((${tries:-0} + 1)); [ "$tries" -lt 20 ] || { echo "GET /v2/ answered $code 20 times"; exit 1; }; sleep 6
done
[ "$code" = 200 ] || { echo "GET /v2/ answered $code as $user" >&2; exit 1; }
echo "GET /v2/: logged in as $user"
[ "$PUSH" = true ] || { echo "this registry refuses pushes (a pull-through cache, or read-only): done"; exit 0; }
repo="$REGISTRY_URL/v2/$REPOSITORY"
push_blob() {
  location=$(api -X POST -D - -o /dev/null "$repo/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
  case "$location" in http*) ;; *) location="$REGISTRY_URL$location" ;; esac
  case "$location" in *\?*) sep='&' ;; *) sep='?' ;; esac
  api -X PUT -H 'Content-Type: application/octet-stream' --data-binary "$1" -o /dev/null \
    "$location${sep}digest=sha256:$(sha "$1")"
}
layer="regc smoke test of $REGISTRY_URL"
config='{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
push_blob "$layer"
push_blob "$config"
manifest=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'\
'"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},'\
'"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
  "$(sha "$config")" "${#config}" "$(sha "$layer")" "${#layer}")
api -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "$manifest" \
  -o /dev/null "$repo/manifests/smoke"
echo "pushed $REPOSITORY:smoke sha256:$(sha "$manifest")"
pulled=$(api -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$repo/manifests/smoke")
[ "$(sha "$pulled")" = "$(sha "$manifest")" ] || { echo "the manifest pulled back differs"; exit 1; }
blob=$(api -L "$repo/blobs/sha256:$(sha "$layer")")
[ "$(sha "$blob")" = "$(sha "$layer")" ] || { echo "the layer pulled back differs"; exit 1; }
echo "pulled it back: digests match"
if [ "$DELETE" = true ]; then
  api -X DELETE -o /dev/null "$repo/manifests/sha256:$(sha "$manifest")"
  echo "deleted it"
fi
"""


def smoke_test_job(plan: Plan, revision: str) -> dict[str, Any] | None:
    """`revision` digests what the test depends on (config and Secrets): a change makes a new Job."""
    spec = plan.spec
    if not spec.smoke_test.enabled:
        return None
    scheme = "https" if spec.tls.enabled else "http"
    # A pull-through cache and a read-only registry refuse pushes: they are checked by a login only.
    pushes = spec.proxy is None and not spec.storage.read_only
    names = plan.names
    settings = {
        "REGISTRY_URL": f"{scheme}://{service_host(spec)}:{spec.service.port}",
        "REPOSITORY": SMOKE_REPOSITORY,
        "PUSH": str(pushes).lower(),
        "CREDENTIALS": CREDENTIALS_DIR,
        "DELETE": str(spec.storage.delete).lower(),
    }
    if spec.tls.enabled:
        settings["CA_FILE"] = CA_FILE
    container: dict[str, Any] = {
        "name": "smoke-test",
        "image": spec.smoke_test.image,
        "imagePullPolicy": spec.image_pull_policy,
        "command": ["sh", "-c", SCRIPT],
        "env": [{"name": name, "value": value} for name, value in settings.items()],
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "200m", "memory": "64Mi"}},
        "securityContext": container_security_context(),
        "volumeMounts": [{"name": "credentials", "mountPath": CREDENTIALS_DIR, "readOnly": True}],
    }
    volumes = [{"name": "credentials", "secret": {"secretName": names.smoke_secret, "defaultMode": 0o440}}]
    if spec.tls.enabled:
        container["volumeMounts"].append({"name": "ca", "mountPath": CA_FILE.rsplit("/", 1)[0], "readOnly": True})
        bundle = spec.tls.cert_manager.ca_bundle if spec.tls.cert_manager else None
        volumes.append(
            {"name": "ca", "configMap": {"name": bundle.config_map, "items": [{"key": bundle.key, "path": "ca.crt"}]}}
            if bundle is not None
            else {
                "name": "ca",
                "secret": {"secretName": plan.tls_secret, "items": [{"key": "ca.crt", "path": "ca.crt"}]},
            }
        )
    pod_spec = {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "securityContext": pod_security_context(),
        **plan.pod_images(),
        "containers": [container],
        "volumes": volumes,
    }
    digest = hashlib.sha256(json.dumps([pod_spec, revision], sort_keys=True).encode()).hexdigest()[:10]
    labels = dict(names.smoke_test_labels)
    body = {
        "backoffLimit": 3,
        "activeDeadlineSeconds": 600,
        "template": {"metadata": {"labels": labels}, "spec": pod_spec},
    }
    return k8s_object(
        "batch/v1", "Job", f"{names.smoke_job_prefix}-{digest}", labels={**names.base_labels, **labels}, spec=body
    )
