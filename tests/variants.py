"""The variant specs of the tests (one feature set each), built once per session in one repository
beside the examples, each overlay rendered by the real kustomize once and its Secrets decrypted by
the real sops once: read by the kustomize, schema, CRD and pod-security tests."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO, TEST_KEY, decrypt_object, kustomize, run_regc, write_spec

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
    "radosgw:\n  hosts: [10.0.0.1, 'fd00::2']\n  front: endpoints\n  legacyEndpoints: true\n",
    "s3-ingress-proxy": "storage:\n  driver: s3\n  bucket: b-{name}\n  regionendpoint: http://rgw:7480\n"
    "  credentials: generate\ningress:\n  host: r.example.com\nnodeProxy:\n  enabled: true\n  hostPort: 5002\n",
    "smoke-test": "auth:\n  htpasswd:\n    users: [p]\n    generateMissingPasswords: true\n"
    "pullSecrets:\n  user: p\n  namespaces: [{name}-apps, {name}-ci]\nsmokeTest:\n  enabled: true\n",
    "operations": "storage:\n  driver: swift\n  username: u:s\n  container: c-{name}\n  credentials: generate\n"
    "radosgw:\n  hosts: [10.0.0.1]\navailability:\n  podDisruptionBudget: {{enabled: true}}\n"
    "  autoscaling: {{enabled: true, minReplicas: 2, maxReplicas: 5}}\n"
    "scheduling:\n  antiAffinity: required\n  nodes: 5\n  topologySpread: true\n  priorityClassName: infra\n"
    "  nodeSelector: {{node-role/infra: 'true'}}\n"
    "  tolerations: [{{key: infra, operator: Exists, effect: NoSchedule}}]\n"
    "metrics:\n  enabled: true\n  serviceMonitor: true\n  prometheusRule: true\n"
    "  labels: {{release: prom}}\nnetworkPolicy:\n  enabled: true\n"
    "extras:\n  env: {{GOMAXPROCS: '2'}}\n  podAnnotations: {{team.example/owner: platform}}\n"
    "  podLabels: {{team: platform}}\n"
    "  volumes: [{{name: hooks-ca, mountPath: /etc/hooks, configMap: hooks-ca}}]\n",
    "secret-store": "secretStore:\n  name: vault\n  key: registry/{name}\n  refreshInterval: 30m\n"
    "tls:\n  certificate: provided\nstorage:\n  driver: s3\n  bucket: b-{name}\n  regionendpoint: http://rgw:7480\n"
    "auth:\n  htpasswd:\n    users: [p, q]\npullSecrets:\n  user: p\n  namespaces: [{name}-apps]\n"
    "smokeTest:\n  enabled: true\nregistry:\n  image: registry:3.0.0\n",
    "cache-redis-hooks": "registry:\n  image: registry:3.0.0\n  blobDescriptorCache: redis\n  logFormatter: json\n"
    "proxy:\n  remoteurl: https://registry-1.docker.io\n  ttl: 72h\n"
    "redis:\n  addr: redis.cache.svc:6379\n"
    "notifications:\n  - name: audit\n    url: https://hooks.example/events\n"
    "    ignoredActions: [pull]\nuploadPurging:\n  age: 24h\n",
}

GITOPS_VARIANTS = {
    "flux-tag": "gitops:\n  engine: flux\n  repoURL: git@github.com:org/repo.git\n  revision: v1.2.3\n"
    "  revisionKind: tag\n  path: ./clusters/x/\n  interval: 1h30m\n",
    "flux-commit": "gitops:\n  engine: flux\n  repoURL: ssh://git@git.example:2222/r.git\n"
    "  revision: 0123456789abcdef0123456789abcdef01234567\n  interval: 500ms\n",
    "flux-semver": "gitops:\n  engine: flux\n  repoURL: http://git.example/r\n  revision: '>=1.0.0 <2.0.0'\n"
    "  revisionKind: semver\n",
    "argocd": "gitops:\n  engine: argocd\n  repoURL: git@gitlab.example:team/r.git\n  revision: HEAD\n",
    "argocd-named": "gitops:\n  engine: argocd\n  repoURL: https://git.example/r.git\n  destinationName: edge-{name}\n",
    "flux-remote": "gitops:\n  engine: flux\n  repoURL: https://git.example/r.git\n"
    "  kubeConfig: {{name: edge-{name}-kubeconfig}}\n",
    "argocd-set": "gitops:\n  engine: argocd\n  applicationSet: true\n"
    "  repoURL: https://github.com/example/registry-gitops.git\n",
    "monitoring": "metrics:\n  enabled: true\n  serviceMonitor: true\n  prometheusRule: true\n  interval: 1m30s\n",
}


def environment(variant: str) -> str:
    """The environment (and namespace) of a variant in the shared repository."""
    return f"v-{variant}"


@dataclass
class Built:
    """The examples and every variant, compiled in `root`; objects rendered on first use, then kept."""

    root: Path
    _rendered: dict[str, list[dict]] = field(default_factory=dict)
    _decrypted: dict[str, list[dict]] = field(default_factory=dict)

    def objects(self, env: str) -> list[dict]:
        """The objects `kubectl kustomize overlays/ENV` builds (Secrets encrypted)."""
        if env not in self._rendered:
            self._rendered[env] = kustomize(self.root / "overlays" / env)
        return self._rendered[env]

    def decrypted(self, env: str) -> list[dict]:
        """The same objects with each Secret decrypted by the real sops, as Flux or KSOPS would."""
        if env not in self._decrypted:
            self._decrypted[env] = [decrypt_object(obj) for obj in self.objects(env)]
        return self._decrypted[env]

    def overlays(self) -> list[str]:
        return sorted(p.name for p in (self.root / "overlays").iterdir())


def build_variants(root: Path) -> Built:
    shutil.copytree(EXAMPLES, root / "environments")
    shutil.copy(REPO / ".sops.yaml", root / ".sops.yaml")
    for variant, body in {**VARIANTS, **GITOPS_VARIANTS}.items():
        env = environment(variant)
        write_spec(root, env, f"namespace: {env}\n" + body.format(name=env))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOPS_AGE_KEY_FILE", str(TEST_KEY))
        result = run_regc("build", cwd=root)
    assert result.code == 0, result.stderr
    (root / ".regc.lock").unlink(missing_ok=True)
    return Built(root)
