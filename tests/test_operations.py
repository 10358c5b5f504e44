"""The operations features of a production registry: availability, scheduling, metrics and alerts,
network policy, pull-through cache, Redis, notifications, housekeeping, escape hatches; each on
and off, each contradiction refused, and every pod template within the `restricted` Pod Security
Standard."""

from __future__ import annotations

import base64

import pytest
from ruamel.yaml import YAML

from tests.crd_schema import problems
from tests.memory import MemoryRepo
from tests.variants import VARIANTS, Built

SHARED = (
    "storage:\n  driver: swift\n  username: u:s\n  container: c-{name}\n  credentials: generate\n"
    "radosgw:\n  hosts: [10.0.0.1]\n"
)


def build(memory: MemoryRepo, name: str, body: str) -> list[dict]:
    return memory.objects(name, f"namespace: {name}\n" + body.format(name=name))


def refused(memory: MemoryRepo, body: str) -> str:
    return memory.refused("bad", "namespace: bad\n" + body.format(name="bad"))


def one(objects: list[dict], kind: str, name: str | None = None) -> dict:
    found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


def config_of(objects: list[dict]) -> dict:
    return YAML(typ="safe", pure=True).load(one(objects, "ConfigMap", "registry-config")["data"]["config.yml"])


def pod_of(objects: list[dict]) -> dict:
    return one(objects, "Deployment", "registry")["spec"]["template"]


# -- the restricted Pod Security Standard ---------------------------------------------------------

ALLOWED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}


def restricted_violations(pod: dict) -> list[str]:
    """The checks of the `restricted` profile (Kubernetes Pod Security Standards, baseline included)."""
    spec = pod["spec"]
    problems = []
    for key in ("hostNetwork", "hostPID", "hostIPC", "hostUsers"):
        if spec.get(key) and key != "hostUsers":
            problems.append(f"{key} is set")
    for volume in spec.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUMES:
            problems.append(f"volume {volume['name']} is {kinds}")
    pod_context = spec.get("securityContext", {})
    for sysctl in pod_context.get("sysctls", []):
        problems.append(f"sysctl {sysctl['name']}")
    containers = spec.get("containers", []) + spec.get("initContainers", []) + spec.get("ephemeralContainers", [])
    for container in containers:
        context = container.get("securityContext", {})
        name = container["name"]
        if context.get("privileged"):
            problems.append(f"{name}: privileged")
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation is not false")
        capabilities = context.get("capabilities", {})
        if "ALL" not in capabilities.get("drop", []):
            problems.append(f"{name}: does not drop ALL capabilities")
        if set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}: adds capabilities")
        if not (context.get("runAsNonRoot") or pod_context.get("runAsNonRoot")):
            problems.append(f"{name}: runAsNonRoot is not true")
        if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
            problems.append(f"{name}: runs as user 0")
        seccomp = (context.get("seccompProfile") or pod_context.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: seccompProfile is {seccomp}")
        for port in container.get("ports", []):
            if port.get("hostPort"):
                problems.append(f"{name}: hostPort {port['hostPort']}")
        if context.get("procMount", "Default") != "Default":
            problems.append(f"{name}: procMount")
        selinux = context.get("seLinuxOptions", {})
        if selinux.get("type") not in (None, "", "container_t", "container_init_t", "container_kvm_t"):
            problems.append(f"{name}: seLinuxOptions.type")
    return problems


def pod_templates(objects: list[dict]) -> list[tuple[str, dict]]:
    templates = []
    for obj in objects:
        spec = obj.get("spec") or {}
        if obj["kind"] == "CronJob":
            templates.append((f"CronJob/{obj['metadata']['name']}", spec["jobTemplate"]["spec"]["template"]))
        elif "template" in spec and "spec" in spec["template"]:
            templates.append((f"{obj['kind']}/{obj['metadata']['name']}", spec["template"]))
    return templates


def test_the_checker_catches_what_restricted_forbids():
    pod = {
        "spec": {
            "hostNetwork": True,
            "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
            "containers": [
                {"name": "c", "securityContext": {"privileged": True}, "ports": [{"containerPort": 80, "hostPort": 80}]}
            ],
        }
    }
    problems = " ".join(restricted_violations(pod))
    for expected in (
        "hostNetwork",
        "hostPath",
        "privileged",
        "allowPrivilegeEscalation",
        "drop ALL",
        "runAsNonRoot",
        "seccompProfile",
        "hostPort",
    ):
        assert expected in problems


@pytest.mark.xdist_group("variants")
def test_every_pod_template_meets_the_restricted_standard(variants: Built):
    checked = 0
    for overlay in variants.overlays():
        objects = variants.objects(overlay)
        namespace = one(objects, "Namespace")
        enforced = namespace["metadata"]["labels"].get("pod-security.kubernetes.io/enforce")
        for name, template in pod_templates(objects):
            problems = restricted_violations(template)
            if name == "DaemonSet/registry-node-proxy":
                # Its hostPort is the point of the node proxy: no level but privileged admits it,
                # so that namespace only audits (a warning would come back on every apply).
                container = template["spec"]["containers"][0]
                assert problems == [f"{container['name']}: hostPort {container['ports'][0]['hostPort']}"]
                assert enforced is None
                continue
            assert problems == [], f"{overlay} {name}: {problems}"
            checked += 1
        labels = namespace["metadata"]["labels"]
        if not any(name.startswith("DaemonSet/registry-node-proxy") for name, _ in pod_templates(objects)):
            assert enforced == "restricted" and labels["pod-security.kubernetes.io/warn"] == "restricted"
        assert labels["pod-security.kubernetes.io/audit"] == "restricted"
    assert checked >= len(VARIANTS) + 3


# -- features on and off --------------------------------------------------------------------------


def test_defaults_add_no_optional_object(memory: MemoryRepo):
    objects = build(memory, "plain", "")
    kinds = {o["kind"] for o in objects}
    assert not kinds & {
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "ServiceMonitor",
        "PrometheusRule",
        "NetworkPolicy",
    }
    assert one(objects, "ServiceAccount")["automountServiceAccountToken"] is False
    pod = pod_of(objects)["spec"]
    assert pod["serviceAccountName"] == "registry" and pod["automountServiceAccountToken"] is False
    assert pod["terminationGracePeriodSeconds"] == 60
    # Ten seconds of serving on while the nodes stop routing to the pod, then 45 s of draining.
    assert pod["containers"][0]["lifecycle"] == {"preStop": {"sleep": {"seconds": 10}}}
    config = config_of(objects)
    assert config["http"]["draintimeout"] == "45s" and "debug" not in config["http"]
    assert config["storage"]["maintenance"]["uploadpurging"] == {
        "enabled": True,
        "age": "168h",
        "interval": "24h",
        "dryrun": False,
    }
    assert not {"proxy", "redis", "notifications"} & set(config)


def test_availability_objects_and_the_deployment_they_shape(memory: MemoryRepo):
    objects = build(
        memory,
        "ha",
        SHARED + "availability:\n  podDisruptionBudget: {{enabled: true}}\n"
        "  autoscaling: {{enabled: true, minReplicas: 3, maxReplicas: 9, targetCpuUtilization: 60}}\n"
        "  rollingUpdate: {{maxUnavailable: 1, maxSurge: 2}}\n  terminationGracePeriodSeconds: 300\n"
        "  preStopSleepSeconds: 0\n",
    )
    budget = one(objects, "PodDisruptionBudget")
    assert budget["apiVersion"] == "policy/v1" and budget["spec"]["maxUnavailable"] == 1
    scaler = one(objects, "HorizontalPodAutoscaler")
    assert scaler["apiVersion"] == "autoscaling/v2"
    assert scaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "registry"}
    assert (scaler["spec"]["minReplicas"], scaler["spec"]["maxReplicas"]) == (3, 9)
    assert scaler["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 60
    deployment = one(objects, "Deployment", "registry")
    assert "replicas" not in deployment["spec"]  # the autoscaler owns it
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 1, "maxSurge": 2}
    assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 300
    assert "lifecycle" not in deployment["spec"]["template"]["spec"]["containers"][0]  # 0: no sleep
    assert config_of(objects)["http"]["draintimeout"] == "295s"
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert budget["spec"]["selector"]["matchLabels"] == selector


def test_scheduling_of_the_registry_pods(memory: MemoryRepo):
    objects = build(
        memory,
        "sched",
        "scheduling:\n  antiAffinity: required\n  topologySpread: true\n"
        "  priorityClassName: infra-critical\n  nodeSelector: {{disk: ssd}}\n"
        "  tolerations: [{{key: dedicated, value: registry, effect: NoSchedule}}]\n",
    )
    pod = pod_of(objects)["spec"]
    term = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert pod["topologySpreadConstraints"][0]["topologyKey"] == "topology.kubernetes.io/zone"
    assert pod["priorityClassName"] == "infra-critical" and pod["nodeSelector"] == {"disk": "ssd"}
    assert pod["tolerations"] == [
        {"key": "dedicated", "operator": "Equal", "value": "registry", "effect": "NoSchedule"}
    ]
    off = pod_of(build(memory, "loose", "scheduling:\n  antiAffinity: none\n"))["spec"]
    assert "affinity" not in off and "topologySpread" not in off


def test_required_anti_affinity_rolls_out_on_the_nodes_declared(memory: MemoryRepo):
    required = SHARED + "registry:\n  replicas: 2\nscheduling:\n  antiAffinity: required\n"

    def rolling(body: str) -> dict:
        built = build(memory, "nodes", required + body)
        return one(built, "Deployment", "registry")["spec"]["strategy"]["rollingUpdate"]

    # A spare node: the new pod starts before an old one stops, and no capacity is lost.
    assert rolling("  nodes: 3\n") == {"maxUnavailable": 0, "maxSurge": 1}
    # Every node runs a pod: a surge pod would find none, so one pod goes down at a time.
    assert rolling("  nodes: 2\n") == {"maxUnavailable": 1, "maxSurge": 0}
    # What the spec sets is kept where it can progress.
    assert rolling("  nodes: 2\navailability:\n  rollingUpdate: {{maxUnavailable: 1, maxSurge: 1}}\n") == {
        "maxUnavailable": 1,
        "maxSurge": 1,
    }
    unknown = refused(memory, required)
    assert "needs 3 nodes" in unknown and "hint: declare scheduling.nodes" in unknown
    assert "scheduling.nodes: 2 replicas never share a node" in refused(memory, required + "  nodes: 1\n")
    surge = refused(
        memory, required + "  nodes: 2\navailability:\n  rollingUpdate: {{maxUnavailable: 0, maxSurge: 1}}\n"
    )
    assert "needs 3 nodes (antiAffinity: required), and scheduling.nodes is 2" in surge
    # An autoscaler's maximum counts: five pods on four nodes leave one Pending.
    scaled = refused(memory, required + "  nodes: 4\navailability:\n  autoscaling: {{enabled: true, maxReplicas: 5}}\n")
    assert "5 replicas never share a node" in scaled


def _known(obj: dict) -> None:
    """The object passes its published CRD (tests/crds/), as the API server would check it."""
    assert problems(obj) == [], f"{obj['kind']}: {problems(obj)}"


def test_metrics_service_monitor_and_alerts(memory: MemoryRepo):
    objects = build(
        memory,
        "mon",
        "metrics:\n  enabled: true\n  port: 5101\n  serviceMonitor: true\n"
        "  prometheusRule: true\n  interval: 15s\n  labels: {{release: kube-prometheus-stack}}\n",
    )
    config = config_of(objects)
    assert config["http"]["debug"] == {"addr": ":5101", "prometheus": {"enabled": True, "path": "/metrics"}}
    container = pod_of(objects)["spec"]["containers"][0]
    assert {"name": "metrics", "containerPort": 5101, "protocol": "TCP"} in container["ports"]
    metrics = one(objects, "Service", "registry-metrics")
    assert metrics["spec"]["ports"] == [{"name": "metrics", "port": 5101, "targetPort": "metrics", "protocol": "TCP"}]
    registry = one(objects, "Service", "registry")
    assert [p["name"] for p in registry["spec"]["ports"]] == ["http"]  # debug never on the clients' Service
    monitor = one(objects, "ServiceMonitor")
    rule = one(objects, "PrometheusRule")
    for obj in (monitor, rule):
        assert obj["apiVersion"] == "monitoring.coreos.com/v1"
        assert obj["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        _known(obj)
    selected = monitor["spec"]["selector"]["matchLabels"]
    assert selected.items() <= metrics["metadata"]["labels"].items()
    assert not selected.items() <= registry["metadata"]["labels"].items()
    assert monitor["spec"]["endpoints"] == [{"port": "metrics", "path": "/metrics", "interval": "15s"}]
    alerts = {r["alert"]: r for r in rule["spec"]["groups"][0]["rules"]}
    assert set(alerts) == {"RegistryNoReadyReplicas", "RegistryHighErrorRate", "RegistryStorageUnhealthy"}
    assert 'namespace="mon"' in alerts["RegistryHighErrorRate"]["expr"]
    assert "> 0.05" in alerts["RegistryHighErrorRate"]["expr"]


def test_network_policy(memory: MemoryRepo):
    objects = build(
        memory,
        "fenced",
        SHARED + "ingress:\n  host: r.example.com\nmetrics:\n  enabled: true\n"
        "networkPolicy:\n  enabled: true\n  clientNamespaces: [ci]\n  egressCidrs: [10.9.0.0/16]\n"
        "auth:\n  htpasswd:\n    users: [p]\n    generateMissingPasswords: true\n"
        "pullSecrets:\n  user: p\n  namespaces: [team-a]\n",
    )
    policy = one(objects, "NetworkPolicy", "registry")
    spec = policy["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    clients, scrape = spec["ingress"]
    assert clients["from"][0]["namespaceSelector"]["matchExpressions"][0]["values"] == [
        "ci",
        "fenced",
        "ingress-nginx",
        "team-a",
    ]
    assert clients["ports"] == [{"protocol": "TCP", "port": 5000}]
    assert scrape["from"][0]["namespaceSelector"]["matchExpressions"][0]["values"] == ["monitoring"]
    dns, front, destinations = spec["egress"]
    assert {p["port"] for p in dns["ports"]} == {53}
    # radosgw through its front's pods, which alone reach the hosts.
    front_pods = {"app.kubernetes.io/name": "registry", "app.kubernetes.io/component": "radosgw-front"}
    assert front == {"to": [{"podSelector": {"matchLabels": front_pods}}], "ports": [{"protocol": "TCP", "port": 7480}]}
    assert destinations["to"] == [{"ipBlock": {"cidr": "10.9.0.0/16"}}]
    fence = one(objects, "NetworkPolicy", "radosgw-front")["spec"]
    assert fence["podSelector"]["matchLabels"] == front_pods
    registry_pods = one(objects, "Deployment", "registry")["spec"]["selector"]["matchLabels"]
    assert fence["ingress"][0]["from"] == [{"podSelector": {"matchLabels": registry_pods}}]
    assert fence["egress"] == [
        {"to": [{"ipBlock": {"cidr": "10.0.0.1/32"}}], "ports": [{"protocol": "TCP", "port": 7480}]}
    ]
    assert {o["metadata"]["name"] for o in objects if o["kind"] == "NetworkPolicy"} == {"registry", "radosgw-front"}
    # The guide's front: the registry reaches the hosts itself.
    guide = build(memory, "fenced", SHARED + "  front: endpoints\nnetworkPolicy:\n  enabled: true\n")
    assert one(guide, "NetworkPolicy", "registry")["spec"]["egress"][1] == {
        "to": [{"ipBlock": {"cidr": "10.0.0.1/32"}}]
    }
    assert [o["metadata"]["name"] for o in guide if o["kind"] == "NetworkPolicy"] == ["registry"]


def test_the_smoke_test_is_fenced_too(memory: MemoryRepo):
    objects = build(
        memory,
        "fenced",
        "networkPolicy:\n  enabled: true\nsmokeTest:\n  enabled: true\n"
        "auth:\n  htpasswd:\n    users: [p]\n    generateMissingPasswords: true\n"
        "pullSecrets:\n  user: p\n  namespaces: [team-a]\n",
    )
    policy = one(objects, "NetworkPolicy", "registry-smoke-test")["spec"]
    job = one(objects, "Job")["spec"]["template"]
    assert policy["podSelector"]["matchLabels"].items() <= job["metadata"]["labels"].items()
    registry = pod_of(objects)["metadata"]["labels"]
    assert policy["ingress"] == [] and policy["policyTypes"] == ["Ingress", "Egress"]
    dns, out = policy["egress"]
    assert {p["port"] for p in dns["ports"]} == {53}
    assert out["ports"] == [{"protocol": "TCP", "port": 5000}]
    assert out["to"][0]["podSelector"]["matchLabels"].items() <= registry.items()


def test_pull_through_cache_config_has_no_credential(memory: MemoryRepo):
    objects = build(
        memory,
        "mirror",
        "registry:\n  image: registry:3.0.0\nproxy:\n  remoteurl: https://registry-1.docker.io\n  ttl: 72h\n",
    )
    assert config_of(objects)["proxy"] == {"remoteurl": "https://registry-1.docker.io", "ttl": "72h"}
    assert not [o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == "registry-credentials"]


def test_redis_cache_and_notifications_in_clear(memory: MemoryRepo):
    objects = build(
        memory,
        "cached",
        "registry:\n  blobDescriptorCache: redis\n  logFormatter: json\n"
        "redis:\n  addr: redis.cache.svc:6379\n  db: 2\n"
        "notifications:\n  - name: audit\n    url: https://hooks.example/events\n"
        "    headers: {{X-Source: regc}}\n    ignoredActions: [pull]\n",
    )
    config = config_of(objects)
    assert config["storage"]["cache"] == {"blobdescriptor": "redis"}
    assert config["redis"]["addr"] == "redis.cache.svc:6379" and config["redis"]["db"] == 2
    assert "password" not in config["redis"]
    assert config["log"]["formatter"] == "json"
    [endpoint] = config["notifications"]["endpoints"]
    assert endpoint["headers"] == {"X-Source": ["regc"]} and endpoint["ignore"] == {"actions": ["pull"]}


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "availability:\n  rollingUpdate: {{maxSurge: 2}}\n",
            "availability.rollingUpdate: a ReadWriteOnce volume cannot be rolled",
        ),
        (
            "availability:\n  autoscaling: {{enabled: true}}\n",
            "availability.autoscaling: more than one pod on a ReadWriteOnce volume",
        ),
        (
            SHARED + "availability:\n  autoscaling: {{enabled: true, minReplicas: 5, maxReplicas: 2}}\n",
            "minReplicas: greater than maxReplicas",
        ),
        (
            "availability:\n  podDisruptionBudget: {{enabled: true}}\n",
            "availability.podDisruptionBudget: with one replica it protects nothing",
        ),
        (
            "proxy:\n  remoteurl: https://registry-1.docker.io\n  ttl: 24h\n",
            "proxy.ttl: registry 2.x has no such setting",
        ),
        ("proxy:\n  remoteurl: not a url\n", "proxy.remoteurl"),
        ("registry:\n  blobDescriptorCache: redis\n", "registry.blobDescriptorCache: redis, but there is no `redis`"),
        ("redis:\n  addr: r:6379\n", "redis: the registry uses Redis only for the blob descriptor cache"),
        (
            "notifications:\n  - {{name: a, url: 'http://h/e'}}\n  - {{name: a, url: 'http://h/f'}}\n",
            "the endpoint name 'a' is used twice",
        ),
        (
            "networkPolicy:\n  enabled: true\nproxy:\n  remoteurl: https://registry-1.docker.io\n",
            "which the policy would block (a pull-through cache that cannot reach its upstream does not start",
        ),
        ("extras:\n  env: {{REGISTRY_HTTP_SECRET: x}}\n", "extras.env.REGISTRY_HTTP_SECRET: regc sets this variable"),
        (
            "extras:\n  env: {{REGISTRY_LOG_LEVEL: debug}}\n",
            "extras.env.REGISTRY_LOG_LEVEL: would override config.yml key `log.level`",
        ),
        (
            "extras:\n  config: {{http: {{addr: ':6000'}}}}\n  configOverrides: [http.addr]\n",
            "extras.config: sets config.yml key `http.addr`, from which regc derives other objects",
        ),
        # TLS served through the escape hatches would leave the probes on HTTP: refused, naming tls.*
        (
            "tls:\n  enabled: false\nextras:\n"
            "  config: {{http: {{tls: {{certificate: /cm/tls.crt, key: /cm/tls.key}}}}}}\n"
            "  configOverrides: [http.tls]\n  volumes: [{{name: cm, mountPath: /cm, secret: cert-manager-tls}}]\n",
            "extras.config: sets config.yml key `http.tls.certificate`, from which regc derives other objects\n"
            "  hint: use tls.enabled",
        ),
        (
            "tls:\n  enabled: false\nextras:\n  env: {{REGISTRY_HTTP_TLS_CERTIFICATE: /cm/tls.crt}}\n",
            "extras.env.REGISTRY_HTTP_TLS_CERTIFICATE: would set config.yml key `http.tls.certificate`",
        ),
        ("extras:\n  config: {{auth: {{token: {{realm: x}}}}}}\n", "hint: use auth.htpasswd"),
        ("extras:\n  config: {{http: {{prefix: /r/}}}}\n", "config.yml key `http.prefix`"),
        (
            "metrics:\n  enabled: true\nextras:\n  env: {{REGISTRY_HTTP_DEBUG_ADDR: ':7000'}}\n",
            "hint: use metrics.enabled and metrics.port",
        ),
        ("extras:\n  config: {{storage: {{cache: x}}}}\n", "extras.config: overrides config.yml key `storage.cache`"),
        ("extras:\n  configOverrides: [http.host]\n", "extras.configOverrides: `http.host` is not set"),
        ("extras:\n  volumes: [{{name: tls, mountPath: /x, emptyDir: true}}]\n", "the name 'tls' is regc's"),
        ("extras:\n  volumes: [{{name: x, mountPath: /certs/more, emptyDir: true}}]\n", "collides with /certs"),
        ("extras:\n  volumes: [{{name: x, mountPath: /x}}]\n", "give exactly one of configMap, secret, emptyDir"),
        (
            "extras:\n  podLabels: {{app.kubernetes.io/name: other}}\n",
            "extras.podLabels: app.kubernetes.io/name is regc's",
        ),
        (
            "availability:\n  terminationGracePeriodSeconds: 12\n",
            "availability.preStopSleepSeconds: 10 s of a 12 s grace period leaves the registry no time",
        ),
        (
            "extras:\n  podAnnotations: {{regc/config-sha256: x}}\n",
            "extras.podAnnotations: regc/config-sha256 is regc's",
        ),
    ],
)
def test_contradictions_are_refused(memory: MemoryRepo, body: str, message: str):
    stderr = refused(memory, body)
    assert message in stderr
    assert "environments/bad.yaml:" in stderr


def test_escape_hatches_that_are_allowed(memory: MemoryRepo):
    objects = build(
        memory,
        "hatch",
        "extras:\n  env: {{GOGC: '50', REGISTRY_HTTP_HOST: 'https://r.example'}}\n"
        "  config: {{http: {{relativeurls: true}}, log: {{level: debug}}, "
        "compatibility: {{schema1: {{enabled: false}}}}}}\n"
        "  configOverrides: [log.level]\n"
        "  podAnnotations: {{team.example/owner: platform}}\n  podLabels: {{team: platform}}\n"
        "  volumes: [{{name: extra-ca, mountPath: /etc/extra-ca, secret: extra-ca}}]\n",
    )
    config = config_of(objects)
    assert config["log"]["level"] == "debug" and config["http"]["relativeurls"] is True
    assert config["http"]["headers"] == {"X-Content-Type-Options": ["nosniff"]}  # merged, not replaced
    assert config["compatibility"] == {"schema1": {"enabled": False}}
    pod = pod_of(objects)
    container = pod["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["GOGC"] == "50" and env["REGISTRY_HTTP_HOST"] == "https://r.example"
    assert pod["metadata"]["annotations"]["team.example/owner"] == "platform"
    assert "regc/config-sha256" in pod["metadata"]["annotations"]
    assert pod["metadata"]["labels"]["team"] == "platform"
    assert {"name": "extra-ca", "mountPath": "/etc/extra-ca", "readOnly": True} in container["volumeMounts"]
    assert {"name": "extra-ca", "secret": {"secretName": "extra-ca", "defaultMode": 0o440}} in pod["spec"]["volumes"]


def test_a_credential_the_spec_refers_to_must_be_in_the_secrets_file(memory: MemoryRepo):
    memory.write_spec(
        "mirror",
        "namespace: mirror\nproxy:\n  remoteurl: https://registry-1.docker.io\n"
        "  credentials: true\nredis:\n  addr: r:6379\n  password: true\n"
        "registry:\n  blobDescriptorCache: redis\n",
    )
    result = memory.build("mirror")
    assert result.code == 2
    for key in ("proxy.username: missing", "proxy.password: missing", "redis.password: missing"):
        assert key in result.stderr
    assert not any(name.startswith("overlays/mirror/") for name in memory.tree())


def test_the_credentials_secret_is_encrypted_and_churns_only_when_its_values_change(memory: MemoryRepo):
    body = (
        "namespace: mirror\nproxy:\n  remoteurl: https://registry-1.docker.io\n"
        "notifications:\n  - name: audit\n    url: https://hooks.example/events\n"
    )
    memory.write_spec("mirror", body)
    assert memory.build("mirror").code == 0
    memory.set_secret("mirror", ("proxy",), {"username": "bot", "password": "upstream-pass-1"})
    memory.set_secret("mirror", ("notifications",), {"audit": {"Authorization": "Bearer t-1"}})
    memory.write_spec(
        "mirror",
        body.replace("registry-1.docker.io\n", "registry-1.docker.io\n  credentials: true\n")
        + "    secretHeaders: [Authorization]\n",
    )
    assert memory.build("mirror").code == 0
    sealed = memory.read("overlays/mirror/secret-registry-credentials.yaml")
    assert b"upstream-pass-1" not in sealed and b"sops:" in sealed
    data = {k: base64.b64decode(v) for k, v in memory.opened(YAML(typ="safe", pure=True).load(sealed))["data"].items()}
    assert data["proxy-username"] == b"bot" and data["proxy-password"] == b"upstream-pass-1"
    endpoints = YAML(typ="safe", pure=True).load(data["notification-endpoints"].decode())
    assert endpoints[0]["headers"]["Authorization"] == ["Bearer t-1"]

    before = memory.tree()
    assert memory.build("mirror").code == 0 and memory.tree() == before  # nothing changed: not a byte

    memory.set_secret("mirror", ("notifications", "audit", "Authorization"), "Bearer t-2")
    assert memory.build("mirror").code == 0
    after = memory.tree()
    changed = sorted(name for name in after if after[name] != before.get(name))
    assert changed == [
        "overlays/mirror/.regc-manifest",
        "overlays/mirror/.regc-secrets.yaml",
        "overlays/mirror/patches/deployment-registry.yaml",
        "overlays/mirror/secret-registry-credentials.yaml",
    ]
