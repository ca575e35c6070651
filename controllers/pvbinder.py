"""The PersistentVolume binder: pairs PersistentVolumeClaims with PersistentVolumes.

Two kinds of keys share one queue: `("claim", "ns/name")` and `("volume", "name")`.

A claim sync (Kubernetes' syncUnboundClaim / syncBoundClaim):
- unbound (`spec.volumeName` empty): the volume pre-bound to it (`spec.claimRef` naming
  it), else the smallest Available volume that fits (`fits()`: same storageClassName,
  volumeMode, every requested access mode, capacity >= the request, the claim's selector
  matches the volume's labels; ties by name). Binding is three writes, each a
  compare-and-swap on resourceVersion so two workers (or two binders) racing for one
  volume cannot both win: the volume's `spec.claimRef` (the claim's uid included), then
  its `status.phase: Bound`, then the claim's `spec.volumeName` with the
  `pv.kubernetes.io/bind-completed` annotation, then its status (Bound, the volume's
  access modes and capacity). A sync that stops half way is finished by the next one:
  the volume already names the claim, so it is the one chosen again. No fit: the claim
  stays Pending with a FailedBinding event;
- pre-bound by the user (`spec.volumeName` set, not yet completed): the volume is bound to
  it when it exists, is not bound elsewhere and fits; otherwise the claim waits, Pending;
- bound: its status says Bound; a bound claim whose volume is gone becomes Lost.

A volume sync: without a claimRef it is Available; bound to a claim that still exists, it
is Bound; bound to a claim that is gone (checked against the API server, not only the
cache) it is released: `persistentVolumeReclaimPolicy: Retain` leaves it Released (its data
and claimRef kept for an administrator), `Delete` deletes the PersistentVolume object —
the data of a hostPath/local volume stays on the node: no deleter plugin wipes a host
directory. A new or freed volume re-queues the Pending claims, so a claim that found
nothing gets another try.

Concurrency model: the base controller's one event loop; the queue never hands one key to
two workers, but a claim and a volume sync may run at once: only resourceVersion
preconditions order their writes (a Conflict is retried with backoff).
"""

from __future__ import annotations

import logging
from typing import Any

from minik8s.api import errors
from minik8s.api.quantity import parse_bytes
from minik8s.api.selectors import LabelSelector
from minik8s.client import copy_of, key_of
from minik8s.client.events import NORMAL, WARNING

from .base import Controller, ControllerContext, Obj, res
from .podutil import is_deleting, meta, uid_of

log = logging.getLogger(__name__)

PVS = res("persistentvolumes")
PVCS = res("persistentvolumeclaims")

BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"

CLAIM = "claim"
VOLUME = "volume"
Key = tuple[str, str]


# ---- pure decisions


def _storage(block: Any) -> int | None:
    value = (block or {}).get("storage") if isinstance(block, dict) else None
    if value is None:
        return None
    try:
        return parse_bytes(value)
    except (ValueError, TypeError):
        return None


def capacity_of(pv: Obj) -> int:
    return _storage((pv.get("spec") or {}).get("capacity")) or 0


def request_of(pvc: Obj) -> int:
    return _storage(((pvc.get("spec") or {}).get("resources") or {}).get("requests")) or 0


def claim_ref_matches(pv: Obj, pvc: Obj) -> bool:
    """The volume's claimRef names this claim (and this very claim, when it has a uid)."""
    ref = (pv.get("spec") or {}).get("claimRef") or {}
    if not ref.get("name"):
        return False
    if (ref.get("name"), ref.get("namespace")) != (
        meta(pvc).get("name"),
        meta(pvc).get("namespace"),
    ):
        return False
    return not ref.get("uid") or ref.get("uid") == uid_of(pvc)


def mismatch(pv: Obj, pvc: Obj) -> str | None:
    """Why the volume cannot serve the claim (None: it fits), claimRef aside."""
    pv_spec, pvc_spec = pv.get("spec") or {}, pvc.get("spec") or {}
    if (pv_spec.get("storageClassName") or "") != (pvc_spec.get("storageClassName") or ""):
        return "storageClassName does not match"
    if (pv_spec.get("volumeMode") or "Filesystem") != (pvc_spec.get("volumeMode") or "Filesystem"):
        return "volumeMode does not match"
    if not set(pvc_spec.get("accessModes") or []) <= set(pv_spec.get("accessModes") or []):
        return "access modes do not match"
    if capacity_of(pv) < request_of(pvc):
        return "capacity is smaller than the request"
    selector = pvc_spec.get("selector")
    if selector is not None and not LabelSelector.from_dict(selector).matches(
        meta(pv).get("labels")
    ):
        return "the claim's selector does not match the volume's labels"
    return None


def is_available(pv: Obj) -> bool:
    phase = (pv.get("status") or {}).get("phase") or "Available"
    claim_ref = (pv.get("spec") or {}).get("claimRef") or {}
    return phase in ("Available", "Pending") and not claim_ref.get("name") and not is_deleting(pv)


def find_volume(pvc: Obj, volumes: list[Obj]) -> Obj | None:
    """The volume for an unbound claim: the one pre-bound to it, else the smallest fit."""
    for pv in volumes:
        if claim_ref_matches(pv, pvc) and not is_deleting(pv):
            return pv
    fitting = [pv for pv in volumes if is_available(pv) and mismatch(pv, pvc) is None]
    fitting.sort(key=lambda pv: (capacity_of(pv), meta(pv).get("name", "")))
    return fitting[0] if fitting else None


def claim_ref(pvc: Obj) -> Obj:
    return {
        "kind": "PersistentVolumeClaim",
        "apiVersion": "v1",
        "namespace": meta(pvc).get("namespace", ""),
        "name": meta(pvc).get("name", ""),
        "uid": uid_of(pvc),
        "resourceVersion": meta(pvc).get("resourceVersion", ""),
    }


def volume_phase(pv: Obj, claim: Obj | None) -> str:
    """Available, Bound or Released, from the claimRef and the claim it names; "" while the
    claim's half of a binding is still to be written (the phase is left as it is)."""
    ref = (pv.get("spec") or {}).get("claimRef") or {}
    if not ref.get("name"):
        return "Available"
    if claim is not None and claim_ref_matches(pv, claim):
        if (claim.get("spec") or {}).get("volumeName") == meta(pv).get("name"):
            return "Bound"
        return "" if ref.get("uid") else "Available"
    if not ref.get("uid"):
        return "Available"  # pre-bound to a claim that does not exist yet
    return "Released"


# ---- the controller


class PersistentVolumeBinder(Controller):
    name = "persistentvolume-binder"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.pv_informer = ctx.informer("persistentvolumes")
        self.pvc_informer = ctx.informer("persistentvolumeclaims")
        self.pv_store = self.pv_informer.store
        self.pvc_store = self.pvc_informer.store
        self.pv_informer.add_handler(self.volume_event, self.volume_update, self.volume_event)
        self.pvc_informer.add_handler(self.claim_event, self.claim_update, self.claim_deleted)
        self._reported: set[str] = set()  # claims told "no volume" (one event per claim)

    # ---- handlers

    def volume_event(self, pv: Obj) -> None:
        self.queue.add((VOLUME, meta(pv).get("name", "")))
        self._requeue_pending()

    def volume_update(self, old: Obj, new: Obj) -> None:
        if meta(old).get("resourceVersion") != meta(new).get("resourceVersion") or old is new:
            self.volume_event(new)

    def claim_event(self, pvc: Obj) -> None:
        self.queue.add((CLAIM, key_of(pvc)))
        name = (pvc.get("spec") or {}).get("volumeName")
        if name:
            self.queue.add((VOLUME, name))

    def claim_update(self, old: Obj, new: Obj) -> None:
        if meta(old).get("resourceVersion") != meta(new).get("resourceVersion") or old is new:
            self.claim_event(new)

    def claim_deleted(self, pvc: Obj) -> None:
        self._reported.discard(uid_of(pvc))
        for pv in self.pv_store.list():
            ref = (pv.get("spec") or {}).get("claimRef") or {}
            if (ref.get("namespace"), ref.get("name")) == (
                meta(pvc).get("namespace"),
                meta(pvc).get("name"),
            ):
                self.queue.add((VOLUME, meta(pv).get("name", "")))

    def _requeue_pending(self) -> None:
        for pvc in self.pvc_store.list():
            if not (pvc.get("spec") or {}).get("volumeName") and not is_deleting(pvc):
                self.queue.add((CLAIM, key_of(pvc)))

    # ---- sync

    async def sync(self, key: Key) -> float | None:
        kind, name = key
        if kind == CLAIM:
            await self._sync_claim(name)
        else:
            await self._sync_volume(name)
        return None

    async def _sync_claim(self, key: str) -> None:
        pvc = self.pvc_store.get(key)
        if pvc is None or is_deleting(pvc):
            return
        spec = pvc.get("spec") or {}
        annotations = meta(pvc).get("annotations") or {}
        volume_name = spec.get("volumeName") or ""
        if volume_name:
            pv = self.pv_store.get(volume_name)
            if pv is None:
                if annotations.get(BIND_COMPLETED):
                    await self._claim_status(pvc, "Lost", None)
                    await self.recorder.event(
                        pvc, WARNING, "ClaimLost", "Bound claim has lost its PersistentVolume"
                    )
                else:
                    await self._claim_status(pvc, "Pending", None)
                return
            if claim_ref_matches(pv, pvc):
                await self._bind(pvc, pv)
                return
            ref = (pv.get("spec") or {}).get("claimRef") or {}
            if ref.get("name"):
                message = f"volume {volume_name} already bound to a different claim."
            else:
                why = mismatch(pv, pvc)
                if why is None:
                    await self._bind(pvc, pv)
                    return
                message = f"Cannot bind to requested volume {volume_name!r}: {why}"
            await self._claim_status(pvc, "Pending", None)
            await self._report(pvc, message)
            return
        pv = find_volume(pvc, self.pv_store.list())
        if pv is None:
            await self._claim_status(pvc, "Pending", None)
            cls = spec.get("storageClassName")
            await self._report(
                pvc,
                "no persistent volumes available for this claim and "
                + (
                    f'storage class "{cls}" has no provisioner'
                    if cls
                    else "no storage class is set"
                ),
            )
            return
        await self._bind(pvc, pv)

    async def _report(self, pvc: Obj, message: str) -> None:
        if uid_of(pvc) in self._reported:
            return
        self._reported.add(uid_of(pvc))
        await self.recorder.event(pvc, WARNING, "FailedBinding", message)

    async def _bind(self, pvc: Obj, pv: Obj) -> None:
        """Both halves of the binding, each written only if it is not already so."""
        pv_name = meta(pv).get("name", "")
        ref = (pv.get("spec") or {}).get("claimRef") or {}
        if ref.get("uid") != uid_of(pvc) or ref.get("name") != meta(pvc).get("name"):
            updated = copy_of(pv)
            updated["spec"]["claimRef"] = claim_ref(pvc)
            if not ref.get("name"):
                updated["metadata"].setdefault("annotations", {})[BOUND_BY_CONTROLLER] = "yes"
            pv = await self.client.update(PVS, updated)  # CAS: a stale view answers Conflict
        if (pv.get("status") or {}).get("phase") != "Bound":
            status = copy_of(pv)
            status.setdefault("status", {})["phase"] = "Bound"
            pv = await self.client.update(PVS, status, subresource="status")
        spec = pvc.get("spec") or {}
        annotations = meta(pvc).get("annotations") or {}
        if spec.get("volumeName") != pv_name or not annotations.get(BIND_COMPLETED):
            updated = copy_of(pvc)
            if not spec.get("volumeName"):
                updated["metadata"].setdefault("annotations", {})[BOUND_BY_CONTROLLER] = "yes"
            updated["spec"]["volumeName"] = pv_name
            updated["metadata"].setdefault("annotations", {})[BIND_COMPLETED] = "yes"
            pvc = await self.client.update(PVCS, updated, meta(pvc).get("namespace"))
            self.recorder.emit(
                pvc, NORMAL, "Bound", f"Successfully bound to PersistentVolume {pv_name}"
            )
        await self._claim_status(pvc, "Bound", pv)
        self._reported.discard(uid_of(pvc))

    async def _claim_status(self, pvc: Obj, phase: str, pv: Obj | None) -> None:
        old = pvc.get("status") or {}
        status = {k: v for k, v in old.items() if k not in ("accessModes", "capacity")}
        status["phase"] = phase
        if pv is not None:
            status["accessModes"] = list((pv.get("spec") or {}).get("accessModes") or [])
            status["capacity"] = dict((pv.get("spec") or {}).get("capacity") or {})
        if status == old:
            return
        updated = copy_of(pvc)
        updated["status"] = status
        await self.client.update(PVCS, updated, meta(pvc).get("namespace"), subresource="status")

    async def _sync_volume(self, name: str) -> None:
        pv = self.pv_store.get(name)
        if pv is None or is_deleting(pv):
            return
        ref = (pv.get("spec") or {}).get("claimRef") or {}
        claim = None
        if ref.get("name"):
            claim = self.pvc_store.get(f"{ref.get('namespace')}/{ref['name']}")
            if claim is None and ref.get("uid"):
                try:  # the cache may be behind: ask before releasing anything
                    claim = await self.client.get(PVCS, ref["name"], ref.get("namespace"))
                except errors.NotFound:
                    claim = None
        phase = volume_phase(pv, claim)
        if phase in ("", "Available") and claim is not None and claim_ref_matches(pv, claim):
            self.queue.add((CLAIM, key_of(claim)))  # the claim's sync finishes the binding
        if phase == "Released":
            await self._release(pv)
            return
        if phase and (pv.get("status") or {}).get("phase") != phase:
            updated = copy_of(pv)
            updated.setdefault("status", {})["phase"] = phase
            await self.client.update(PVS, updated, subresource="status")

    async def _release(self, pv: Obj) -> None:
        name = meta(pv).get("name", "")
        policy = (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy") or "Retain"
        if policy == "Delete":
            try:
                await self.client.delete(PVS, name)
            except errors.NotFound:
                return
            log.info("deleted released persistentvolume %s (reclaim policy Delete)", name)
            return
        if (pv.get("status") or {}).get("phase") == "Released":
            return
        updated = copy_of(pv)
        updated.setdefault("status", {})["phase"] = "Released"
        await self.client.update(PVS, updated, subresource="status")
        if policy == "Recycle":
            await self.recorder.event(
                pv, WARNING, "VolumeFailedRecycle", "Recycle is not supported; kept as Released"
            )
