"""The Node object: registration, the Lease heartbeat, status, and the pod CIDR.

On start the kubelet creates its Node (or takes over the one that exists: labels, taints
and podCIDR are merged), with capacity read from the machine and allocatable = capacity −
`--system-reserved`. Then two loops: the Lease `kube-node-lease/<node>` is renewed every
lease-duration / 4 (10 s by default), and the Node's status (conditions Ready,
MemoryPressure, DiskPressure, PIDPressure, addresses, node info, daemon endpoint) every
`--node-status-update-frequency`, written through the status subresource (409 → re-read).
When the Node gets a `spec.podCIDR` the runtime is told (UpdateRuntimeConfig) once.

If the Node is deleted while the kubelet runs, the next status update (at once: the Node
informer's delete handler wakes the status loop) finds it gone and registers it again.
Kubernetes' kubelet does not: it registers once per process (`registrationCompleted`) and
then only logs "error getting node" until it is restarted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minik8s.api import errors
from minik8s.api.resources import ResourceInfo, lookup
from minik8s.api.times import now_rfc3339
from minik8s.client.rest import AsyncClient

from .cri import Runtime

log = logging.getLogger(__name__)

Obj = dict[str, Any]
NODES: ResourceInfo = lookup("", "v1", "nodes")  # type: ignore[assignment]
NAMESPACES: ResourceInfo = lookup("", "v1", "namespaces")  # type: ignore[assignment]
LEASES: ResourceInfo = lookup("coordination.k8s.io", "v1", "leases")  # type: ignore[assignment]
LEASE_NAMESPACE = "kube-node-lease"
KUBELET_VERSION = "v1.32.0-minik8s"


@dataclass
class NodeConfig:
    name: str
    ip: str
    port: int
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[Obj] = field(default_factory=list)
    reserved: dict[str, str] = field(default_factory=dict)  # cpu (millis), memory (bytes)
    max_pods: int = 110
    pod_cidr: str = ""
    lease_duration: int = 40
    status_period: float = 10.0
    root_dir: Path = Path("/var/lib/kubelet")


def default_ip() -> str:
    """The IPv4 address of the interface holding the default route (no packet is sent)."""
    try:
        for line in Path("/proc/net/route").read_text().splitlines()[1:]:
            parts = line.split()
            if len(parts) > 2 and parts[1] == "00000000":
                out = subprocess.run(
                    ["ip", "-o", "-4", "addr", "show", "dev", parts[0]],
                    capture_output=True,
                    text=True,
                    timeout=5,
                ).stdout.split()
                if "inet" in out:
                    return out[out.index("inet") + 1].split("/")[0]
    except (OSError, subprocess.SubprocessError):
        pass
    return "127.0.0.1"


def memory_total() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def memory_available() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


def capacity(config: NodeConfig) -> tuple[Obj, Obj]:
    cpus = os.cpu_count() or 1
    mem = memory_total()
    disk = shutil.disk_usage(str(config.root_dir if config.root_dir.exists() else "/"))
    cap = {
        "cpu": str(cpus),
        "memory": f"{mem // 1024}Ki",
        "pods": str(config.max_pods),
        "ephemeral-storage": f"{disk.total // 1024}Ki",
    }
    cpu_reserved = int(config.reserved.get("cpu", "0"))
    mem_reserved = int(config.reserved.get("memory", "0"))
    alloc = dict(cap)
    alloc["cpu"] = f"{max(0, cpus * 1000 - cpu_reserved)}m"
    alloc["memory"] = f"{max(0, mem - mem_reserved) // 1024}Ki"
    return cap, alloc


def conditions(old: list[Obj], ready: bool, ready_message: str) -> list[Obj]:
    now = now_rfc3339()
    avail = memory_available()
    disk = shutil.disk_usage("/")
    wanted = [
        (
            "MemoryPressure",
            avail < 100 * 1024 * 1024,
            "KubeletHasSufficientMemory",
            "KubeletHasInsufficientMemory",
        ),
        (
            "DiskPressure",
            disk.free < disk.total * 0.1,
            "KubeletHasNoDiskPressure",
            "KubeletHasDiskPressure",
        ),
        ("PIDPressure", False, "KubeletHasSufficientPID", "KubeletHasInsufficientPID"),
    ]
    out = []
    by_type = {c.get("type"): c for c in old}
    for kind, bad, good_reason, bad_reason in wanted:
        value = "True" if bad else "False"
        prev = by_type.get(kind) or {}
        out.append(
            {
                "type": kind,
                "status": value,
                "lastHeartbeatTime": now,
                "lastTransitionTime": prev.get("lastTransitionTime")
                if prev.get("status") == value
                else now,
                "reason": bad_reason if bad else good_reason,
                "message": f"kubelet has {'pressure' if bad else 'no pressure'}: {kind}",
            }
        )
    value = "True" if ready else "False"
    prev = by_type.get("Ready") or {}
    out.append(
        {
            "type": "Ready",
            "status": value,
            "lastHeartbeatTime": now,
            "lastTransitionTime": prev.get("lastTransitionTime")
            if prev.get("status") == value
            else now,
            "reason": "KubeletReady" if ready else "KubeletNotReady",
            "message": ready_message,
        }
    )
    return out


class NodeAgent:
    def __init__(self, client: AsyncClient, runtime: Runtime, config: NodeConfig) -> None:
        self.client = client
        self.runtime = runtime
        self.config = config
        self.registered = asyncio.Event()
        self.pod_cidr_applied = ""
        self._changed = asyncio.Event()
        self.node_info: Obj = {}

    def _labels(self) -> dict[str, str]:
        return {
            "kubernetes.io/hostname": self.config.name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": {"x86_64": "amd64", "aarch64": "arm64"}.get(
                platform.machine(), platform.machine()
            ),
            "beta.kubernetes.io/os": "linux",
            **self.config.labels,
        }

    async def _info(self) -> Obj:
        version = await self.runtime.version()
        return machine_info(
            f"{version.runtime_name}://{version.runtime_version}",
            self._labels()["kubernetes.io/arch"],
        )

    async def _status(self, old: Obj) -> Obj:
        cap, alloc = capacity(self.config)
        ready, message = True, "kubelet is posting ready status"
        try:
            st = await self.runtime.status()
            for cond in st.status.conditions:
                if not cond.status:
                    ready, message = False, f"runtime {cond.type}: {cond.reason} {cond.message}"
        except Exception as e:
            ready, message = False, f"container runtime is down: {e}"
        if not self.node_info:
            try:
                self.node_info = await self._info()
            except Exception as e:
                log.warning("cannot read node info from the runtime: %s", e)
        return {
            "capacity": cap,
            "allocatable": alloc,
            "conditions": conditions(old.get("conditions") or [], ready, message),
            "addresses": [
                {"type": "InternalIP", "address": self.config.ip},
                {"type": "Hostname", "address": self.config.name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": self.config.port}},
            "nodeInfo": self.node_info,
        }

    async def register(self) -> Obj:
        """Creates the Node, or merges our labels/taints into the one that exists."""
        spec: Obj = {}
        if self.config.taints:
            spec["taints"] = self.config.taints
        if self.config.pod_cidr:
            spec["podCIDR"] = self.config.pod_cidr
            spec["podCIDRs"] = [self.config.pod_cidr]
        body = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": self.config.name, "labels": self._labels()},
            "spec": spec,
        }
        try:
            node = await self.client.create(NODES, body)
            log.info("registered node %s", self.config.name)
        except errors.AlreadyExists:
            for _ in range(10):
                node = await self.client.get(NODES, self.config.name)
                node["metadata"].setdefault("labels", {}).update(self._labels())
                nspec = node.setdefault("spec", {})
                if self.config.taints:
                    keys = {(t["key"], t.get("effect")) for t in self.config.taints}
                    kept = [
                        t
                        for t in nspec.get("taints") or []
                        if (t["key"], t.get("effect")) not in keys
                    ]
                    nspec["taints"] = kept + self.config.taints
                if self.config.pod_cidr and not nspec.get("podCIDR"):
                    nspec["podCIDR"] = self.config.pod_cidr
                    nspec["podCIDRs"] = [self.config.pod_cidr]
                try:
                    node = await self.client.update(NODES, node)
                    break
                except errors.Conflict:
                    continue
            log.info("node %s exists: updated it", self.config.name)
        await self.update_status()
        self.registered.set()
        return node

    async def update_status(self) -> Obj:
        for _ in range(5):
            try:
                node = await self.client.get(NODES, self.config.name)
            except errors.NotFound:
                log.warning("node %s was deleted; registering it again", self.config.name)
                return await self.register()
            await self._apply_pod_cidr(node)
            node["status"] = await self._status(node.get("status") or {})
            try:
                return await self.client.update(NODES, node, subresource="status")
            except errors.Conflict:
                continue
        raise errors.Conflict("node status kept conflicting")

    async def _apply_pod_cidr(self, node: Obj) -> None:
        cidr = (node.get("spec") or {}).get("podCIDR") or ""
        if cidr and cidr != self.pod_cidr_applied:
            try:
                await self.runtime.update_pod_cidr(cidr)
                self.pod_cidr_applied = cidr
                log.info("pod CIDR %s passed to the runtime", cidr)
            except Exception as e:
                log.warning("runtime refused pod CIDR %s: %s", cidr, e)

    def node_deleted(self, node: Obj) -> None:
        """The Node informer's delete handler: register again without waiting."""
        self._changed.set()

    def node_changed(self, node: Obj) -> None:
        """The Node informer's handler: a new podCIDR gets a status update at once."""
        cidr = (node.get("spec") or {}).get("podCIDR") or ""
        if cidr and cidr != self.pod_cidr_applied:
            self._changed.set()

    async def status_loop(self, stopping: asyncio.Event) -> None:
        await self.registered.wait()
        while not stopping.is_set():
            waits = [
                asyncio.ensure_future(stopping.wait()),
                asyncio.ensure_future(self._changed.wait()),
            ]
            await asyncio.wait(
                waits, timeout=self.config.status_period, return_when=asyncio.FIRST_COMPLETED
            )
            for w in waits:
                w.cancel()
            if stopping.is_set():
                return
            self._changed.clear()
            try:
                await self.update_status()
            except Exception as e:
                log.warning("node status update failed: %s", e)

    async def lease_loop(self, stopping: asyncio.Event) -> None:
        await self.registered.wait()
        period = max(1.0, self.config.lease_duration / 4)
        while not stopping.is_set():
            try:
                await self.renew_lease()
            except Exception as e:
                log.warning("lease renewal failed: %s", e)
            try:
                async with asyncio.timeout(period):
                    await stopping.wait()
            except TimeoutError:
                pass

    async def renew_lease(self) -> None:
        name = self.config.name
        try:
            lease = await self.client.get(LEASES, name, LEASE_NAMESPACE)
        except errors.NotFound:
            await self._ensure_namespace()
            node = await self.client.get(NODES, name)
            body = {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {
                    "name": name,
                    "namespace": LEASE_NAMESPACE,
                    "ownerReferences": [
                        {
                            "apiVersion": "v1",
                            "kind": "Node",
                            "name": name,
                            "uid": node["metadata"]["uid"],
                        }
                    ],
                },
                "spec": {
                    "holderIdentity": name,
                    "leaseDurationSeconds": self.config.lease_duration,
                    "renewTime": now_rfc3339(micro=True),
                },
            }
            try:
                await self.client.create(LEASES, body, LEASE_NAMESPACE)
                return
            except errors.AlreadyExists:
                lease = await self.client.get(LEASES, name, LEASE_NAMESPACE)
        lease.setdefault("spec", {}).update(
            holderIdentity=name,
            leaseDurationSeconds=self.config.lease_duration,
            renewTime=now_rfc3339(micro=True),
        )
        await self.client.update(LEASES, lease, LEASE_NAMESPACE)

    async def _ensure_namespace(self) -> None:
        try:
            await self.client.create(
                NAMESPACES,
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": LEASE_NAMESPACE}},
            )
        except errors.AlreadyExists:
            pass


def machine_info(runtime_version: str, arch: str) -> Obj:
    uname = platform.uname()
    machine_id = ""
    for p in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            machine_id = Path(p).read_text().strip()
            break
        except OSError:
            continue
    return {
        "machineID": machine_id,
        "systemUUID": machine_id,
        "bootID": Path("/proc/sys/kernel/random/boot_id").read_text().strip(),
        "kernelVersion": uname.release,
        "osImage": _os_image(),
        "containerRuntimeVersion": runtime_version,
        "kubeletVersion": KUBELET_VERSION,
        "kubeProxyVersion": KUBELET_VERSION,
        "operatingSystem": "linux",
        "architecture": arch,
    }


def _os_image() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return "Linux"


def hostname() -> str:
    return socket.gethostname().lower()
