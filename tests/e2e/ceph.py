"""A real single-node Ceph cluster with radosgw, every path under one temporary folder (tests only):
on loopback for the e2e suite, or on an address of the real nodes' hub with gateways on hosts of
their own (tests/nodes/)."""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.processes import Processes

RGW_PORT = 7480

CONFIG = """\
[global]
fsid = {fsid}
mon_host = v2:{address}:{mon_port}/0
public_addr = {address}
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
auth_supported = none
# auth none speaks only crc: without these, radosgw asks for secure mode and gets EACCES (-13)
ms_cluster_mode = crc
ms_service_mode = crc
ms_client_mode = crc
ms_mon_cluster_mode = crc
ms_mon_service_mode = crc
ms_mon_client_mode = crc
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_crush_chooseleaf_type = 0
osd_objectstore = memstore
memstore_device_bytes = 2147483648
# radosgw makes seven pools: keep their placement groups within one OSD's limit
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
mon_max_pg_per_osd = 1000
run_dir = {root}/run
admin_socket = {root}/run/$cluster-$name.asok
log_file = {root}/log/$cluster-$name.log
pid_file = {root}/run/$name.pid
keyring = {root}/keyring
ms_bind_ipv6 = false
[mon]
mon_data = {root}/mon
[osd]
osd_data = {root}/osd
"""
GATEWAY = """[client.{name}]
rgw_frontends = beast endpoint={endpoint}
rgw_data = {root}/{name}
"""


@dataclass(frozen=True)
class Gateway:
    """A radosgw: where it listens, and the command prefix that runs it on its host (a network
    namespace's `ip netns exec`, or nothing on this machine's own)."""

    name: str
    endpoint: str
    prefix: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"


@dataclass
class Ceph:
    root: Path
    config: Path
    processes: Processes
    gateways: list[Gateway] = field(default_factory=list)
    prefix: tuple[str, ...] = ()  # runs a client where the monitor is reachable
    timings: dict = field(default_factory=dict)

    @property
    def rgw_url(self) -> str:
        return self.gateways[0].url

    @property
    def env(self) -> dict:
        return {**os.environ, "CEPH_CONF": str(self.config)}

    def admin(self, *args: str) -> str:
        done = subprocess.run(
            [*self.prefix, "radosgw-admin", *args], env=self.env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout


def start_ceph(
    root: Path,
    processes: Processes,
    mon_port: int = 3300,
    deadline: float = 90,
    *,
    address: str = "127.0.0.1",
    prefix: tuple[str, ...] = (),
    gateways: list[Gateway] | None = None,
) -> Ceph:
    """The monitor and the OSD on `address` (run with `prefix`), and the gateways: by default one,
    `client.rgw` on loopback."""
    for tool in ("ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "monmaptool", "ceph-authtool", "ceph"):
        assert shutil.which(tool), f"{tool} is missing: .ci/run installs ceph-mon, ceph-osd, radosgw, ceph-common"
    gateways = gateways or [Gateway("rgw", f"127.0.0.1:{RGW_PORT}")]
    for sub in ("mon", "osd", "run", "log", *(g.name for g in gateways)):
        (root / sub).mkdir(parents=True, exist_ok=True)
    fsid = str(uuid.uuid4())
    config = root / "ceph.conf"
    config.write_text(
        CONFIG.format(fsid=fsid, root=root, mon_port=mon_port, address=address)
        + "".join(GATEWAY.format(name=g.name, endpoint=g.endpoint, root=root) for g in gateways)
    )
    c = ["-c", str(config)]
    quiet = {"capture_output": True, "text": True, "timeout": 60, "check": True}
    subprocess.run(
        [
            "ceph-authtool",
            "--create-keyring",
            str(root / "keyring"),
            "--gen-key",
            "-n",
            "mon.",
            "--cap",
            "mon",
            "allow *",
        ],
        **quiet,
    )
    subprocess.run(
        ["monmaptool", "--create", "--addv", "a", f"[v2:{address}:{mon_port}]", "--fsid", fsid, str(root / "monmap")],
        **quiet,
    )
    subprocess.run(
        ["ceph-mon", *c, "--mkfs", "-i", "a", "--monmap", str(root / "monmap"), "--keyring", str(root / "keyring")],
        **quiet,
    )
    processes.start("ceph-mon", [*prefix, "ceph-mon", *c, "-f", "-i", "a"], log=root / "log" / "mon.out")
    osd_uuid = str(uuid.uuid4())
    subprocess.run([*prefix, "ceph", *c, "--connect-timeout", "30", "osd", "new", osd_uuid], **quiet)
    subprocess.run([*prefix, "ceph-osd", *c, "-i", "0", "--mkfs", "--osd-uuid", osd_uuid], **quiet)
    processes.start("ceph-osd", [*prefix, "ceph-osd", *c, "-f", "-i", "0"], log=root / "log" / "osd.out")
    ceph = Ceph(root, config, processes, gateways, prefix)
    for gateway in gateways:
        start_gateway(ceph, gateway)
    for gateway in gateways:
        processes.wait_until(
            gateway.name,
            lambda gateway=gateway: _answers(gateway),
            deadline,
            logs=[root / "log" / f"ceph-client.{gateway.name}.log", root / "log" / "ceph-osd.0.log"],
        )
    return ceph


def start_gateway(ceph: Ceph, gateway: Gateway) -> None:
    """Start (or start again) one radosgw; `Processes.stop(gateway.name)` stops it."""
    command = [*gateway.prefix, "radosgw", "-c", str(ceph.config), "-f", "-n", f"client.{gateway.name}"]
    ceph.processes.start(gateway.name, command, log=ceph.root / "log" / f"{gateway.name}.out")


def _answers(gateway: Gateway) -> bool:
    if not gateway.prefix:
        try:
            with urllib.request.urlopen(gateway.url, timeout=2):
                return True
        except OSError:
            return False
    done = subprocess.run([*gateway.prefix, "curl", "-sf", "-m", "2", "-o", "/dev/null", gateway.url], check=False)
    return done.returncode == 0
