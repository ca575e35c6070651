"""Pod events turned into owner keys: the pod handlers of every controller that owns pods.

The ReplicaSet, DaemonSet, Job and StatefulSet controllers watch pods only to learn which
owner to sync again (Kubernetes' `addPod` / `updatePod` / `deletePod` of each of them):

* a pod whose controller ownerReference names an owner of this kind that the cache holds
  with the same uid is that owner's: its key is queued, an added pod counts as a creation
  the owner expected, a deleted pod (or one whose deletionTimestamp just appeared) as a
  deletion it expected;
* an update that moved the controller reference queues the former owner too;
* an orphan queues every owner that might adopt it (`adopters(pod)`: the owners whose
  selector matches, or whose pod names it carries).

Updates whose resourceVersion did not change (a resync) are dropped. The handlers only note
expectations and queue keys; they run on the one event loop the workers share, so nothing
here takes a lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from minik8s.api.selectors import LabelSelector
from minik8s.client import Indexer, SharedInformer, key_of
from minik8s.client.informer import NAMESPACE_INDEX
from minik8s.client.workqueue import WorkQueue

from .base import Obj
from .expectations import Expectations
from .podutil import controller_ref, is_deleting, meta, uid_of

Adopters = Callable[[Obj], Iterable[str]]


class OwnerPodHandlers:
    """Pod informer handlers that queue the key of the pod's owner of kind `kind`."""

    def __init__(
        self,
        kind: str,
        owners: Indexer,
        queue: WorkQueue[Any],
        *,
        expectations: Expectations | None = None,
        adopters: Adopters | None = None,
    ) -> None:
        self.kind = kind
        self.owners = owners  # the owners' informer cache
        self.queue = queue
        self.expectations = expectations
        self.adopters = adopters

    def register(self, informer: SharedInformer) -> None:
        informer.add_handler(self.add, self.update, self.delete)

    def owner_key(self, pod: Obj, ref: Obj | None) -> str | None:
        """The key of the cached owner `ref` names, if it is of our kind and uid."""
        if ref is None or ref.get("kind") != self.kind:
            return None
        key = f"{meta(pod).get('namespace')}/{ref.get('name')}"
        owner = self.owners.get(key)
        if owner is None or uid_of(owner) != ref.get("uid"):
            return None
        return key

    def add(self, pod: Obj) -> None:
        ref = controller_ref(pod)
        key = self.owner_key(pod, ref)
        if key is not None:
            if self.expectations is not None:
                if is_deleting(pod):
                    self.expectations.deletion_observed(key, key_of(pod))
                else:
                    self.expectations.creation_observed(key)
            self.queue.add(key)
        elif ref is None:
            self._queue_adopters(pod)

    def update(self, old: Obj, new: Obj) -> None:
        if meta(old).get("resourceVersion") == meta(new).get("resourceVersion") and old is not new:
            return
        new_ref, old_ref = controller_ref(new), controller_ref(old)
        key = self.owner_key(new, new_ref)
        if (
            key is not None
            and self.expectations is not None
            and is_deleting(new)
            and not is_deleting(old)
        ):
            self.expectations.deletion_observed(key, key_of(new))
        if old_ref is not None and (new_ref is None or old_ref.get("uid") != new_ref.get("uid")):
            old_key = self.owner_key(old, old_ref)
            if old_key is not None:
                self.queue.add(old_key)
        if key is not None:
            self.queue.add(key)
        elif new_ref is None:
            self._queue_adopters(new)

    def delete(self, pod: Obj) -> None:
        key = self.owner_key(pod, controller_ref(pod))
        if key is None:
            return
        if self.expectations is not None:
            self.expectations.deletion_observed(key, key_of(pod))
        self.queue.add(key)

    def _queue_adopters(self, pod: Obj) -> None:
        if self.adopters is not None:
            for key in self.adopters(pod):
                self.queue.add(key)


def label_selector_of(owner: Obj) -> LabelSelector:
    """An owner's `spec.selector` written as a `metav1.LabelSelector`."""
    return LabelSelector.from_dict((owner.get("spec") or {}).get("selector"))


def selecting_owners(
    owners: Indexer, selector_of: Callable[[Obj], LabelSelector] = label_selector_of
) -> Adopters:
    """Adopters: the owners in the pod's namespace whose selector matches the pod."""

    def adopters(pod: Obj) -> list[str]:
        labels = meta(pod).get("labels") or {}
        keys = []
        for owner in owners.by_index(NAMESPACE_INDEX, meta(pod).get("namespace") or ""):
            if selector_of(owner).matches(labels):
                keys.append(key_of(owner))
        return keys

    return adopters
