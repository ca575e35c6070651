"""Per-node accounting the plugins read: requested resources, pods, ports, labels, taints.

Pure data, no I/O. `PodInfo` is a pod's parsed requests (computed once per pod object);
`NodeInfo` sums the pods placed on a node. The scheduling loop is single-threaded, so a
NodeInfo is changed only between scheduling cycles (by the cache), never during one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from minik8s.api.quantity import parse_bytes, parse_cpu_millis

Obj = dict[str, Any]

# What scoring assumes a container asks for when it asks for nothing (kube's non-zero defaults).
DEFAULT_MILLI_CPU = 100
DEFAULT_MEMORY = 200 * 1024 * 1024


@dataclass
class Resources:
    milli_cpu: int = 0
    memory: int = 0
    ephemeral_storage: int = 0
    pods: int = 0

    def add(self, other: Resources, sign: int = 1) -> None:
        self.milli_cpu += sign * other.milli_cpu
        self.memory += sign * other.memory
        self.ephemeral_storage += sign * other.ephemeral_storage
        self.pods += sign * other.pods


def _quantity(block: Any, name: str, parse: Any) -> int:
    if not isinstance(block, dict) or block.get(name) is None:
        return 0
    try:
        return int(parse(block[name]))
    except (ValueError, TypeError):
        return 0


def _container_requests(container: Obj) -> tuple[int, int, int]:
    requests = (container.get("resources") or {}).get("requests") or {}
    return (
        _quantity(requests, "cpu", parse_cpu_millis),
        _quantity(requests, "memory", parse_bytes),
        _quantity(requests, "ephemeral-storage", parse_bytes),
    )


def pod_requests(spec: Obj) -> tuple[Resources, int, int]:
    """(requests, non-zero cpu, non-zero memory): containers summed, init containers' max,
    plus overhead; the non-zero values use kube's defaults for a container without requests."""
    total = Resources(pods=1)
    nz_cpu = nz_mem = 0
    for c in spec.get("containers") or []:
        cpu, mem, eph = _container_requests(c)
        total.milli_cpu += cpu
        total.memory += mem
        total.ephemeral_storage += eph
        nz_cpu += cpu or DEFAULT_MILLI_CPU
        nz_mem += mem or DEFAULT_MEMORY
    for c in spec.get("initContainers") or []:
        cpu, mem, eph = _container_requests(c)
        total.milli_cpu = max(total.milli_cpu, cpu)
        total.memory = max(total.memory, mem)
        total.ephemeral_storage = max(total.ephemeral_storage, eph)
        nz_cpu, nz_mem = max(nz_cpu, cpu), max(nz_mem, mem)
    overhead = spec.get("overhead") or {}
    total.milli_cpu += _quantity(overhead, "cpu", parse_cpu_millis)
    total.memory += _quantity(overhead, "memory", parse_bytes)
    return total, nz_cpu, nz_mem


def host_ports(spec: Obj) -> list[tuple[str, str, int]]:
    """(hostIP, protocol, hostPort) of every container port that asks for a host port."""
    out = []
    for c in spec.get("containers") or []:
        for p in c.get("ports") or []:
            port = p.get("hostPort")
            if isinstance(port, int) and port > 0:
                out.append((p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", port))
    return out


def pod_key(pod: Obj) -> str:
    meta = pod.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


class PodInfo:
    """A pod and what placing it costs; built once per pod object (read-only)."""

    __slots__ = (
        "key",
        "pod",
        "labels",
        "namespace",
        "requests",
        "nz_cpu",
        "nz_mem",
        "ports",
        "priority",
        "affinity",
        "has_pod_affinity",
    )

    def __init__(self, pod: Obj) -> None:
        meta = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        self.pod = pod
        self.key = pod_key(pod)
        self.labels: dict[str, str] = meta.get("labels") or {}
        self.namespace: str = meta.get("namespace") or ""
        self.requests, self.nz_cpu, self.nz_mem = pod_requests(spec)
        self.ports = host_ports(spec)
        priority = spec.get("priority")
        self.priority = priority if isinstance(priority, int) else 0
        self.affinity: Obj = spec.get("affinity") or {}
        self.has_pod_affinity = bool(
            self.affinity.get("podAffinity") or self.affinity.get("podAntiAffinity")
        )

    @property
    def name(self) -> str:
        return str((self.pod.get("metadata") or {}).get("name", ""))

    def on_node(self, node_name: str) -> PodInfo:
        """This pod as if bound to `node_name` (what the cache assumes), without parsing
        it again."""
        copy = object.__new__(PodInfo)
        for slot in PodInfo.__slots__:
            setattr(copy, slot, getattr(self, slot))
        spec = self.pod.get("spec") or {}
        copy.pod = {**self.pod, "spec": {**spec, "nodeName": node_name}}
        return copy


def _allocatable(node: Obj) -> Resources:
    status = node.get("status") or {}
    alloc = status.get("allocatable") or status.get("capacity") or {}
    return Resources(
        milli_cpu=_quantity(alloc, "cpu", parse_cpu_millis),
        memory=_quantity(alloc, "memory", parse_bytes),
        ephemeral_storage=_quantity(alloc, "ephemeral-storage", parse_bytes),
        pods=_quantity(alloc, "pods", parse_bytes),
    )


def node_ready(node: Obj) -> bool:
    """False only when the node reports Ready False/Unknown (a node with no conditions yet
    has never been judged and counts as ready)."""
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return True


class NodeList(list["NodeInfo"]):
    """The nodes a cycle sees, with what the cache knows about all of them at once.

    The counts let a pre-filter skip a per-node check no node can fail (−1: not counted,
    a plain list given by a test or by preemption's what-if)."""

    pods_with_affinity = -1  # pods with (anti-)affinity on these nodes
    tainted = -1  # nodes with any taint
    unschedulable = -1  # cordoned nodes
    not_ready = -1  # nodes reporting Ready False/Unknown
    with_images = -1  # nodes whose kubelet reported images


def any_pods_with_affinity(nodes: list[NodeInfo]) -> bool:
    counted = getattr(nodes, "pods_with_affinity", -1)
    if counted >= 0:
        return bool(counted)
    return any(n.pods_with_affinity for n in nodes)


def any_tainted(nodes: list[NodeInfo]) -> bool:
    counted = getattr(nodes, "tainted", -1)
    return bool(counted) if counted >= 0 else any(n.taints for n in nodes)


def any_unschedulable(nodes: list[NodeInfo]) -> bool:
    counted = getattr(nodes, "unschedulable", -1)
    return bool(counted) if counted >= 0 else any(n.unschedulable for n in nodes)


def any_not_ready(nodes: list[NodeInfo]) -> bool:
    counted = getattr(nodes, "not_ready", -1)
    return bool(counted) if counted >= 0 else not all(n.ready for n in nodes)


def any_with_images(nodes: list[NodeInfo]) -> bool:
    counted = getattr(nodes, "with_images", -1)
    return bool(counted) if counted >= 0 else any(n.images for n in nodes)


def subset_of(nodes: list[NodeInfo]) -> NodeList:
    """An empty NodeList for some of `nodes`: a count of zero holds for any part of them."""
    part = NodeList()
    for flag in ("pods_with_affinity", "tainted", "unschedulable", "not_ready", "with_images"):
        if getattr(nodes, flag, -1) == 0:
            setattr(part, flag, 0)
    return part


def count_node_flags(nodes: NodeList) -> None:
    """Fills the node counts of `nodes` (one pass; the cache calls it when they change)."""
    nodes.tainted = sum(1 for n in nodes if n.taints)
    nodes.unschedulable = sum(1 for n in nodes if n.unschedulable)
    nodes.not_ready = sum(1 for n in nodes if not n.ready)
    nodes.with_images = sum(1 for n in nodes if n.images)


@dataclass
class NodeInfo:
    """A node and the sum of the pods assigned (or assumed) to it."""

    node: Obj
    pods: dict[str, PodInfo] = field(default_factory=dict)
    requested: Resources = field(default_factory=Resources)
    nz_cpu: int = 0
    nz_mem: int = 0
    used_ports: dict[tuple[str, str, int], int] = field(default_factory=dict)
    pods_with_affinity: dict[str, PodInfo] = field(default_factory=dict)
    # scores that depend only on this node's accounting and the pod's shape, by plugin and
    # shape; emptied whenever the node or its pods change (`framework.remembered_scores`)
    scores: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.set_node(self.node)

    def set_node(self, node: Obj) -> None:
        self.scores.clear()
        self.node = node
        meta = node.get("metadata") or {}
        spec = node.get("spec") or {}
        self.name: str = meta.get("name", "")
        self.labels: dict[str, str] = meta.get("labels") or {}
        self.taints: list[Obj] = spec.get("taints") or []
        self.unschedulable = bool(spec.get("unschedulable"))
        self.allocatable = _allocatable(node)
        self.ready = node_ready(node)
        images: dict[str, int] = {}
        for image in (node.get("status") or {}).get("images") or []:
            size = image.get("sizeBytes") or 0
            for name in image.get("names") or []:
                images[name] = size
        self.images = images

    def flags(self) -> tuple[bool, bool, bool, bool]:
        """What the node-wide counts of `NodeList` are made of."""
        return bool(self.taints), self.unschedulable, self.ready, bool(self.images)

    def add_pod(self, info: PodInfo) -> None:
        self.scores.clear()
        if info.key in self.pods:
            self.remove_pod(info.key)
        self.pods[info.key] = info
        if info.has_pod_affinity:
            self.pods_with_affinity[info.key] = info
        self.requested.add(info.requests)
        self.nz_cpu += info.nz_cpu
        self.nz_mem += info.nz_mem
        for port in info.ports:
            self.used_ports[port] = self.used_ports.get(port, 0) + 1

    def remove_pod(self, key: str) -> PodInfo | None:
        info = self.pods.pop(key, None)
        if info is None:
            return None
        self.scores.clear()
        self.pods_with_affinity.pop(key, None)
        self.requested.add(info.requests, -1)
        self.nz_cpu -= info.nz_cpu
        self.nz_mem -= info.nz_mem
        for port in info.ports:
            left = self.used_ports.get(port, 0) - 1
            if left > 0:
                self.used_ports[port] = left
            else:
                self.used_ports.pop(port, None)
        return info

    def clone_without(self, keys: set[str]) -> NodeInfo:
        """A copy with some pods removed (what-if for preemption); the node is shared."""
        copy = NodeInfo(self.node)
        for key, info in self.pods.items():
            if key not in keys:
                copy.add_pod(info)
        return copy
