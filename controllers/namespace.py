"""The Namespace controller (empty a terminating namespace, then finalize it) and the
ServiceAccount controller (a `default` ServiceAccount in every namespace).

Namespace deletion: the API server marks a deleted namespace `Terminating` with
`spec.finalizers: [kubernetes]` and refuses new content. One sync of such a namespace
deletes every namespaced kind in it (a deletecollection per kind), and while anything is
left (pods waiting for their kubelet, objects waiting for the garbage collector) looks
again a little later. Once nothing is left it PUTs `/api/v1/namespaces/{name}/finalize`
without the `kubernetes` finalizer, and the API server removes the namespace.
"""

from __future__ import annotations

import logging

from minik8s.api import errors
from minik8s.api.resources import RESOURCES, ResourceInfo
from minik8s.client import copy_of
from minik8s.client.events import NORMAL

from .base import Controller, ControllerContext, Obj, res
from .podutil import is_deleting, meta

log = logging.getLogger(__name__)

NAMESPACES = res("namespaces")
SERVICEACCOUNTS = res("serviceaccounts")
FINALIZER = "kubernetes"
RECHECK_SECONDS = 1.0


def namespaced_kinds() -> list[ResourceInfo]:
    """Every namespaced kind that can be listed and deleted; Events last (they record)."""
    kinds = [r for r in RESOURCES if r.namespaced and "deletecollection" in r.verbs]
    return sorted(kinds, key=lambda r: r.plural == "events")


def terminating(ns: Obj) -> bool:
    return is_deleting(ns) or (ns.get("status") or {}).get("phase") == "Terminating"


class NamespaceController(Controller):
    name = "namespace"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.ns_informer = ctx.informer("namespaces")
        self.watch(self.ns_informer)

    async def sync(self, key: str) -> float | None:
        ns = self.ns_informer.store.get(key)
        if ns is None or not terminating(ns):
            return None
        finalizers = list((ns.get("spec") or {}).get("finalizers") or [])
        if FINALIZER not in finalizers:
            return None
        left = 0
        for kind in namespaced_kinds():
            items, _ = await self.client.list_all(kind, key)
            if not items:
                continue
            if any(not is_deleting(o) for o in items):
                await self.client.delete_collection(kind, key)
                items, _ = await self.client.list_all(kind, key)
            left += len(items)
        if left:
            log.info("namespace %s: %d object(s) still being deleted", key, left)
            return RECHECK_SECONDS
        body = copy_of(ns)
        body.setdefault("spec", {})["finalizers"] = [f for f in finalizers if f != FINALIZER]
        try:
            await self.client.update(NAMESPACES, body, subresource="finalize")
        except errors.NotFound:
            return None
        log.info("namespace %s is empty: finalized", key)
        return None


class ServiceAccountController(Controller):
    name = "serviceaccount"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.ns_informer = ctx.informer("namespaces")
        self.sa_informer = ctx.informer("serviceaccounts")
        self.watch(self.ns_informer)
        self.sa_informer.add_handler(on_delete=self._sa_deleted)

    def _sa_deleted(self, sa: Obj) -> None:
        if meta(sa).get("name") == "default":
            self.queue.add(meta(sa).get("namespace") or "")

    async def sync(self, key: str) -> float | None:
        ns = self.ns_informer.store.get(key)
        if ns is None or terminating(ns):
            return None
        if self.sa_informer.store.get(f"{key}/default") is not None:
            return None
        body: Obj = {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "default", "namespace": key},
        }
        try:
            created = await self.client.create(SERVICEACCOUNTS, body, key)
        except (errors.AlreadyExists, errors.Forbidden, errors.NotFound):
            return None
        await self.recorder.event(created, NORMAL, "Created", "Created default service account")
        return None
