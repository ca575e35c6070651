"""The scheduler's view of the cluster: one `NodeInfo` per node with the pods bound or
assumed there, fed by the node and pod informers' handlers.

Assume/forget: when a pod is chosen for a node it is *assumed* at once (accounted on the
node, so the next pod already sees it) while its binding is in flight; the informer's
update (the pod now has `spec.nodeName`) confirms it; a failed binding *forgets* it. A
pod bound to a node the cache has not seen yet is kept on a placeholder until the node
arrives. Concurrency: one event loop; the scheduling cycle reads, handlers write, never
interleaved within a cycle.
"""

from __future__ import annotations

from typing import Any

from minik8s.api.pods import is_pod_terminal

from .nodeinfo import NodeInfo, NodeList, PodInfo, count_node_flags, pod_key

Obj = dict[str, Any]


class SchedulerCache:
    def __init__(self) -> None:
        self._infos: dict[str, NodeInfo] = {}  # node name → info (placeholders included)
        self._real: set[str] = set()  # nodes that exist
        self._pod_node: dict[str, str] = {}  # pod key → node it is accounted on
        self._assumed: set[str] = set()
        self._list: NodeList | None = None
        self._flags_changed = False  # a node's taints, cordon, readiness or images changed
        self._affinity_pods = 0  # pods with (anti-)affinity on existing nodes

    # ---- reading
    def node_list(self) -> NodeList:
        """The existing nodes in a stable order (rebuilt only when nodes change)."""
        if self._list is None:
            self._list = NodeList(self._infos[n] for n in sorted(self._real))
            self._flags_changed = True
        if self._flags_changed:
            count_node_flags(self._list)
            self._flags_changed = False
        self._list.pods_with_affinity = self._affinity_pods
        return self._list

    def node(self, name: str) -> NodeInfo | None:
        return self._infos.get(name) if name in self._real else None

    def is_assumed(self, key: str) -> bool:
        return key in self._assumed

    def node_of(self, key: str) -> str | None:
        return self._pod_node.get(key)

    def __len__(self) -> int:
        return len(self._real)

    # ---- nodes
    def add_node(self, node: Obj) -> None:
        name = (node.get("metadata") or {}).get("name", "")
        info = self._infos.get(name)
        if info is None:
            self._infos[name] = NodeInfo(node)
        else:
            before = info.flags()
            info.set_node(node)
            self._flags_changed |= info.flags() != before
        if name not in self._real:
            self._real.add(name)
            self._list = None
            self._affinity_pods += len(self._infos[name].pods_with_affinity)

    update_node = add_node

    def remove_node(self, name: str) -> None:
        info = self._infos.get(name)
        if name in self._real and info is not None:
            self._affinity_pods -= len(info.pods_with_affinity)
        self._real.discard(name)
        self._list = None
        if info is not None and not info.pods:
            del self._infos[name]

    # ---- pods
    def _info_for(self, node_name: str) -> NodeInfo:
        info = self._infos.get(node_name)
        if info is None:
            info = NodeInfo({"metadata": {"name": node_name}})
            self._infos[node_name] = info
        return info

    def _place(self, info: PodInfo, node_name: str) -> None:
        old = self._pod_node.get(info.key)
        if old is not None and old != node_name:
            self._unplace(info.key)
        node = self._info_for(node_name)
        before = len(node.pods_with_affinity)
        node.add_pod(info)
        if node_name in self._real:
            self._affinity_pods += len(node.pods_with_affinity) - before
        self._pod_node[info.key] = node_name

    def _unplace(self, key: str) -> None:
        node_name = self._pod_node.pop(key, None)
        if node_name is None:
            return
        info = self._infos.get(node_name)
        if info is not None:
            before = len(info.pods_with_affinity)
            info.remove_pod(key)
            if node_name in self._real:
                self._affinity_pods += len(info.pods_with_affinity) - before
            if not info.pods and node_name not in self._real:
                del self._infos[node_name]

    def add_pod(self, pod: Obj) -> None:
        """A pod the informer shows bound (confirms an assumed one)."""
        key = pod_key(pod)
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name or is_pod_terminal(pod):
            self.remove_pod(key)  # a finished pod holds nothing
            return
        placed = None
        if key in self._assumed and self._pod_node.get(key) == node_name:
            placed = self._infos[node_name].pods.get(key)
        self._assumed.discard(key)
        meta = pod.get("metadata") or {}
        if placed is not None and placed.labels == (meta.get("labels") or {}):
            # our binding, confirmed: what is accounted cannot have changed (a pod's
            # resources, ports, affinity and priority are immutable); keep the newer object
            placed.pod = pod
            return
        self._place(PodInfo(pod), node_name)

    update_pod = add_pod

    def remove_pod(self, key: str) -> None:
        self._assumed.discard(key)
        self._unplace(key)

    def assume(self, info: PodInfo, node_name: str) -> None:
        self._assumed.add(info.key)
        self._place(info, node_name)

    def forget(self, key: str) -> None:
        """Undo `assume` (binding failed); a pod the informer has confirmed stays."""
        if key in self._assumed:
            self.remove_pod(key)
