"""Clusters as they are: the registry's ServiceAccount for a cloud's workload identity, images
pulled from a private mirror by every pod regc emits, node affinity, variables from the cluster's
own Secrets, ConfigMaps and the pod itself, and the Service, availability, alert and Ingress knobs
of the community chart."""

from __future__ import annotations

import json

import pytest

from tests.memory import MemoryRepo
from tests.test_operations import build, one, refused
from tests.variants import VARIANTS


def _pod_templates(objects: list[dict]) -> dict[str, dict]:
    return {
        f"{o['kind']}/{o['metadata']['name']}": o["spec"]["template"]["spec"]
        for o in objects
        if o["kind"] in ("Deployment", "DaemonSet", "Job")
    }


def test_service_account_name_and_annotations_reach_the_pods(memory: MemoryRepo):
    objects = build(memory, "cloud", VARIANTS["identity-images"])
    account = one(objects, "ServiceAccount")
    assert account["metadata"]["name"] == "registry-cloud"
    assert account["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/registry"
    }
    assert account["automountServiceAccountToken"] is False
    assert one(objects, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == "registry-cloud"


def test_every_pod_pulls_with_the_mirror_secret_and_policy(memory: MemoryRepo):
    pods = _pod_templates(build(memory, "mirrored", VARIANTS["identity-images"]))
    assert {name.split("/")[0] for name in pods} == {"Deployment", "DaemonSet", "Job"}
    for name, pod in pods.items():
        assert pod["imagePullSecrets"] == [{"name": "mirror-credentials"}], name
        assert {c["imagePullPolicy"] for c in pod["containers"]} == {"Always"}, name


def test_the_defaults_pull_if_not_present_with_no_secret(memory: MemoryRepo):
    body = VARIANTS["identity-images"].split("auth:")[1]
    pods = _pod_templates(build(memory, "plain", "auth:" + body))
    for name, pod in pods.items():
        assert "imagePullSecrets" not in pod, name
        assert {c["imagePullPolicy"] for c in pod["containers"]} == {"IfNotPresent"}, name


OWN_SECRET = (
    "auth:\n  htpasswd:\n    users: [p]\n    generateMissingPasswords: true\n"
    "pullSecrets:\n  name: regcred\n  user: p\n  namespaces: [{namespaces}]\n"
    "imagePullSecrets: [regcred]\n"
)


def test_the_environments_own_pull_secret_must_exist_in_its_namespace(memory: MemoryRepo):
    message = refused(memory, OWN_SECRET.format(namespaces="apps"))
    assert "environments/bad.yaml:" in message
    assert "imagePullSecrets[0]: 'regcred' is this environment's pull secret, which exists only in apps" in message
    assert "add bad to pullSecrets.namespaces" in message
    memory.remove_spec("bad")
    objects = build(memory, "good", OWN_SECRET.format(namespaces="apps, good"))
    assert one(objects, "Deployment")["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "regcred"}]
    assert any(
        o["kind"] == "Secret" and o["metadata"]["name"] == "regcred" and o["metadata"].get("namespace") == "good"
        for o in objects
    )


def test_bad_names_are_located_errors(memory: MemoryRepo):
    message = refused(memory, "imagePullSecrets: [Not_A_Name]\nserviceAccount:\n  name: -x\n")
    assert "imagePullSecrets[0]" in message and "serviceAccount.name" in message
    message = refused(memory, "imagePullPolicy: Sometimes\n")
    assert "imagePullPolicy: must be 'IfNotPresent', 'Always' or 'Never'" in message


def test_node_affinity_stands_beside_the_anti_affinity_preset(memory: MemoryRepo):
    pod = one(build(memory, "placed", VARIANTS["affinity-env"]), "Deployment")["spec"]["template"]["spec"]
    nodes = pod["affinity"]["nodeAffinity"]
    assert nodes["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "node-role/registry", "operator": "Exists"}]}]
    }
    assert nodes["preferredDuringSchedulingIgnoredDuringExecution"] == [
        {
            "weight": 50,
            "preference": {
                "matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["a", "b"]}]
            },
        }
    ]
    assert "requiredDuringSchedulingIgnoredDuringExecution" in pod["affinity"]["podAntiAffinity"]


def test_variables_come_from_secrets_configmaps_and_the_pod(memory: MemoryRepo):
    pod = one(build(memory, "sourced", VARIANTS["affinity-env"]), "Deployment")["spec"]["template"]["spec"]
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    assert env["POD_NAME"] == {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}
    assert env["OTEL_TOKEN"]["valueFrom"] == {"secretKeyRef": {"name": "otel", "key": "token"}}
    assert env["LEVEL"]["valueFrom"] == {"configMapKeyRef": {"name": "tuning", "key": "level", "optional": True}}
    assert env["PLAIN"] == {"name": "PLAIN", "value": "yes"}


SCHEDULING_AND_VARIABLES = [
    (
        "scheduling:\n  nodeAffinity:\n    required:\n      - matchExpressions: [{{key: a, operator: In}}]\n",
        "scheduling.nodeAffinity.required[0].matchExpressions[0].values: In takes at least one value",
    ),
    (
        "scheduling:\n  nodeAffinity:\n    preferred:\n      - weight: 1\n        preference:\n"
        "          matchExpressions: [{{key: a, operator: Exists, values: [x]}}]\n",
        "scheduling.nodeAffinity.preferred[0].preference.matchExpressions[0].values: Exists takes no values",
    ),
    (
        "scheduling:\n  nodeAffinity:\n    required:\n"
        "      - matchExpressions: [{{key: a, operator: Gt, values: [x]}}]\n",
        "Gt takes exactly one integer",
    ),
    (
        "extras:\n  env:\n    X: {{valueFrom: {{fieldRef: {{fieldPath: metadata.name}}, "
        "secretKeyRef: {{name: s, key: k}}}}}}\n",
        "extras.env.X.valueFrom: give exactly one of secretKeyRef, configMapKeyRef and fieldRef, "
        "not secretKeyRef and fieldRef",
    ),
    (
        "extras:\n  env:\n    X: {{valueFrom: {{fieldRef: {{fieldPath: spec.containers}}}}}}\n",
        "extras.env.X.valueFrom.fieldRef.fieldPath: 'spec.containers' is not a field",
    ),
    (
        "extras:\n  env:\n    REGISTRY_HTTP_SECRET: {{valueFrom: {{secretKeyRef: {{name: s, key: k}}}}}}\n",
        "extras.env.REGISTRY_HTTP_SECRET: regc sets this variable",
    ),
]


def test_service_availability_alerts_and_ingress_knobs(memory: MemoryRepo):
    objects = build(memory, "knobs", VARIANTS["service-availability"])
    service = one(objects, "Service", "registry")
    assert service["spec"]["loadBalancerIP"] == "192.0.2.10"
    assert service["spec"]["loadBalancerSourceRanges"] == ["10.0.0.0/8", "fd00::/8"]
    assert service["spec"]["externalTrafficPolicy"] == "Local"
    assert service["metadata"]["labels"]["exposure"] == "public"
    assert one(objects, "PodDisruptionBudget")["spec"]["minAvailable"] == 2
    assert "maxUnavailable" not in one(objects, "PodDisruptionBudget")["spec"]
    scaler = one(objects, "HorizontalPodAutoscaler")["spec"]
    assert [m["resource"]["name"] for m in scaler["metrics"]] == ["cpu", "memory"]
    assert scaler["metrics"][1]["resource"]["target"] == {"type": "Utilization", "averageUtilization": 80}
    assert scaler["behavior"] == {
        "scaleDown": {
            "stabilizationWindowSeconds": 600,
            "policies": [{"type": "Pods", "value": 1, "periodSeconds": 120}],
        },
        "scaleUp": {"selectPolicy": "Max"},
    }
    rules = one(objects, "PrometheusRule")["spec"]["groups"][0]["rules"]
    assert rules[-1] == {
        "alert": "RegistrySlowPushes",
        "expr": "histogram_quantile(0.9, rate(x[5m])) > 5",
        "for": "15m",
        "labels": {"severity": "warning"},
        "annotations": {"summary": "Pushes are slow."},
    }
    ingress = one(objects, "Ingress")["spec"]
    assert [r["host"] for r in ingress["rules"]] == ["r.knobs.example.com", "registry.knobs.example.com"]
    assert {p["path"] for r in ingress["rules"] for p in r["http"]["paths"]} == {"/v2"}
    assert ingress["tls"][0]["hosts"] == ["r.knobs.example.com", "registry.knobs.example.com"]


KNOBS = [
    ("service:\n  loadBalancerIP: 192.0.2.1\n", "service.loadBalancerIP: only a LoadBalancer Service has it"),
    ("service:\n  type: NodePort\n  loadBalancerSourceRanges: [10.0.0.0/8]\n", "not a NodePort"),
    ("service:\n  loadBalancerSourceRanges: [10.0.0.300/8]\n", "is not an IPv4 or IPv6 network"),
    ("service:\n  externalTrafficPolicy: Local\n", "a ClusterIP Service has no external traffic"),
    ("service:\n  labels: {{app.kubernetes.io/name: x}}\n", "the app.kubernetes.io/ labels are regc's"),
    (
        "storage: {{accessMode: ReadWriteMany}}\nregistry: {{replicas: 2}}\n"
        "availability:\n  podDisruptionBudget: {{enabled: true, minAvailable: 2}}\n",
        "minAvailable: 2 of 2 pods must stay up",
    ),
    (
        "storage: {{accessMode: ReadWriteMany}}\nregistry: {{replicas: 3}}\n"
        "availability:\n  podDisruptionBudget: {{enabled: true, minAvailable: 1, maxUnavailable: 1}}\n",
        "minAvailable and maxUnavailable together",
    ),
    (
        "storage: {{accessMode: ReadWriteMany}}\nregistry:\n  resources: {{requests: {{cpu: 100m}}}}\n"
        "availability:\n  autoscaling: {{enabled: true, targetMemoryUtilization: 80}}\n",
        "targetMemoryUtilization: a percentage of the memory request, but the registry has none",
    ),
    ("metrics:\n  extraRules: [{{alert: A, expr: up}}]\n", "metrics.extraRules: no PrometheusRule holds them"),
    (
        "metrics:\n  enabled: true\n  prometheusRule: true\n"
        "  extraRules: [{{alert: RegistryHighErrorRate, expr: up}}]\n",
        "'RegistryHighErrorRate' is one of regc's alerts",
    ),
    ("ingress:\n  host: r.example.com\n  path: /registry\n", "ingress.path: must be '/' or '/v2'"),
]


def test_cert_manager_issues_the_registry_certificate_and_regc_seals_no_tls_secret(memory: MemoryRepo):
    objects = build(memory, "acme", VARIANTS["cert-manager"])
    certificate = one(objects, "Certificate")
    assert certificate["apiVersion"] == "cert-manager.io/v1"
    spec = certificate["spec"]
    assert spec["secretName"] == "registry-tls"
    assert spec["issuerRef"] == {"name": "registry-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"}
    assert spec["dnsNames"] == [
        "registry.acme.svc",
        "registry.acme.svc.cluster.local",
        "r.acme.example.com",
        "localhost",
    ]
    assert spec["ipAddresses"] == ["127.0.0.1"]
    assert (spec["duration"], spec["renewBefore"]) == ("2160h", "360h")
    assert spec["privateKey"] == {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"}
    assert not any(o["kind"] == "Secret" and o["metadata"]["name"] == "registry-tls" for o in objects)
    assert not {"overlays/acme/ca.crt", "overlays/acme/secret-registry-tls.yaml"} & set(memory.tree())
    deployment = one(objects, "Deployment")
    assert deployment["metadata"]["annotations"] == {"secret.reloader.stakater.com/reload": "registry-tls"}
    pod = deployment["spec"]["template"]["spec"]
    assert {"name": "tls", "secret": {"secretName": "registry-tls", "defaultMode": 0o440}} in pod["volumes"]
    assert pod["containers"][0]["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"
    ingress = one(objects, "Ingress")
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/backend-protocol"] == "HTTPS"


def test_the_smoke_test_trusts_a_named_ca_bundle(memory: MemoryRepo):
    body = VARIANTS["cert-manager"].replace(
        "    renewBefore: 360h\n", "    renewBefore: 360h\n    caBundle: {{configMap: corp-ca, key: bundle.pem}}\n"
    )
    job = one(build(memory, "bundled", body), "Job")
    volumes = {v["name"]: v for v in job["spec"]["template"]["spec"]["volumes"]}
    assert volumes["ca"] == {
        "name": "ca",
        "configMap": {"name": "corp-ca", "items": [{"key": "bundle.pem", "path": "ca.crt"}]},
    }


CERT_MANAGER = [
    (
        "tls:\n  certificate: cert-manager\n",
        "tls.certificate: cert-manager, but no tls.certManager names the issuer",
    ),
    ("tls:\n  certManager: {{issuer: ca}}\n", "tls.certManager: set, but tls.certificate is generate"),
    (
        "tls:\n  enabled: false\n  certificate: cert-manager\n  certManager: {{issuer: ca}}\ninsecure: true\n",
        "tls.certificate: cert-manager, but TLS is off",
    ),
    (
        "tls:\n  certificate: cert-manager\n  certManager: {{issuer: ca, duration: 30m}}\n",
        "tls.certManager.duration: shorter than 1h",
    ),
    (
        "tls:\n  certificate: cert-manager\n  certManager: {{issuer: ca, duration: 24h, renewBefore: 48h}}\n",
        "tls.certManager.renewBefore: at least 5m, and shorter than the certificate's lifetime (24h)",
    ),
]


def test_values_from_secrets_of_yours_are_referenced_never_written(memory: MemoryRepo):
    objects = build(memory, "byo", VARIANTS["references"])
    written = [n.removeprefix("overlays/byo/") for n in memory.tree() if n.startswith("overlays/byo/secret-")]
    assert written == ["secret-registry-tls.yaml"]  # regc's own
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "Secret"] == ["registry-tls"]
    deployment = one(objects, "Deployment")
    env = {
        e["name"]: e.get("valueFrom", {}).get("secretKeyRef")
        for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["REGISTRY_HTTP_SECRET"] == {"name": "registry-shared", "key": "http-secret"}
    assert env["REGISTRY_STORAGE_S3_ACCESSKEY"] == {"name": "registry-bucket", "key": "AWS_ACCESS_KEY_ID"}
    assert env["REGISTRY_STORAGE_S3_SECRETKEY"] == {"name": "registry-bucket", "key": "AWS_SECRET_ACCESS_KEY"}
    assert env["REGISTRY_PROXY_USERNAME"] == {"name": "hub-login", "key": "username"}
    assert env["REGISTRY_PROXY_PASSWORD"] == {"name": "hub-login", "key": "password"}
    assert env["REGISTRY_REDIS_PASSWORD"] == {"name": "redis-auth", "key": "password"}
    assert env["REGC_NOTIFICATION_AUDIT__AUTHORIZATION"] == {"name": "audit-hook", "key": "token"}
    # The endpoint list is in clear and names the header's variable, which the kubelet expands (it
    # must come after that variable); a literal `$` is doubled, Kubernetes' escape.
    variables = [e["name"] for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]]
    listed = variables.index("REGISTRY_NOTIFICATIONS_ENDPOINTS")
    assert listed > variables.index("REGC_NOTIFICATION_AUDIT__AUTHORIZATION")
    value = deployment["spec"]["template"]["spec"]["containers"][0]["env"][listed]["value"]
    audit, plain = json.loads(value)
    assert audit["headers"] == {"Authorization": ["$(REGC_NOTIFICATION_AUDIT__AUTHORIZATION)"], "X-Source": ["regc"]}
    assert audit["url"] == "https://hooks.example/events?cost=$$5" and plain["headers"] == {}
    assert "notifications" not in one(objects, "ConfigMap")["data"]["config.yml"]
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["htpasswd"]["secret"]["secretName"] == "registry-users"
    assert volumes["htpasswd"]["secret"]["items"] == [{"key": "htpasswd", "path": "htpasswd"}]
    reload = "secret.reloader.stakater.com/reload"
    assert deployment["metadata"]["annotations"] == {
        reload: "audit-hook,hub-login,redis-auth,registry-bucket,registry-shared,registry-users"
    }


def test_check_and_rgw_commands_name_the_secrets_of_yours(memory: MemoryRepo):
    memory.write_spec("byo", "namespace: byo\n" + VARIANTS["references"].format(name="byo"))
    assert memory.run("build").code == 0
    checked = memory.run("check")
    assert checked.code == 0, checked.stderr
    assert "note: byo reads the s3 credentials from the Secret registry-bucket" in checked.stdout
    assert "note: byo reads the htpasswd file from the Secret registry-users" in checked.stdout
    assert "note: byo reads the HTTP secret from the Secret registry-shared" in checked.stdout
    assert "note: byo reads the Redis password from the Secret redis-auth" in checked.stdout
    assert "note: byo reads the Authorization header of notification endpoint audit from the Secret audit-hook" in (
        checked.stdout
    )
    rgw = memory.run("rgw-commands", "byo")
    assert rgw.code == 1 and "reads its s3 credentials from the Secret 'registry-bucket'" in rgw.stderr


REFERENCES = [
    (
        "storage:\n  driver: s3\n  bucket: bkt\n  regionendpoint: http://rgw:7480\n  credentials: secret\n",
        "storage.credentials: secret, but no storage.credentialsSecret names the Secret",
    ),
    (
        "storage:\n  driver: s3\n  bucket: bkt\n  regionendpoint: http://rgw:7480\n  credentialsSecret: {{name: x}}\n",
        "storage.credentialsSecret: set, but storage.credentials is provided",
    ),
    (
        "proxy:\n  remoteurl: https://r.example\n  credentials: true\n  credentialsSecret: {{name: l}}\n",
        "proxy.credentialsSecret: with proxy.credentials: true, which reads the secrets file",
    ),
    (
        "registry: {{blobDescriptorCache: redis}}\n"
        "redis:\n  addr: r:6379\n  password: true\n  passwordSecret: {{name: r, key: p}}\n",
        "redis.passwordSecret: with redis.password: true, which reads the secrets file",
    ),
    (
        "auth:\n  htpasswd:\n    users: [a]\n    secretRef: {{name: u, key: htpasswd}}\n",
        "auth.htpasswd.users: the users are those of the referenced htpasswd Secret",
    ),
    (
        "auth:\n  htpasswd:\n    secretRef: {{name: u, key: htpasswd}}\n"
        "pullSecrets:\n  user: a\n  namespaces: [apps]\n",
        "pullSecrets: a pull secret holds a user's password",
    ),
]


HEADERS = [
    (
        "notifications:\n  - name: a\n    url: https://h/e\n    headers: {{Authorization: x}}\n"
        "    headerSecrets: {{Authorization: {{name: s, key: k}}}}\n",
        "notifications.a: header 'Authorization' is also given in `headers` or `secretHeaders`",
    ),
    (
        "notifications:\n  - name: a\n    url: https://h/e\n    secretHeaders: [X-A]\n"
        "  - name: b\n    url: https://h/f\n    headerSecrets: {{X-B: {{name: s, key: k}}}}\n",
        "notifications.b.headerSecrets: cannot be combined with `secretHeaders` in one environment",
    ),
    (
        "notifications:\n  - name: a\n    url: https://h/e\n"
        "    headerSecrets: {{X-Token: {{name: s, key: k}}, X_Token: {{name: s, key: l}}}}\n",
        "its variable REGC_NOTIFICATION_A__X_TOKEN is also that of a.X-Token",
    ),
    (
        "notifications:\n  - name: a\n    url: https://h/e\n    headerSecrets: {{X-B: {{name: s, key: k}}}}\n"
        "extras:\n  env:\n    REGISTRY_NOTIFICATIONS_ENDPOINTS: '[]'\n",
        "extras.env.REGISTRY_NOTIFICATIONS_ENDPOINTS: regc sets this variable",
    ),
]


FLEETS = [
    (
        "gitops:\n  engine: argocd\n  repoURL: https://g.example/r.git\n  destinationName: edge\n"
        "  destinationServer: https://edge.example:6443\n",
        "gitops.destinationName: with destinationServer too; Argo CD takes one of them",
    ),
    (
        "gitops:\n  engine: flux\n  repoURL: https://g.example/r.git\n  destinationName: edge\n",
        "gitops.destinationName: argocd's, but gitops.engine is flux",
    ),
    (
        "gitops:\n  engine: argocd\n  repoURL: https://g.example/r.git\n  kubeConfig: {{name: k}}\n",
        "gitops.kubeConfig: flux's, but gitops.engine is argocd",
    ),
]


def test_a_tls_secret_of_yours_is_mounted_and_never_written(memory: MemoryRepo):
    body = "tls:\n  certificate: secret\n  secretName: corp-registry-tls\ningress:\n  host: r.example.com\n"
    objects = build(memory, "owntls", body)
    assert not any(o["kind"] in ("Secret", "Certificate") and "tls" in o["metadata"]["name"] for o in objects)
    assert "overlays/owntls/ca.crt" not in memory.tree()
    deployment = one(objects, "Deployment")
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["tls"]["secret"]["secretName"] == "corp-registry-tls"
    assert one(objects, "Ingress")["spec"]["tls"][0]["secretName"] == "corp-registry-tls"
    assert deployment["metadata"]["annotations"] == {"secret.reloader.stakater.com/reload": "corp-registry-tls"}
    assert "tls.certificate: secret, but no tls.secretName" in refused(memory, "tls:\n  certificate: secret\n")
    assert "tls.secretName: set, but tls.certificate is generate" in refused(memory, "tls:\n  secretName: x\n")


def test_user_commands_refuse_users_kept_in_a_secret_of_yours(memory: MemoryRepo):
    memory.write_spec("theirs", "namespace: theirs\nauth:\n  htpasswd:\n    secretRef: {name: users, key: htpasswd}\n")
    assert memory.run("build", "environments/theirs.yaml").code == 0
    before = memory.read("environments/theirs.yaml"), memory.exists("environments/theirs.secrets.yaml")
    for args in (
        ("add", "theirs", "carol", "--generate"),
        ("passwd", "theirs", "carol", "--generate"),
        ("remove", "theirs", "carol"),
    ):
        result = memory.run("user", *args)
        assert result.code == 1, (args, result.stdout + result.stderr)
        assert "theirs reads its users from the Secret 'users' (auth.htpasswd.secretRef)" in result.stderr
        assert "generated password" not in result.stdout
    assert (memory.read("environments/theirs.yaml"), memory.exists("environments/theirs.secrets.yaml")) == before


@pytest.mark.parametrize(
    ("body", "message"),
    SCHEDULING_AND_VARIABLES + KNOBS + CERT_MANAGER + REFERENCES + HEADERS + FLEETS,
)
def test_contradictions_are_located_errors(memory: MemoryRepo, body: str, message: str):
    error = refused(memory, body)
    assert message in error and "environments/bad.yaml:" in error
