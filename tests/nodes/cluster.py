"""A Kubernetes cluster of real nodes for the end-to-end suite, on this machine only: a hub network
namespace holds the control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler)
and cluster DNS (CoreDNS); each node has its own network namespace, joined to the hub by a bridge,
and its own mount namespace, where its containerd, kubelet and kube-proxy run. No namespace has a
default route: nothing of the cluster reaches, or is reached from, anything off the machine. Pod
cgroups sit under the suite's own (`/regc-nodes-<tag>/<node>`); the kubelet's sysctl writes, its
and containerd's files under /run, /var/log, /var/lib and /usr/libexec stay in the node's mount
namespace. `stop` leaves no process, cgroup, namespace or file of it behind, also after a failure."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.cluster.apiserver import TOOLS, free_port  # noqa: F401 - the tools' cache
from tests.e2e.processes import Processes
from tests.nodes import images

HUB_IP = "10.77.0.1"
NODES_NET = "10.77.0.0/24"
SERVICE_CIDR = "10.96.0.0/16"
DNS_IP = "10.96.0.10"
TOKEN = "regc-nodes-admin-token"
# Machines beside the nodes, on their bridge: the radosgw hosts at the addresses prod's example
# names (radosgw.hosts), and staging's S3 endpoint resolving to them through cluster DNS.
HOSTS_NET = "10.10.0.0/24"
RGW_HOSTS = ("10.10.0.11", "10.10.0.12", "10.10.0.13")
# The mirror example's upstream (proxy.remoteurl), Docker Hub's stand-in (tests/nodes/upstream.py).
UPSTREAM = ("registry-1.docker.io", "10.10.0.21")
HOST_NAMES = {"rgw.ceph.example.internal": RGW_HOSTS, UPSTREAM[0]: (UPSTREAM[1],)}
CONTROLLERS = ("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids")
# What the kubelet writes under /proc/sys (node defaults it enforces): files of the node's instead.
SYSCTLS = (
    "kernel/panic",
    "kernel/panic_on_oops",
    "vm/overcommit_memory",
    "kernel/keys/root_maxkeys",
    "kernel/keys/root_maxbytes",
)
# Host folders the kubelet and containerd write to whatever their flags: the node's own, in its mount namespace.
PRIVATE = ("/run", "/var/log", "/var/lib/kubelet", "/var/lib/cni", "/usr/libexec/kubernetes", "/etc/cni", "/opt/cni")


@dataclass
class Node:
    name: str
    ip: str
    pod_cidr: str
    work: Path

    @property
    def netns(self) -> str:
        return f"{self.work.parent.name}-{self.name}"


@dataclass
class NodeCluster:
    tag: str
    work: Path
    nodes: list[Node]
    processes: Processes
    kubeconfig: Path
    timings: dict[str, float] = field(default_factory=dict)
    public_ca: Path | None = None  # the CA the images trust as a public one (tests/nodes/upstream.py)

    @property
    def hub(self) -> str:
        return f"{self.tag}-hub"

    def in_hub(self, *command: str) -> list[str]:
        return ["ip", "netns", "exec", self.hub, *command]

    def on(self, node: Node, *command: str) -> list[str]:
        return ["ip", "netns", "exec", node.netns, *command]

    def kubectl(
        self, *args: str, stdin: str | None = None, check: bool = True, timeout: int = 120
    ) -> subprocess.CompletedProcess:
        done = subprocess.run(
            self.in_hub("kubectl", "--kubeconfig", str(self.kubeconfig), *args),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check:
            assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr[-2000:]}"
        return done

    def json(self, *args: str) -> dict:
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    def container_env(self, pod: dict, container: str) -> dict[str, str]:
        """The variables a running container got, from its OCI spec in its node's containerd."""
        node = next(n for n in self.nodes if n.name == pod["spec"]["nodeName"])
        status = next(c for c in pod["status"]["containerStatuses"] if c["name"] == container)
        container_id = status["containerID"].removeprefix("containerd://")
        info = subprocess.run(
            [
                str(TOOLS / "ctr"),
                "--address",
                f"{node.work}/containerd.sock",
                "-n",
                "k8s.io",
                "containers",
                "info",
                container_id,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return dict(v.split("=", 1) for v in json.loads(info.stdout)["Spec"]["process"]["env"])


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, text=True)


def _network(tag: str, nodes: list[Node]) -> None:
    hub = f"{tag}-hub"
    _run("ip", "netns", "add", hub)
    _run("ip", "-n", hub, "link", "set", "lo", "up")
    _run("ip", "-n", hub, "link", "add", "br0", "type", "bridge")
    _run("ip", "-n", hub, "link", "set", "br0", "up")
    _run("ip", "-n", hub, "addr", "add", f"{HUB_IP}/24", "dev", "br0")
    _run("ip", "-n", hub, "route", "add", HOSTS_NET, "dev", "br0")
    for node in nodes:
        _run("ip", "netns", "add", node.netns)
        _run(
            "ip",
            "-n",
            hub,
            "link",
            "add",
            f"v-{node.name}",
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            node.netns,
        )
        _run("ip", "-n", hub, "link", "set", f"v-{node.name}", "master", "br0", "up")
        _run("ip", "-n", node.netns, "link", "set", "lo", "up")
        _run("ip", "-n", node.netns, "addr", "add", f"{node.ip}/24", "dev", "eth0")
        _run("ip", "-n", node.netns, "link", "set", "eth0", "up")
        _run("ip", "-n", node.netns, "route", "add", SERVICE_CIDR, "dev", "eth0", "src", node.ip)
        _run("ip", "-n", node.netns, "route", "add", HOSTS_NET, "dev", "eth0", "src", node.ip)
        _run("ip", "netns", "exec", node.netns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        _run("ip", "-n", hub, "route", "add", node.pod_cidr, "via", node.ip)
        for other in nodes:
            if other is not node:
                _run("ip", "-n", node.netns, "route", "add", other.pod_cidr, "via", other.ip)


def add_host(cluster: NodeCluster, name: str, ip: str) -> str:
    """A machine beside the nodes (a radosgw host): a network namespace of its own on their bridge,
    reaching the hub, the nodes and their pods, and nothing else. Returns the namespace."""
    hub, netns = cluster.hub, f"{cluster.tag}-{name}"
    _run("ip", "netns", "add", netns)
    _run("ip", "-n", hub, "link", "add", f"h-{name}", "type", "veth", "peer", "name", "eth0", "netns", netns)
    _run("ip", "-n", hub, "link", "set", f"h-{name}", "master", "br0", "up")
    _run("ip", "-n", netns, "link", "set", "lo", "up")
    _run("ip", "-n", netns, "addr", "add", f"{ip}/24", "dev", "eth0")
    _run("ip", "-n", netns, "link", "set", "eth0", "up")
    _run("ip", "-n", netns, "route", "add", NODES_NET, "dev", "eth0", "src", ip)
    for node in cluster.nodes:
        _run("ip", "-n", netns, "route", "add", node.pod_cidr, "via", node.ip)
    return netns


def unplug(cluster: NodeCluster, netns: str, plugged: bool = False) -> None:
    """A host beside the nodes off the bridge (its cable pulled: no answer, not even a refusal), or
    back on it with `plugged`. The bridge's side of the link goes down, so the host keeps its
    addresses and routes (its own side going down would drop its routes for good)."""
    name = netns.removeprefix(f"{cluster.tag}-")
    _run("ip", "-n", cluster.hub, "link", "set", f"h-{name}", "up" if plugged else "down")


# The folders in PRIVATE that did not exist are made for the clusters of this machine (one per
# pytest worker) and removed when the last of them stops: removing a folder another cluster's
# nodes have mounted over would unmount it under them.
SHARED = Path("/tmp/regc-nodes-mount-points.json")


@contextlib.contextmanager
def _shared_state() -> Iterator[dict]:
    with open(SHARED.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = json.loads(SHARED.read_text()) if SHARED.exists() else {"made": [], "users": []}
        yield state
        if state["users"]:
            SHARED.write_text(json.dumps(state))
        else:
            SHARED.unlink(missing_ok=True)


def _share_mount_points(tag: str) -> None:
    with _shared_state() as state:
        for folder in map(Path, PRIVATE):  # the nodes mount their own folders over these: they must exist
            if not folder.exists():
                missing = [folder, *(p for p in folder.parents if not p.exists())]
                for made in reversed(missing):
                    made.mkdir()
                    state["made"].append(str(made))
        state["users"].append(tag)


def _release_mount_points(tag: str) -> None:
    with _shared_state() as state:
        if tag not in state["users"]:
            return
        state["users"].remove(tag)
        if not state["users"]:
            for made in map(Path, reversed(state["made"])):
                shutil.rmtree(made, ignore_errors=True) if made.is_relative_to("/var/lib") else made.rmdir()
            state["made"] = []


def _kubeconfig(path: Path) -> None:
    path.write_text(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: nodes\n  cluster:\n"
        f"    server: https://{HUB_IP}:6443\n    insecure-skip-tls-verify: true\nusers:\n- name: admin\n  user:\n"
        f"    token: {TOKEN}\ncontexts:\n- name: nodes\n  context: {{cluster: nodes, user: admin}}\n"
        "current-context: nodes\n"
    )


def _control_plane(cluster: NodeCluster) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    work, processes, hub = cluster.work, cluster.processes, cluster.in_hub
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (work / "sa.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (work / "sa.pub").write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (work / "tokens.csv").write_text(f'{TOKEN},admin,admin,"system:masters"\n')
    etcd = shutil.which("etcd")
    assert etcd, "etcd is missing: .ci/run installs Debian's etcd-server"
    processes.start(
        f"{cluster.tag}-etcd",
        hub(
            etcd,
            "--data-dir",
            str(work / "etcd"),
            "--listen-client-urls",
            "http://127.0.0.1:2379",
            "--advertise-client-urls",
            "http://127.0.0.1:2379",
            "--listen-peer-urls",
            "http://127.0.0.1:2380",
        ),
        log=work / "etcd.log",
    )
    processes.start(
        f"{cluster.tag}-apiserver",
        hub(
            str(TOOLS / "kube-apiserver"),
            "--etcd-servers=http://127.0.0.1:2379",
            f"--bind-address={HUB_IP}",
            f"--advertise-address={HUB_IP}",
            "--secure-port=6443",
            f"--cert-dir={work / 'certs'}",
            f"--token-auth-file={work / 'tokens.csv'}",
            "--authorization-mode=Node,RBAC",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--service-account-issuer=https://kubernetes.default.svc",
            f"--service-account-key-file={work / 'sa.pub'}",
            f"--service-account-signing-key-file={work / 'sa.key'}",
            "--enable-priority-and-fairness=false",
            "--kubelet-preferred-address-types=InternalIP",
            "--allow-privileged=true",
        ),
        log=work / "kube-apiserver.log",
    )
    cluster.processes.wait_until(
        f"{cluster.tag}-apiserver",
        lambda: cluster.kubectl("get", "--raw", "/readyz", check=False, timeout=10).returncode == 0,
        90,
        logs=[work / "etcd.log"],
    )
    kubeconfig = str(cluster.kubeconfig)
    processes.start(
        f"{cluster.tag}-controller-manager",
        hub(
            str(TOOLS / "kube-controller-manager"),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            f"--service-account-private-key-file={work / 'sa.key'}",
            f"--root-ca-file={work / 'certs' / 'apiserver.crt'}",
            "--controllers=*,-nodeipam",
            "--bind-address=127.0.0.1",
            "--leader-elect=false",
            "--node-monitor-grace-period=20s",
            f"--flex-volume-plugin-dir={work / 'flex'}",
        ),
        log=work / "kube-controller-manager.log",
    )
    processes.start(
        f"{cluster.tag}-scheduler",
        hub(
            str(TOOLS / "kube-scheduler"),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            "--leader-elect=false",
        ),
        log=work / "kube-scheduler.log",
    )


def _dns(cluster: NodeCluster) -> None:
    """CoreDNS in the hub, reached at the cluster DNS address through a Service without a selector
    and its EndpointSlice (kube-proxy routes it, as the radosgw front is routed)."""
    corefile = cluster.work / "Corefile"
    hosts = "".join(f"    {ip} {name}\n" for name, ips in HOST_NAMES.items() for ip in ips)
    corefile.write_text(
        f".:53 {{\n  bind {HUB_IP}\n  errors\n  hosts {{\n{hosts}    fallthrough\n  }}\n"
        "  kubernetes cluster.local in-addr.arpa ip6.arpa {\n"
        f"    kubeconfig {cluster.kubeconfig} nodes\n    pods insecure\n    fallthrough in-addr.arpa ip6.arpa\n  }}\n"
        "  cache 5\n}\n"
    )
    cluster.processes.start(
        f"{cluster.tag}-coredns",
        cluster.in_hub(str(TOOLS / "coredns"), "-conf", str(corefile)),
        log=cluster.work / "coredns.log",
    )
    manifest = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "kube-dns", "namespace": "kube-system"},
                "spec": {
                    "clusterIP": DNS_IP,
                    "ports": [
                        {"name": "dns", "port": 53, "protocol": "UDP"},
                        {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                    ],
                },
            },
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": "kube-dns-hub",
                    "namespace": "kube-system",
                    "labels": {"kubernetes.io/service-name": "kube-dns"},
                },
                "addressType": "IPv4",
                "endpoints": [{"addresses": [HUB_IP]}],
                "ports": [
                    {"name": "dns", "port": 53, "protocol": "UDP"},
                    {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                ],
            },
        ],
    }
    cluster.kubectl("apply", "-f", "-", stdin=json.dumps(manifest))


def _node_files(cluster: NodeCluster, node: Node, archives: list[Path]) -> str:
    """The node's configuration files, and the script that runs it in its own mount namespace."""
    work = node.work
    (work / "cni").mkdir(parents=True, exist_ok=True)
    for folder in PRIVATE:
        (work / "private" / folder.strip("/").replace("/", "_")).mkdir(parents=True, exist_ok=True)
    (work / "sys").mkdir(exist_ok=True)
    (work / "containerd.toml").write_text(
        f"""version = 4
root = '{work}/containerd/root'
state = '{work}/containerd/state'
[plugins]
  [plugins.'io.containerd.server.v1.grpc']
    address = '{work}/containerd.sock'
  [plugins.'io.containerd.server.v1.ttrpc']
    address = '{work}/containerd.sock.ttrpc'
  [plugins.'io.containerd.nri.v1.nri']
    disable = true
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = '{images.PAUSE}'
  [plugins.'io.containerd.cri.v1.runtime']
    restrict_oom_score_adj = true
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = 'io.containerd.runc.v2'
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = '/usr/sbin/runc'
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ['/usr/lib/cni']
      conf_dir = '{work}/cni'
  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = '{node.ip}'
"""
    )
    (work / "cni" / "10-pods.conflist").write_text(
        json.dumps(
            {
                "cniVersion": "1.0.0",
                "name": "pods",
                "plugins": [
                    {
                        "type": "bridge",
                        "bridge": "cni0",
                        "isGateway": True,
                        "ipMasq": False,
                        "hairpinMode": True,
                        "ipam": {
                            "type": "host-local",
                            "ranges": [[{"subnet": node.pod_cidr}]],
                            "routes": [{"dst": "0.0.0.0/0"}],
                            "dataDir": str(work / "ipam"),
                        },
                    },
                    {"type": "portmap", "capabilities": {"portMappings": True}},
                ],
            }
        )
    )
    (work / "resolv.conf").write_text("")
    root = f"/{cluster.tag}/{node.name}"
    (work / "kubelet.yaml").write_text(
        f"""apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
cgroupRoot: {root}
containerRuntimeEndpoint: unix://{work}/containerd.sock
imageServiceEndpoint: unix://{work}/containerd.sock
clusterDNS: [{DNS_IP}]
clusterDomain: cluster.local
resolvConf: {work}/resolv.conf
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {{}}
evictionPressureTransitionPeriod: 0s
authentication: {{anonymous: {{enabled: true}}, webhook: {{enabled: false}}}}
authorization: {{mode: AlwaysAllow}}
address: {node.ip}
healthzBindAddress: 127.0.0.1
podCIDR: {node.pod_cidr}
protectKernelDefaults: false
localStorageCapacityIsolation: false
serializeImagePulls: false
"""
    )
    (work / "kube-proxy.yaml").write_text(
        f"""apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {{kubeconfig: {cluster.kubeconfig}}}
mode: iptables
clusterCIDR: 10.78.0.0/16
hostnameOverride: {node.name}
bindAddress: {node.ip}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
iptables: {{masqueradeAll: true}}
conntrack: {{maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}}
"""
    )
    mounts = "\n".join(
        f"mount --bind {work}/private/{folder.strip('/').replace('/', '_')} {folder}" for folder in PRIVATE
    )
    sysctls = "\n".join(
        f"cat /proc/sys/{name} > {copy}; mount --bind {copy} /proc/sys/{name}"
        for name in SYSCTLS
        for copy in [f"{work}/sys/{name.replace('/', '_')}"]
    )
    cgroups = "\n".join(
        f"mkdir -p /sys/fs/cgroup/{name}; mount -t cgroup -o {options} cgroup /sys/fs/cgroup/{name}; "
        f"mkdir -p /sys/fs/cgroup/{name}{root}"
        for name, options in [*((c, c) for c in CONTROLLERS), ("systemd", "none,name=systemd")]
    )
    imports = "\n".join(
        f"{TOOLS / 'ctr'} --address {work}/containerd.sock -n k8s.io images import {archive} >> {work}/import.log 2>&1"
        for archive in archives
    )
    return f"""set -e
mount --make-rprivate /
mount -t tmpfs cgroup /sys/fs/cgroup
{cgroups}
for level in /{cluster.tag} {root}; do
  cat /sys/fs/cgroup/cpuset/cpuset.cpus > /sys/fs/cgroup/cpuset$level/cpuset.cpus
  cat /sys/fs/cgroup/cpuset/cpuset.mems > /sys/fs/cgroup/cpuset$level/cpuset.mems
done
{sysctls}
{mounts}
{TOOLS / "containerd"} --config {work}/containerd.toml > {work}/containerd.log 2>&1 &
for i in $(seq 100); do [ -S {work}/containerd.sock ] && break; sleep 0.1; done
{imports}
{TOOLS / "kube-proxy"} --config {work}/kube-proxy.yaml > {work}/kube-proxy.log 2>&1 &
exec {TOOLS / "kubelet"} --config {work}/kubelet.yaml --kubeconfig {cluster.kubeconfig} \\
  --root-dir {work}/kubelet --cert-dir {work}/pki --node-ip {node.ip} --hostname-override {node.name} \\
  --volume-plugin-dir {work}/volume-plugins --v=1
"""


def start_node_cluster(
    work: Path, processes: Processes, count: int = 3, archives: list[Path] | None = None, tag: str | None = None
) -> NodeCluster:
    """The cluster up with `count` nodes Ready and cluster DNS answering; its names start with `tag`
    (by default, of this process)."""
    started = time.monotonic()
    tag = tag or f"regc{os.getpid() % 100000}"
    work = work / tag
    work.mkdir(parents=True)
    nodes = [Node(f"n{i}", f"10.77.0.{10 + i}", f"10.78.{i}.0/24", work / f"n{i}") for i in range(1, count + 1)]
    for node in nodes:
        node.work.mkdir()
    cluster = NodeCluster(tag, work, nodes, processes, work / "kubeconfig")
    try:
        _start(cluster, archives or [], started)
    except BaseException:  # nothing of a cluster that did not come up stays behind either
        stop_node_cluster(cluster)
        raise
    return cluster


def _start(cluster: NodeCluster, archives: list[Path], started: float) -> None:
    tag, nodes, processes, count = cluster.tag, cluster.nodes, cluster.processes, len(cluster.nodes)
    _share_mount_points(cluster.tag)
    _kubeconfig(cluster.kubeconfig)
    _network(tag, nodes)
    _control_plane(cluster)
    cluster.timings["control plane"] = time.monotonic() - started
    _dns(cluster)
    for node in nodes:
        script = node.work / "node.sh"
        script.write_text(_node_files(cluster, node, archives))
        processes.start(
            f"{tag}-{node.name}",
            cluster.on(node, "unshare", "--mount", "--propagation", "private", "bash", str(script)),
            log=node.work / "node.log",
        )

    def ready() -> bool:
        listed = cluster.kubectl("get", "nodes", "-o", "json", check=False, timeout=10)
        if listed.returncode != 0:
            return False
        items = json.loads(listed.stdout)["items"]
        conditions = [c for n in items for c in n["status"].get("conditions", []) if c["type"] == "Ready"]
        taints = [t for n in items for t in n["spec"].get("taints", [])]
        return len(items) == count and all(c["status"] == "True" for c in conditions) and not taints

    processes.wait_until(f"{tag}-{nodes[0].name}", ready, 120, logs=[n.work / "kubelet.log" for n in nodes])
    cluster.timings["nodes ready"] = time.monotonic() - started


def stop_node_cluster(cluster: NodeCluster) -> None:
    """Stop everything the cluster started and remove all it made: processes (the nodes' containers
    too, found through their cgroups and the shims' sockets), cgroups, namespaces."""
    for name in [n for n in cluster.processes.running if n.startswith(cluster.tag)]:
        cluster.processes.stop(name)
    for node in cluster.nodes:
        subprocess.run(["pkill", "-9", "-f", f"containerd-shim.* -address {node.work}/containerd.sock"], check=False)
    for _ in range(3):
        pids = set()
        for controller in (*CONTROLLERS, "systemd"):
            top = Path("/sys/fs/cgroup") / controller / cluster.tag
            for procs in top.rglob("cgroup.procs") if top.exists() else []:
                pids |= {int(p) for p in procs.read_text().split()}
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if not pids:
            break
        time.sleep(0.5)
    for controller in (*CONTROLLERS, "systemd"):
        top = Path("/sys/fs/cgroup") / controller / cluster.tag
        if top.exists():
            for folder in sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
                folder.rmdir()
            top.rmdir()
    _release_mount_points(cluster.tag)
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for line in listed.splitlines():
        name = line.split()[0] if line.split() else ""
        if name.startswith(f"{cluster.tag}-"):
            subprocess.run(["ip", "netns", "del", name], check=False)
