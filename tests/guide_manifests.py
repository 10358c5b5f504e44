"""The guide's own manifests (../shared/seed/, "Kubernetes 部署 - 使用 Ceph RBD" and "使用 Ceph Radosgw
对象存储部署"), as `kubectl get -o yaml` would give them back: its registry on an RBD volume with
htpasswd and TLS, its pull secret and example Pod, and its radosgw front with the Swift Secret
whose keys stand under `spec:`. The certificate, the htpasswd hash and the pull secret are made here
(the guide made them with cfssl, `htpasswd -Bbn kube kube123` and `kubectl create secret`)."""

from __future__ import annotations

import base64
import datetime
import json

import bcrypt

USER, PASSWORD = "kube", "kube123"
CONFIG = """version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
  tls:
    key: /tls/registry-key.pem
    certificate: /tls/registry.pem
auth:
  htpasswd:
    realm: basic-realm
    path: /auth/htpasswd
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
"""


def _deployment(meta: dict, api_version: str, replicas: int, container: dict, volumes: list[dict]) -> dict:
    """The guide's Deployment shape: one registry container, selected by `app: registry`."""
    return {
        "apiVersion": api_version,
        "kind": "Deployment",
        "metadata": {"name": "registry", **meta},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "registry"}},
            "template": {
                "metadata": {"labels": {"app": "registry"}},
                "spec": {"containers": [container], "volumes": volumes},
            },
        },
    }


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def rbd_registry(namespace: str = "kube-registry") -> tuple[list[dict], dict[str, str]]:
    """The guide's registry on RBD, and its secrets in clear (for the test's assertions)."""
    from regc.secrets import tls

    now = datetime.datetime.now(datetime.UTC)
    ca_cert, ca_key = tls.make_ca("kubernetes-ca", "ecdsa-p256", now)
    names = [
        "registry",
        f"registry.{namespace}",
        f"registry.{namespace}.svc",
        f"registry.{namespace}.svc.cluster.local",
        "127.0.0.1",
    ]
    cert, key = tls.issue_server(ca_cert, ca_key, names, "ecdsa-p256", now, 365)
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(5)).decode().replace("$2b$", "$2y$", 1)
    docker = {"auths": {f"registry.{namespace}.svc.cluster.local": {"username": USER, "password": PASSWORD}}}
    meta = {"namespace": namespace}
    objects = [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "ceph-secret-kube", **meta},
            "type": "kubernetes.io/rbd",
            "data": {"key": "QVFCRkNGOWErZExhSEJBQTR5S3FJaE1Zb1Q0RG1BV25HMDhYRkE9PQ=="},
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "registry", **meta},
            "spec": {
                "storageClassName": "rbd",
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "10G"}},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "registry-config", **meta},
            "data": {"config.yml": CONFIG},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "registry-auth", **meta},
            "type": "Opaque",
            "data": {"htpasswd": _b64(f"{USER}:{hashed}\n")},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "registry-tls", **meta},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": _b64(cert), "tls.key": _b64(key)},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "registry", **meta},
            "spec": {
                "type": "ClusterIP",
                "selector": {"app": "registry"},
                "ports": [{"name": "api", "port": 80, "targetPort": "api", "protocol": "TCP"}],
            },
        },
        _deployment(
            meta,
            "apps/v1beta2",
            1,
            {
                "name": "registry",
                "image": "registry:2.6",
                "imagePullPolicy": "IfNotPresent",
                "ports": [{"name": "api", "containerPort": 5000}],
                "volumeMounts": [
                    {"name": "config", "mountPath": "/etc/docker/registry"},
                    {"name": "htpasswd", "mountPath": "/auth"},
                    {"name": "tls", "mountPath": "/tls"},
                    {"name": "data", "mountPath": "/var/lib/registry"},
                ],
            },
            [
                {
                    "name": "config",
                    "configMap": {
                        "name": "registry-config",
                        "items": [{"key": "config.yml", "path": "config.yml"}],
                    },
                },
                {
                    "name": "htpasswd",
                    "secret": {
                        "secretName": "registry-auth",
                        "items": [{"key": "htpasswd", "path": "htpasswd"}],
                    },
                },
                {
                    "name": "tls",
                    "secret": {
                        "secretName": "registry-tls",
                        "items": [
                            {"key": "tls.key", "path": "registry-key.pem"},
                            {"key": "tls.crt", "path": "registry.pem"},
                        ],
                    },
                },
                {"name": "data", "persistentVolumeClaim": {"claimName": "registry"}},
            ],
        ),
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "registry-login", **meta},
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": _b64(json.dumps(docker))},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "private-pod", **meta},
            "spec": {
                "containers": [{"name": "nginx", "image": f"registry.{namespace}.svc.cluster.local/nginx:alpine"}],
                "imagePullSecrets": [{"name": "registry-login"}],
            },
        },
    ]
    return objects, {"ca": ca_cert, "cert": cert, "key": key, "hash": hashed}


def radosgw_front(namespace: str = "registry") -> list[dict]:
    """The guide's HA radosgw front and its Swift Secret (keys under `spec:`, values with the newline
    that `echo` without -n adds), with a registry on Swift that reads them."""
    meta = {"namespace": namespace}
    config = CONFIG.replace(
        "  filesystem:\n    rootdirectory: /var/lib/registry\n",
        f"  swift:\n    authurl: http://radosgw.{namespace}.svc:7480/auth/v1\n    container: registry\n",
    ).replace("  tls:\n    key: /tls/registry-key.pem\n    certificate: /tls/registry.pem\n", "")
    config = config.replace("auth:\n  htpasswd:\n    realm: basic-realm\n    path: /auth/htpasswd\n", "")
    return [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "radosgw", **meta},
            "spec": {
                "type": "ClusterIP",
                "sessionAffinity": "ClientIP",
                "ports": [{"name": "api", "port": 7480, "targetPort": "api"}],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "radosgw", **meta},
            "subsets": [
                {
                    "addresses": [{"ip": "192.168.10.200"}, {"ip": "192.168.10.201"}, {"ip": "192.168.10.202"}],
                    "ports": [{"name": "api", "port": 7480, "protocol": "TCP"}],
                }
            ],
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "registry-cm", **meta},
            "spec": {
                "swift.username": "a3ViZTpyZWdpc3RyeQo=",
                "swift.password": "UEh0M2hJY2pHUXNDVGtJd2FCUjlHTHN4QWpIdDFSSm9EY0FyV3RjOQo=",
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "registry-config", **meta},
            "data": {"config.yml": config},
        },
        _deployment(
            meta,
            "apps/v1",
            2,
            {
                "name": "registry",
                "image": "registry:2.8.3",
                "env": [
                    {
                        "name": "REGISTRY_STORAGE_SWIFT_USERNAME",
                        "valueFrom": {"secretKeyRef": {"name": "registry-cm", "key": "swift.username"}},
                    },
                    {
                        "name": "REGISTRY_STORAGE_SWIFT_PASSWORD",
                        "valueFrom": {"secretKeyRef": {"name": "registry-cm", "key": "swift.password"}},
                    },
                ],
                "volumeMounts": [{"name": "config", "mountPath": "/etc/docker/registry"}],
            },
            [{"name": "config", "configMap": {"name": "registry-config"}}],
        ),
    ]
