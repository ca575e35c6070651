"""The Endpoints controller: for every Service with a selector, the addresses of its pods.

One sync of one Service key: select the pods of the Service's namespace that match its
selector and have an IP; ready ones go under `addresses`, the others under
`notReadyAddresses`; each Service port becomes an Endpoints port whose number is the
`targetPort` (a named targetPort is resolved per pod against its containers' ports, so
pods that name the port differently land in different subsets). The Endpoints object
(same name as the Service) is created, updated or deleted only when it differs. A pod
with `spec.hostname` whose `spec.subdomain` is the Service's name (a StatefulSet pod behind
its headless Service) carries that hostname in its address, as Kubernetes' does.
Services without a selector are left alone: their Endpoints are the user's.
"""

from __future__ import annotations

import logging
from typing import Any

from minik8s.api import errors
from minik8s.api.pods import is_pod_ready, is_pod_terminal
from minik8s.api.selectors import LabelSelector
from minik8s.client import copy_of, key_of
from minik8s.client.informer import NAMESPACE_INDEX

from .base import Controller, ControllerContext, Obj, res
from .podutil import is_deleting, meta

log = logging.getLogger(__name__)

ENDPOINTS = res("endpoints")


def _target_port(port: Obj, pod: Obj) -> int | None:
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    for container in (pod.get("spec") or {}).get("containers") or []:
        for cport in container.get("ports") or []:
            if cport.get("name") == target and (cport.get("protocol") or "TCP") == (
                port.get("protocol") or "TCP"
            ):
                return int(cport["containerPort"])
    return None


def compute_subsets(service: Obj, pods: list[Obj]) -> list[Obj]:
    """The Endpoints subsets of a Service over the given pods (pure, sorted)."""
    spec = service.get("spec") or {}
    selector = LabelSelector.from_set(spec.get("selector") or {})
    groups: dict[tuple[Any, ...], Obj] = {}
    for pod in pods:
        ip = (pod.get("status") or {}).get("podIP")
        if not ip or is_deleting(pod) or not selector.matches(meta(pod).get("labels")):
            continue
        if is_pod_terminal(pod):
            continue
        ports = []
        for port in spec.get("ports") or []:
            number = _target_port(port, pod)
            if number is None:
                continue
            entry: Obj = {"port": number, "protocol": port.get("protocol") or "TCP"}
            if port.get("name"):
                entry["name"] = port["name"]
            ports.append(entry)
        if not ports and spec.get("ports"):
            continue
        ports.sort(key=lambda p: (p.get("name", ""), p["port"], p["protocol"]))
        signature = tuple((p.get("name", ""), p["port"], p["protocol"]) for p in ports)
        subset = groups.setdefault(signature, {"ports": ports})
        address: Obj = {
            "ip": ip,
            "targetRef": {
                "kind": "Pod",
                "namespace": meta(pod).get("namespace", ""),
                "name": meta(pod).get("name", ""),
                "uid": meta(pod).get("uid", ""),
            },
        }
        pod_spec = pod.get("spec") or {}
        # a pod of the Service's subdomain gets a stable DNS-style name in it (StatefulSets)
        if pod_spec.get("hostname") and pod_spec.get("subdomain") == meta(service).get("name"):
            address["hostname"] = pod_spec["hostname"]
        node = pod_spec.get("nodeName")
        if node:
            address["nodeName"] = node
        bucket = "addresses" if is_pod_ready(pod) else "notReadyAddresses"
        subset.setdefault(bucket, []).append(address)
    subsets = []
    for signature in sorted(groups):
        subset = groups[signature]
        for bucket in ("addresses", "notReadyAddresses"):
            if bucket in subset:
                subset[bucket].sort(key=lambda a: (a["ip"], a["targetRef"]["name"]))
        if not subset["ports"]:
            del subset["ports"]
        subsets.append(subset)
    return subsets


class EndpointsController(Controller):
    name = "endpoints"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.svc_informer = ctx.informer("services")
        self.pod_informer = ctx.informer("pods")
        self.ep_informer = ctx.informer("endpoints")
        self.watch(self.svc_informer)
        self.pod_informer.add_handler(
            self.pod_changed, lambda old, new: self.pod_changed(new, old), self.pod_changed
        )
        self.ep_informer.add_handler(on_delete=self.enqueue)

    def pod_changed(self, pod: Obj, old: Obj | None = None) -> None:
        ns = meta(pod).get("namespace") or ""
        label_sets = [meta(pod).get("labels") or {}]
        if old is not None:
            label_sets.append(meta(old).get("labels") or {})
        for svc in self.svc_informer.store.by_index(NAMESPACE_INDEX, ns):
            selector = (svc.get("spec") or {}).get("selector")
            if not selector:
                continue
            sel = LabelSelector.from_set(selector)
            if any(sel.matches(labels) for labels in label_sets):
                self.queue.add(key_of(svc))

    async def sync(self, key: str) -> float | None:
        ns, _, name = key.rpartition("/")
        svc = self.svc_informer.store.get(key)
        current = self.ep_informer.store.get(key)
        if svc is None:
            if current is not None:
                try:
                    await self.client.delete(ENDPOINTS, name, ns)
                except errors.NotFound:
                    pass
            return None
        if not (svc.get("spec") or {}).get("selector"):
            return None
        pods = self.pod_informer.store.by_index(NAMESPACE_INDEX, ns)
        subsets = compute_subsets(svc, pods)
        labels = dict(meta(svc).get("labels") or {})
        if current is None:
            body: Obj = {
                "apiVersion": "v1",
                "kind": "Endpoints",
                "metadata": {"name": name, "namespace": ns, "labels": labels},
                "subsets": subsets,
            }
            try:
                await self.client.create(ENDPOINTS, body, ns)
            except errors.AlreadyExists:
                existing = await self.client.get(ENDPOINTS, name, ns)
                await self._update(existing, subsets, labels)
            return None
        if (current.get("subsets") or []) != subsets or (
            meta(current).get("labels") or {}
        ) != labels:
            await self._update(current, subsets, labels)
        return None

    async def _update(self, current: Obj, subsets: list[Obj], labels: dict[str, str]) -> None:
        updated = copy_of(current)
        updated["subsets"] = subsets
        updated["metadata"]["labels"] = labels
        await self.client.update(ENDPOINTS, updated, meta(current).get("namespace"))
