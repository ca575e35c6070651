"""The garbage collector: ownerReferences, cascading deletion, orphaning.

The graph is the informer caches: every watched kind is cached with an index by owner uid,
so "the dependents of X" is one index lookup per kind, and `uids` maps a uid to the cached
object that has it. One sync of one object (key: plural, namespace/name):

- marked for deletion with the `orphan` finalizer (propagationPolicy=Orphan): remove the
  ownerReferences to it from every dependent, then the finalizer;
- marked for deletion with `foregroundDeletion` (propagationPolicy=Foreground): delete the
  dependents (themselves in the foreground when they have dependents of their own), and
  once none is left remove the finalizer, so the owner goes last;
- otherwise, if it has ownerReferences: an owner that is gone (not cached, confirmed by a
  GET: 404 or another uid) is *dangling*. All owners dangling → delete the object
  (background: its own dependents follow the same way; in the foreground if an owner
  is waiting for its dependents). Some dangling → remove those references.

Triggers: an object that has ownerReferences or a GC finalizer is queued when it changes;
when an object is deleted, its dependents are queued (they may now be dangling) and so are
its owners (a foreground owner may now be free to go).
"""

from __future__ import annotations

import logging
from typing import Any

from minik8s.api import errors
from minik8s.api.resources import lookup_kind
from minik8s.client import SharedInformer, key_of
from minik8s.client.informer import OWNER_INDEX

from .base import Controller, ControllerContext, Obj
from .podutil import is_deleting, meta, uid_of

log = logging.getLogger(__name__)

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
WATCHED = (
    "pods",
    "replicasets",
    "deployments",
    "daemonsets",
    "statefulsets",
    "jobs",
    "cronjobs",
    "configmaps",
    "secrets",
    "services",
    "endpoints",
    "serviceaccounts",
)
FOREGROUND_RECHECK = 2.0

Key = tuple[str, str]


def _finalizers(obj: Obj) -> list[str]:
    return list(meta(obj).get("finalizers") or [])


class GarbageCollector(Controller):
    name = "garbagecollector"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.informers: dict[str, SharedInformer] = {}
        self.uids: dict[str, Key] = {}
        for plural in WATCHED:
            informer = ctx.informer(plural)
            self.informers[plural] = informer
            self._subscribe(plural, informer)

    def _subscribe(self, plural: str, informer: SharedInformer) -> None:
        def added(obj: Obj) -> None:
            self._changed(plural, obj)

        def updated(old: Obj, new: Obj) -> None:
            self._changed(plural, new)

        def deleted(obj: Obj) -> None:
            self._deleted(plural, obj)

        informer.add_handler(added, updated, deleted)

    # ---- handlers

    def _changed(self, plural: str, obj: Obj) -> None:
        uid = uid_of(obj)
        if uid:
            self.uids[uid] = (plural, key_of(obj))
        if meta(obj).get("ownerReferences") or (
            is_deleting(obj) and {ORPHAN, FOREGROUND} & set(_finalizers(obj))
        ):
            self.queue.add((plural, key_of(obj)))

    def _deleted(self, plural: str, obj: Obj) -> None:
        uid = uid_of(obj)
        if self.uids.get(uid) == (plural, key_of(obj)):
            del self.uids[uid]
        for dep_plural, dep in self.dependents(uid):
            self.queue.add((dep_plural, key_of(dep)))
        for ref in meta(obj).get("ownerReferences") or []:
            owner = self.uids.get(ref.get("uid", ""))
            if owner is not None:
                self.queue.add(owner)

    # ---- the graph

    def dependents(self, uid: str) -> list[tuple[str, Obj]]:
        if not uid:
            return []
        found = []
        for plural, informer in self.informers.items():
            for obj in informer.store.by_index(OWNER_INDEX, uid):
                found.append((plural, obj))
        return found

    def cached(self, uid: str) -> Obj | None:
        where = self.uids.get(uid)
        if where is None:
            return None
        obj = self.informers[where[0]].store.get(where[1])
        return obj if obj is not None and uid_of(obj) == uid else None

    async def owner_exists(self, dependent: Obj, ref: Obj) -> Obj | None:
        """The owner object if it exists (cache first, then the API server). An owner of a
        kind this server does not serve is taken as existing: never delete on a guess."""
        owner = self.cached(ref.get("uid", ""))
        if owner is not None:
            return owner
        info = lookup_kind(ref.get("apiVersion", ""), ref.get("kind", ""))
        if info is None:
            log.debug("owner %s/%s of unknown kind: left alone", ref.get("kind"), ref.get("name"))
            return ref
        ns = meta(dependent).get("namespace") if info.namespaced else None
        try:
            owner = await self.client.get(info, ref.get("name", ""), ns)
        except errors.NotFound:
            return None
        return owner if uid_of(owner) == ref.get("uid") else None

    # ---- sync

    async def sync(self, key: Key) -> float | None:
        plural, obj_key = key
        informer = self.informers[plural]
        obj = informer.store.get(obj_key)
        if obj is None:
            return None
        info = informer.resource
        finalizers = _finalizers(obj)
        if is_deleting(obj) and ORPHAN in finalizers:
            await self._orphan_dependents(obj)
            await self._remove_finalizer(info, obj, ORPHAN)
            return None
        if is_deleting(obj) and FOREGROUND in finalizers:
            return await self._foreground(info, obj)
        refs = meta(obj).get("ownerReferences") or []
        if not refs or is_deleting(obj):
            return None
        dangling, waiting = [], []
        for ref in refs:
            owner = await self.owner_exists(obj, ref)
            if owner is None:
                dangling.append(ref)
            elif is_deleting(owner) and FOREGROUND in _finalizers(owner):
                waiting.append(ref)
        if not dangling and not waiting:
            return None
        solid = len(refs) - len(dangling) - len(waiting)
        name, ns = meta(obj)["name"], meta(obj).get("namespace")
        if solid == 0:
            policy = "Foreground" if waiting else "Background"
            log.info("deleting %s %s: owner(s) gone (%s)", plural, obj_key, policy)
            try:
                await self.client.delete(
                    info, name, ns, propagation_policy=policy, preconditions={"uid": uid_of(obj)}
                )
            except (errors.NotFound, errors.Conflict):
                pass
            return None
        if dangling:
            keep = [r for r in refs if r not in dangling]
            await self.client.patch(
                info,
                name,
                {
                    "metadata": {
                        "ownerReferences": keep,
                        "resourceVersion": meta(obj).get("resourceVersion"),
                    }
                },
                ns,
            )
        return None

    async def _orphan_dependents(self, owner: Obj) -> None:
        uid = uid_of(owner)
        for plural, dep in self.dependents(uid):
            refs = [r for r in meta(dep).get("ownerReferences") or [] if r.get("uid") != uid]
            try:
                await self.client.patch(
                    self.informers[plural].resource,
                    meta(dep)["name"],
                    {
                        "metadata": {
                            "ownerReferences": refs or None,
                            "resourceVersion": meta(dep).get("resourceVersion"),
                        }
                    },
                    meta(dep).get("namespace"),
                )
            except errors.NotFound:
                continue

    async def _foreground(self, info: Any, owner: Obj) -> float | None:
        deps = self.dependents(uid_of(owner))
        for plural, dep in deps:
            if is_deleting(dep):
                continue
            policy = "Foreground" if self.dependents(uid_of(dep)) else "Background"
            try:
                await self.client.delete(
                    self.informers[plural].resource,
                    meta(dep)["name"],
                    meta(dep).get("namespace"),
                    propagation_policy=policy,
                )
            except errors.NotFound:
                continue
        blocking = [
            dep
            for _, dep in deps
            if any(
                r.get("uid") == uid_of(owner) and r.get("blockOwnerDeletion")
                for r in meta(dep).get("ownerReferences") or []
            )
        ]
        if blocking:
            return FOREGROUND_RECHECK
        await self._remove_finalizer(info, owner, FOREGROUND)
        return None

    async def _remove_finalizer(self, info: Any, obj: Obj, finalizer: str) -> None:
        remaining = [f for f in _finalizers(obj) if f != finalizer]
        try:
            await self.client.patch(
                info,
                meta(obj)["name"],
                {
                    "metadata": {
                        "finalizers": remaining or None,
                        "resourceVersion": meta(obj).get("resourceVersion"),
                    }
                },
                meta(obj).get("namespace"),
            )
        except errors.NotFound:
            pass
