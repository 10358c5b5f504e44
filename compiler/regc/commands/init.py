"""`regc init`: a commented starter spec that teaches the format."""

from __future__ import annotations

from pathlib import Path

from regc import layout
from regc.envspec.fields import check_dns_label
from regc.envspec.model import DEFAULT_IMAGE
from regc.envspec.schema import schema_text
from regc.errors import InputError, RegcError
from regc.world import World

SCHEMA_FILE = layout.SCHEMA_FILE

STARTER = """\
# yaml-language-server: $schema=./{schema}
# The {name} environment of the registry. After a change run `regc build environments/{name}.yaml`
# and commit base/ and overlays/{name}/. Every key is optional unless marked; `regc schema`
# prints them all.
apiVersion: regc/v1          # required: the version of this format
kind: Environment            # required
namespace: {namespace}       # the overlay creates it
labels: {{}}                   # extra labels on every object, e.g. {{team: platform}}

registry:
  image: {image}     # pinned: a version tag or @sha256: digest, never latest
  replicas: 1                # >1 needs storage all replicas share (see storage.accessMode)
  logLevel: info             # error | warn | info | debug
  blobDescriptorCache: inmemory   # inmemory | none
  headers:
    X-Content-Type-Options: [nosniff]
  healthCheck:
    storageDriver: {{enabled: true, interval: 10s, threshold: 3}}
  resources:
    requests: {{cpu: 100m, memory: 128Mi}}
    limits: {{memory: 512Mi}}

storage:
  driver: filesystem         # images on a PersistentVolumeClaim
  size: 10Gi
  storageClassName: rbd      # e.g. rbd for Ceph RBD; remove for the cluster's default class
  accessMode: ReadWriteOnce  # ReadWriteMany (CephFS) to run more than one replica

service:
  type: ClusterIP            # clients reach registry.{namespace}.svc:5000
  port: 5000

# Uncomment what you need; the README explains each section.
#
# How the cluster syncs this overlay ("GitOps delivery"):
# gitops:
#   engine: flux               # flux | argocd | none
#   repoURL: https://github.com/acme/registry-gitops.git
#   revision: main
#
# Production ("Running it in production"); a PodDisruptionBudget or autoscaling needs two or
# more replicas on shared storage (object storage, or accessMode: ReadWriteMany):
# availability:
#   terminationGracePeriodSeconds: 120   # uploads in flight get 115 s to finish
# scheduling:
#   antiAffinity: required     # never two registry pods on one node
# metrics: {{enabled: true, serviceMonitor: true, prometheusRule: true}}
# networkPolicy: {{enabled: true}}
"""


def starter_text(name: str, namespace: str | None = None) -> str:
    return STARTER.format(name=name, namespace=namespace or name, image=DEFAULT_IMAGE, schema=SCHEMA_FILE)


def write_starter(world: World, name: str, namespace: str | None) -> Path:
    """Write environments/NAME.yaml; refuse to overwrite, refuse a name Kubernetes would reject."""
    try:
        check_dns_label(name)
        if namespace:
            check_dns_label(namespace)
    except ValueError as exc:
        raise InputError(str(exc), "choose a lower-case name such as prod, staging or dev") from None

    folder = world.root / layout.ENVIRONMENTS
    path = layout.spec_path(world.root, name)
    if world.files.is_file(path) or world.files.is_dir(path):
        raise RegcError(f"{path} already exists", "edit it, or choose another name")
    files = {path: starter_text(name, namespace).encode()}
    schema = folder / SCHEMA_FILE
    if not world.files.is_file(schema):
        files[schema] = schema_text().encode()
    world.files.commit(world.root, [], files)
    return path


def run(world: World, name: str, namespace: str | None) -> int:
    """Write the starter spec and say what comes next."""
    root = world.root
    path = write_starter(world, name, namespace)
    print(f"wrote {path}")
    if not world.files.is_file(root / layout.SOPS_CONFIG):
        print("next: `regc keys init` (an age key for the Secrets), then edit the spec")
    print(f"then: `regc build {path.relative_to(root) if not path.is_absolute() else path}`")
    print(
        "for Flux (gitops.engine: flux), give the cluster its age key once, out of band:\n"
        "  kubectl create secret generic sops-age --namespace=flux-system "
        '--from-file=age.agekey="${SOPS_AGE_KEY_FILE:-$HOME/.config/sops/age/keys.txt}"'
    )
    return 0
