"""Valid by construction: overlays build with the real kustomize into exactly what regc rendered,
and every object passes the Kubernetes API schemas (strict: unknown fields fail)."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import kubernetes_validate
import pytest

from regc.compiler import Compiler, disk_world
from regc.plan.plan import plan_for
from regc.secrets.stage import SecretStage
from tests.conftest import EXAMPLE_SPECS, EXAMPLES, REPO, TEST_KEY, decrypt_object, kustomize, run_regc, write_spec
from tests.kustomize_model import by_identity, expected_objects

KUBERNETES_VERSIONS = ["1.29", "1.37"]

VARIANTS = {
    "defaults": "",
    "identity-images": "serviceAccount:\n  name: registry-{name}\n"
    "  annotations: {{eks.amazonaws.com/role-arn: 'arn:aws:iam::111122223333:role/registry'}}\n"
    "imagePullSecrets: [mirror-credentials]\nimagePullPolicy: Always\n"
    "auth:\n  htpasswd:\n    users: [p]\n    generateMissingPasswords: true\n"
    "pullSecrets:\n  user: p\n  namespaces: [{name}-apps]\nsmokeTest:\n  enabled: true\n"
    "nodeProxy:\n  enabled: true\n  hostPort: 5003\n",
    "service-availability": "storage:\n  driver: swift\n  username: u:s\n  container: c-{name}\n"
    "  credentials: generate\nradosgw:\n  hosts: [10.0.0.1]\n"
    "service:\n  type: LoadBalancer\n  loadBalancerIP: 192.0.2.10\n"
    "  loadBalancerSourceRanges: [10.0.0.0/8, 'fd00::/8']\n  externalTrafficPolicy: Local\n"
    "  labels: {{exposure: public}}\n"
    "availability:\n  podDisruptionBudget: {{enabled: true, minAvailable: 2}}\n"
    "  autoscaling:\n    enabled: true\n    minReplicas: 3\n    maxReplicas: 9\n"
    "    targetMemoryUtilization: 80\n    behavior:\n      scaleDown:\n"
    "        stabilizationWindowSeconds: 600\n        policies: [{{type: Pods, value: 1, periodSeconds: 120}}]\n"
    "      scaleUp: {{selectPolicy: Max}}\n"
    "metrics:\n  enabled: true\n  prometheusRule: true\n  extraRules:\n"
    "    - alert: RegistrySlowPushes\n      expr: 'histogram_quantile(0.9, rate(x[5m])) > 5'\n"
    "      for: 15m\n      labels: {{severity: warning}}\n      annotations: {{summary: Pushes are slow.}}\n"
    "ingress:\n  host: r.{name}.example.com\n  hosts: [registry.{name}.example.com]\n  path: /v2\n",
    "cert-manager": "tls:\n  certificate: cert-manager\n  certManager:\n    issuer: registry-ca\n"
    "    issuerKind: ClusterIssuer\n    duration: 2160h\n    renewBefore: 360h\n"
    "ingress:\n  host: r.{name}.example.com\nnodeProxy:\n  enabled: true\n  hostPort: 5004\n"
    "auth:\n  htpasswd:\n    users: [p]\n    generateMissingPasswords: true\n"
    "pullSecrets:\n  user: p\n  namespaces: [{name}-apps]\nsmokeTest:\n  enabled: true\n",
    "references": "storage:\n  driver: s3\n  bucket: b-{name}\n  regionendpoint: http://rgw:7480\n"
    "  credentials: secret\n  credentialsSecret: {{name: registry-bucket}}\n"
    "registry:\n  httpSecretRef: {{name: registry-shared, key: http-secret}}\n  blobDescriptorCache: redis\n"
    "auth:\n  htpasswd:\n    secretRef: {{name: registry-users, key: htpasswd}}\n"
    "proxy:\n  remoteurl: https://registry-1.docker.io\n  credentialsSecret: {{name: hub-login}}\n"
    "redis:\n  addr: redis.cache.svc:6379\n  passwordSecret: {{name: redis-auth, key: password}}\n"
    "notifications:\n  - name: audit\n    url: https://hooks.example/events?cost=$5\n    headers: {{X-Source: regc}}\n"
    "    headerSecrets:\n      Authorization: {{name: audit-hook, key: token}}\n"
    "  - name: plain\n    url: https://plain.example/events\n",
    "affinity-env": "scheduling:\n  antiAffinity: required\n  nodeAffinity:\n    required:\n"
    "      - matchExpressions: [{{key: node-role/registry, operator: Exists}}]\n"
    "    preferred:\n      - weight: 50\n        preference:\n"
    "          matchExpressions: [{{key: topology.kubernetes.io/zone, operator: In, values: [a, b]}}]\n"
    "extras:\n  env:\n    POD_NAME: {{valueFrom: {{fieldRef: {{fieldPath: metadata.name}}}}}}\n"
    "    OTEL_TOKEN: {{valueFrom: {{secretKeyRef: {{name: otel, key: token}}}}}}\n"
    "    LEVEL: {{valueFrom: {{configMapKeyRef: {{name: tuning, key: level, optional: true}}}}}}\n"
    "    PLAIN: 'yes'\n",
    "shared-volume": "registry:\n  replicas: 3\nstorage:\n  accessMode: ReadWriteMany\n  storageClassName: cephfs\n",
    "node-port": "service:\n  type: NodePort\n  nodePort: 30500\n  annotations: {{a.example/b: c}}\n",
    "registry-3": "registry:\n  image: registry:3.0.0\n  blobDescriptorCache: none\n  headers: {{}}\n",
    "no-health-no-limits": "registry:\n  healthCheck:\n    storageDriver: {{enabled: false}}\n"
    "  resources:\n    requests: {{cpu: '1', memory: 1Gi}}\n    limits: {{}}\n",
    "swift-ha-front": "storage:\n  driver: swift\n  username: u:s\n  container: c-{name}\n  credentials: generate\n"
    "radosgw:\n  hosts: [10.0.0.1, 'fd00::2']\n  legacyEndpoints: true\n",
    "s3-ingress-proxy": "storage:\n  driver: s3\n  bucket: b-{name}\n  regionendpoint: http://rgw:7480\n"
    "  credentials: generate\ningress:\n  host: r.example.com\nnodeProxy:\n  enabled: true\n  hostPort: 5002\n",
    "smoke-test": "auth:\n  htpasswd:\n    users: [p]\n    generateMissingPasswords: true\n"
    "pullSecrets:\n  user: p\n  namespaces: [{name}-apps, {name}-ci]\nsmokeTest:\n  enabled: true\n",
    "operations": "storage:\n  driver: swift\n  username: u:s\n  container: c-{name}\n  credentials: generate\n"
    "radosgw:\n  hosts: [10.0.0.1]\navailability:\n  podDisruptionBudget: {{enabled: true}}\n"
    "  autoscaling: {{enabled: true, minReplicas: 2, maxReplicas: 5}}\n"
    "scheduling:\n  antiAffinity: required\n  topologySpread: true\n  priorityClassName: infra\n"
    "  nodeSelector: {{node-role/infra: 'true'}}\n"
    "  tolerations: [{{key: infra, operator: Exists, effect: NoSchedule}}]\n"
    "metrics:\n  enabled: true\n  serviceMonitor: true\n  prometheusRule: true\n"
    "  labels: {{release: prom}}\nnetworkPolicy:\n  enabled: true\n"
    "extras:\n  env: {{GOMAXPROCS: '2'}}\n  podAnnotations: {{team.example/owner: platform}}\n"
    "  podLabels: {{team: platform}}\n"
    "  volumes: [{{name: hooks-ca, mountPath: /etc/hooks, configMap: hooks-ca}}]\n",
    "cache-redis-hooks": "registry:\n  image: registry:3.0.0\n  blobDescriptorCache: redis\n  logFormatter: json\n"
    "proxy:\n  remoteurl: https://registry-1.docker.io\n  ttl: 72h\n"
    "redis:\n  addr: redis.cache.svc:6379\n"
    "notifications:\n  - name: audit\n    url: https://hooks.example/events\n"
    "    ignoredActions: [pull]\nuploadPurging:\n  age: 24h\n",
}
CUSTOM_RESOURCES = (
    "monitoring.coreos.com/",
    "cert-manager.io/",
)  # checked against their published CRDs in test_contract


def _build_and_compare(root: Path, name: str) -> list[dict]:
    [env] = Compiler(root).load([root / "environments" / f"{name}.yaml"])
    plan = plan_for(env.name, env.spec)
    now = datetime.datetime.now(datetime.UTC)
    secrets = SecretStage(disk_world(root), plan, now, may_decrypt=False).run()
    assert not secrets.unresolved
    built = kustomize(root / "overlays" / name)
    assert by_identity(built) == by_identity(expected_objects(plan, secrets))
    return built


@pytest.mark.parametrize("name", [p.stem for p in EXAMPLE_SPECS])
def test_example_overlay_builds_into_its_render(built: Path, name: str):
    _build_and_compare(built, name)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_overlay_builds_into_its_render(repo: Path, variant: str):
    write_spec(repo, "variant", "namespace: variant\n" + VARIANTS[variant].format(name="variant"))
    assert run_regc("build", cwd=repo).code == 0
    _build_and_compare(repo, "variant")


@pytest.fixture(scope="module")
def variant_objects(tmp_path_factory) -> list[dict]:
    """Every object of every variant's overlay, as the real kustomize builds it and sops decrypts it:
    built once for the versions below."""
    repo = tmp_path_factory.mktemp("variants")
    shutil.copytree(EXAMPLES, repo / "environments")
    shutil.copy(REPO / ".sops.yaml", repo / ".sops.yaml")
    for index, variant in enumerate(sorted(VARIANTS)):
        write_spec(repo, f"v{index}", f"namespace: v{index}\n" + VARIANTS[variant].format(name=f"v{index}"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOPS_AGE_KEY_FILE", str(TEST_KEY))
        assert run_regc("build", cwd=repo).code == 0
        return [
            decrypt_object(obj)
            for overlay in sorted((repo / "overlays").iterdir())
            for obj in kustomize(overlay)
            if not obj["apiVersion"].startswith(CUSTOM_RESOURCES)
        ]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_passes_the_kubernetes_schemas(variant_objects: list[dict], version: str):
    for obj in variant_objects:
        kubernetes_validate.validate(obj, version, strict=True)
    assert len(variant_objects) >= 5 * (len(VARIANTS) + 2)


def test_schema_validation_would_catch_a_bad_object():
    """The validator really is strict: an unknown field and a wrong type fail."""
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"portz": []}},
            "1.37",
            strict=True,
        )


def test_registry_3_reads_config_from_etc_distribution(repo: Path):
    write_spec(repo, "v3", "namespace: v3\nregistry:\n  image: registry:3.0.0\n")
    assert run_regc("build", cwd=repo).code == 0
    deployment = next(o for o in kustomize(repo / "overlays" / "v3") if o["kind"] == "Deployment")
    mounts = deployment["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert {"name": "config", "mountPath": "/etc/distribution", "readOnly": True} in mounts
