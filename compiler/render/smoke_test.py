"""A Job that logs in as the pull user and checks /v2/, named after what it checks so that every
change of the registry runs it anew."""

from __future__ import annotations

import hashlib
import json

from regc.plan.names import SERVICE, SMOKE_SECRET, TLS_SECRET
from regc.plan.plan import Plan
from regc.render.meta import k8s_object
from regc.render.security import container_security_context, pod_security_context

# The credentials go to curl through a config on stdin: never in argv, where `ps` would show them.
SCRIPT = ('printf \'user = "%s:%s"\\n\' "$REGISTRY_USER" "$REGISTRY_PASSWORD" | '
          'curl --config - --fail --silent --show-error --retry 10 --retry-all-errors --retry-delay 6 '
          '--max-time 30 {cacert}-o /dev/null -w "GET /v2/ answered %{{http_code}}\\n" {url}')


def smoke_test_job(plan: Plan, revision: str) -> dict | None:
    """`revision` digests what the test depends on (config and Secrets): a change makes a new Job."""
    spec = plan.spec
    if not spec.smoke_test.enabled:
        return None
    scheme = "https" if spec.tls.enabled else "http"
    url = f"{scheme}://{SERVICE}.{spec.namespace}.svc:{spec.service.port}/v2/"
    script = SCRIPT.format(cacert="--cacert /ca/ca.crt " if spec.tls.enabled else "", url=url)
    container = {
        "name": "smoke-test",
        "image": spec.smoke_test.image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["sh", "-c", script],
        "env": [{"name": name, "valueFrom": {"secretKeyRef": {"name": SMOKE_SECRET, "key": key}}}
                for name, key in (("REGISTRY_USER", "username"), ("REGISTRY_PASSWORD", "password"))],
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "64Mi"}},
        "securityContext": container_security_context(),
    }
    volumes = []
    if spec.tls.enabled:
        container["volumeMounts"] = [{"name": "ca", "mountPath": "/ca", "readOnly": True}]
        volumes.append({"name": "ca", "secret": {"secretName": TLS_SECRET, "items": [{"key": "ca.crt",
                                                                                       "path": "ca.crt"}]}})
    pod_spec = {"restartPolicy": "Never", "automountServiceAccountToken": False,
                "securityContext": pod_security_context(), "containers": [container]}
    if volumes:
        pod_spec["volumes"] = volumes
    digest = hashlib.sha256(json.dumps([pod_spec, revision], sort_keys=True).encode()).hexdigest()[:10]
    labels = {"app.kubernetes.io/name": "registry", "app.kubernetes.io/component": "smoke-test"}
    job = k8s_object("batch/v1", "Job", f"registry-smoke-{digest}", spec={
        "backoffLimit": 3,
        "activeDeadlineSeconds": 600,
        "template": {"metadata": {"labels": labels}, "spec": pod_spec},
    })
    job["metadata"]["labels"]["app.kubernetes.io/component"] = "smoke-test"
    return job
