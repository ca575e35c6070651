"""Keeps the zone current from the API: Services, Endpoints and Pods through informers.

Each informer event recomputes the records of the one Service it concerns (a Service and
its Endpoints share a key), or moves one pod's address, so a change costs the same with 10
or 10,000 Services, and the first answer after it is packed afresh (the zone's generation
moved). Pods are watched only for `--pods verified` (the default): a pod name is answered
only when a pod of that namespace has that address.

Concurrency: the informers run on the server's event loop and their handlers are plain
functions, so the zone changes between two queries, never during one.
"""

from __future__ import annotations

import logging
from typing import Any

from minik8s.api.resources import resolve
from minik8s.client import InformerFactory, key_of, split_key

from . import metrics
from .records import Zone

log = logging.getLogger(__name__)

Obj = dict[str, Any]


def _resource(plural: str) -> Any:
    info = resolve(plural)
    if info is None:
        raise KeyError(plural)
    return info


def pod_ips(pod: Obj) -> tuple[str, ...]:
    status = pod.get("status") or {}
    ips = [p.get("ip") for p in status.get("podIPs") or [] if p.get("ip")]
    if not ips and status.get("podIP"):
        ips = [status["podIP"]]
    return tuple(str(ip) for ip in ips)


class ClusterWatcher:
    def __init__(self, factory: InformerFactory, zone: Zone) -> None:
        self.zone = zone
        self.factory = factory
        self.services = factory.informer(_resource("services"))
        self.endpoints = factory.informer(_resource("endpoints"))
        handlers = (self._on_object, lambda old, new: self._on_object(new), self._on_object)
        self.services.add_handler(*handlers)
        self.endpoints.add_handler(*handlers)
        self._pods: dict[str, tuple[str, tuple[str, ...]]] = {}
        if zone.pod_mode == "verified":
            pods = factory.informer(_resource("pods"))
            pods.add_handler(self._on_pod, lambda old, new: self._on_pod(new), self._on_pod_gone)

    def synced(self) -> bool:
        done = self.factory.has_synced()
        metrics.SYNCED.set(1 if done else 0)
        return done

    def _on_object(self, obj: Obj) -> None:
        key = key_of(obj)
        namespace, name = split_key(key)
        service = self.services.store.get(key)
        if service is None:
            self.zone.remove_service(namespace, name)
        else:
            self.zone.set_service(service, self.endpoints.store.get(key))
        metrics.SERVICES.set(self.zone.service_count())

    def _on_pod(self, pod: Obj) -> None:
        key = key_of(pod)
        namespace = str((pod.get("metadata") or {}).get("namespace") or "default")
        ips = pod_ips(pod)
        old = self._pods.get(key)
        if old == (namespace, ips):
            return
        self._on_pod_gone(pod)
        if ips:
            self._pods[key] = (namespace, ips)
            for ip in ips:
                self.zone.add_pod_ip(namespace, ip)

    def _on_pod_gone(self, pod: Obj) -> None:
        old = self._pods.pop(key_of(pod), None)
        if old is not None:
            for ip in old[1]:
                self.zone.remove_pod_ip(old[0], ip)
