"""The Deployment controller: ReplicaSets per pod template, rolled by RollingUpdate or Recreate.

One sync of one Deployment key:

1. read the Deployment (gone, or being deleted: nothing to roll);
2. claim its ReplicaSets (controller ownerReference; adopt matching orphans, release
   the ones that stopped matching);
3. find the *new* ReplicaSet, the one whose template equals the Deployment's (ignoring the
   `pod-template-hash` label); the others are *old*. Revisions: the new one carries
   `deployment.kubernetes.io/revision` = 1 + the highest old revision (a rollback —
   `mkctl rollout undo` writes an old template back — thus reuses the old ReplicaSet and
   gives it the next revision), and the Deployment carries the same annotation;
4. paused: only scale (proportionally) and write status. Otherwise a scale (a change of
   `spec.replicas` mid-rollout spreads the difference over the active ReplicaSets in
   proportion to their size), then one rollout step:
   - RollingUpdate: scale the new ReplicaSet up while the total stays ≤ replicas +
     maxSurge, scale old ones down while the available pods stay ≥ replicas −
     maxUnavailable (unhealthy old pods go first, they are not available anyway);
   - Recreate: scale every old ReplicaSet to 0, wait until none has pods, then scale the
     new one up;
5. once complete, delete the oldest empty ReplicaSets beyond `revisionHistoryLimit`;
6. write status and the Available / Progressing conditions (Progressing=False with
   ProgressDeadlineExceeded when no progress was made for `progressDeadlineSeconds`).

Pure helpers (`resolve_fenceposts`, `new_rs_replicas`, `old_rs_scale_down`,
`proportional_scale`, `compute_status`) carry the rollout math and are unit tested.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from minik8s.api import errors
from minik8s.api.selectors import LabelSelector
from minik8s.api.times import epoch_seconds, rfc3339
from minik8s.client import copy_of, key_of
from minik8s.client.events import NORMAL
from minik8s.client.informer import NAMESPACE_INDEX

from .base import Controller, ControllerContext, Obj, res
from .podutil import (
    claim,
    controller_ref,
    is_deleting,
    meta,
    owner_ref,
    template_hash,
    uid_of,
)

log = logging.getLogger(__name__)

DEPLOYMENTS = res("deployments")
REPLICASETS = res("replicasets")

REVISION = "deployment.kubernetes.io/revision"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
HASH_LABEL = "pod-template-hash"
COPIED_EXCLUDE = frozenset(
    {
        REVISION,
        DESIRED,
        MAX_REPLICAS,
        "kubectl.kubernetes.io/last-applied-configuration",
        "deployment.kubernetes.io/revision-history",
    }
)


# ---- rollout math (pure)


def _int_or_percent(value: Any, total: int, round_up: bool) -> int:
    if value is None:
        value = "25%"
    if isinstance(value, str) and value.endswith("%"):
        fraction = float(value[:-1]) * total / 100
        return math.ceil(fraction) if round_up else math.floor(fraction)
    return int(value)


def resolve_fenceposts(strategy: Obj, replicas: int) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) as numbers: surge rounds up, unavailable down; never 0/0."""
    rolling = strategy.get("rollingUpdate") or {}
    surge = _int_or_percent(rolling.get("maxSurge"), replicas, True)
    unavailable = _int_or_percent(rolling.get("maxUnavailable"), replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return max(0, surge), max(0, unavailable)


def replicas_of(rs: Obj | None) -> int:
    return int(((rs or {}).get("spec") or {}).get("replicas") or 0)


def status_of(rs: Obj, field: str) -> int:
    return int((rs.get("status") or {}).get(field) or 0)


def new_rs_replicas(deployment: Obj, all_rss: list[Obj], new_rs: Obj | None) -> int:
    """How many replicas the new ReplicaSet should have now (Kubernetes' NewRSNewReplicas)."""
    spec = deployment.get("spec") or {}
    replicas = int(spec.get("replicas", 1))
    strategy = spec.get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return replicas
    surge, _ = resolve_fenceposts(strategy, replicas)
    current = sum(replicas_of(rs) for rs in all_rss)
    have = replicas_of(new_rs)
    max_total = replicas + surge
    if current >= max_total:
        return have
    return have + max(0, min(max_total - current, replicas - have))


def old_rs_scale_down(deployment: Obj, new_rs: Obj | None, old_rss: list[Obj]) -> dict[str, int]:
    """The old ReplicaSets' new sizes for one RollingUpdate step (name → replicas)."""
    spec = deployment.get("spec") or {}
    replicas = int(spec.get("replicas", 1))
    _, max_unavailable = resolve_fenceposts(spec.get("strategy") or {}, replicas)
    sizes = {meta(rs)["name"]: replicas_of(rs) for rs in old_rss}
    if sum(sizes.values()) == 0:
        return {}
    all_rss = [*old_rss, *([new_rs] if new_rs else [])]
    all_pods = sum(replicas_of(rs) for rs in all_rss)
    min_available = replicas - max_unavailable
    new_unavailable = replicas_of(new_rs) - status_of(new_rs, "availableReplicas") if new_rs else 0
    max_scaled_down = all_pods - min_available - new_unavailable
    if max_scaled_down <= 0:
        return {}
    ordered = sorted(
        old_rss, key=lambda rs: (meta(rs).get("creationTimestamp") or "", meta(rs).get("name", ""))
    )
    # 1. old pods that are not available cost nothing to remove
    cleaned = 0
    for rs in ordered:
        name = meta(rs)["name"]
        if cleaned >= max_scaled_down:
            break
        unhealthy = sizes[name] - status_of(rs, "availableReplicas")
        if unhealthy <= 0:
            continue
        down = min(max_scaled_down - cleaned, unhealthy)
        sizes[name] -= down
        cleaned += down
    # 2. available ones only while enough stay available
    available = sum(status_of(rs, "availableReplicas") for rs in all_rss)
    budget = available - min_available
    if budget > 0:
        budget = min(budget, max_scaled_down - cleaned)
        for rs in ordered:
            if budget <= 0:
                break
            name = meta(rs)["name"]
            down = min(sizes[name], budget)
            sizes[name] -= down
            budget -= down
    return {
        name: size
        for name, size in sizes.items()
        if size != replicas_of(next(r for r in old_rss if meta(r)["name"] == name))
    }


def proportional_scale(
    deployment: Obj, active: list[Obj], annotated: dict[str, int]
) -> dict[str, int]:
    """A replicas change spread over the active ReplicaSets in proportion to their size.

    Each ReplicaSet's share is its size scaled by (new allowed total / the allowed total it
    was last sized for, its `max-replicas` annotation in `annotated`), so a step applied
    only in part (a write failed) converges on the same sizes when repeated.
    """
    spec = deployment.get("spec") or {}
    replicas = int(spec.get("replicas", 1))
    surge, _ = resolve_fenceposts(spec.get("strategy") or {}, replicas)
    allowed = replicas + surge
    current = sum(replicas_of(rs) for rs in active)
    delta = allowed - current
    if delta == 0 or not active:
        return {}
    sizes = {meta(rs)["name"]: replicas_of(rs) for rs in active}
    ordered = sorted(active, key=lambda rs: (-replicas_of(rs), meta(rs).get("name", "")))
    added = 0
    for rs in ordered:
        name = meta(rs)["name"]
        base = annotated.get(name) or current or 1
        part = round(replicas_of(rs) * allowed / base) - replicas_of(rs)
        part = max(part, delta - added) if delta < 0 else min(part, delta - added)
        sizes[name] = max(0, sizes[name] + part)
        added += part
    leftover = delta - added
    if leftover:
        biggest = meta(ordered[0])["name"]
        sizes[biggest] = max(0, sizes[biggest] + leftover)
    return {
        n: s
        for n, s in sizes.items()
        if s != next(replicas_of(r) for r in active if meta(r)["name"] == n)
    }


def _without_hash(template: Obj | None) -> Obj:
    template = dict(template or {})
    tmeta = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (tmeta.get("labels") or {}).items() if k != HASH_LABEL}
    tmeta["labels"] = labels
    if not labels:
        tmeta.pop("labels")
    template["metadata"] = tmeta
    if not tmeta:
        template.pop("metadata")
    return template


def equal_ignore_hash(a: Obj | None, b: Obj | None) -> bool:
    return _without_hash(a) == _without_hash(b)


def revision(rs: Obj) -> int:
    try:
        return int((meta(rs).get("annotations") or {}).get(REVISION) or 0)
    except ValueError:
        return 0


def _condition(status: Obj, ctype: str) -> Obj | None:
    for c in status.get("conditions") or []:
        if c.get("type") == ctype:
            return dict(c)
    return None


def compute_status(
    deployment: Obj, new_rs: Obj | None, all_rss: list[Obj], now: float, progressed: bool
) -> Obj:
    """The Deployment's status, conditions included (pure; `now` in epoch seconds)."""
    spec = deployment.get("spec") or {}
    replicas = int(spec.get("replicas", 1))
    _, max_unavailable = resolve_fenceposts(spec.get("strategy") or {}, replicas)
    old = deployment.get("status") or {}
    available = sum(status_of(rs, "availableReplicas") for rs in all_rss)
    total = sum(status_of(rs, "replicas") for rs in all_rss)
    updated = status_of(new_rs, "replicas") if new_rs else 0
    status: Obj = {
        "observedGeneration": meta(deployment).get("generation", 0),
        "replicas": total,
        "updatedReplicas": updated,
        "readyReplicas": sum(status_of(rs, "readyReplicas") for rs in all_rss),
        "availableReplicas": available,
        "unavailableReplicas": max(0, total - available),
    }
    if old.get("collisionCount"):
        status["collisionCount"] = old["collisionCount"]
    stamp = rfc3339(now)

    def cond(ctype: str, value: str, reason: str, message: str, keep_update: bool) -> Obj:
        previous = _condition(old, ctype)
        same = previous is not None and previous.get("status") == value
        same_reason = same and previous is not None and previous.get("reason") == reason
        return {
            "type": ctype,
            "status": value,
            "lastUpdateTime": (previous or {}).get("lastUpdateTime", stamp)
            if (same_reason and keep_update)
            else stamp,
            "lastTransitionTime": (previous or {}).get("lastTransitionTime", stamp)
            if same
            else stamp,
            "reason": reason,
            "message": message,
        }

    name = meta(deployment).get("name", "")
    if available >= replicas - max_unavailable:
        avail = cond(
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            True,
        )
    else:
        avail = cond(
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            True,
        )
    rs_name = meta(new_rs).get("name", "") if new_rs else ""
    complete = (
        new_rs is not None
        and updated == replicas
        and available == replicas
        and total == replicas
        and status_of(new_rs, "availableReplicas") == replicas
    )
    previous = _condition(old, "Progressing") or {}
    deadline = spec.get("progressDeadlineSeconds", 600)
    if spec.get("paused"):
        prog = cond("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", True)
    elif complete:
        prog = cond(
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            f'ReplicaSet "{rs_name}" has successfully progressed.',
            True,
        )
    elif progressed or previous.get("reason") in (
        None,
        "DeploymentPaused",
        "NewReplicaSetAvailable",
    ):
        reason = (
            "DeploymentResumed"
            if previous.get("reason") == "DeploymentPaused"
            else ("NewReplicaSetCreated" if progressed and not previous else "ReplicaSetUpdated")
        )
        prog = cond("Progressing", "True", reason, f'ReplicaSet "{rs_name}" is progressing.', False)
    elif previous.get("reason") == "ProgressDeadlineExceeded":
        prog = previous
    else:
        since = epoch_seconds(previous.get("lastUpdateTime")) or now
        if deadline is not None and since + int(deadline) < now:
            prog = cond(
                "Progressing",
                "False",
                "ProgressDeadlineExceeded",
                f'ReplicaSet "{rs_name}" has timed out progressing.',
                False,
            )
        else:
            prog = previous
    del name
    others = [
        c for c in old.get("conditions") or [] if c.get("type") not in ("Available", "Progressing")
    ]
    status["conditions"] = [avail, prog, *others]
    return status


def progress_made(old: Obj, new: Obj) -> bool:
    """A rollout moved on: more updated, ready or available pods, or fewer old ones."""
    return any(
        (new.get(k) or 0) > (old.get(k) or 0)
        for k in ("updatedReplicas", "readyReplicas", "availableReplicas")
    ) or (
        (new.get("replicas") or 0) - (new.get("updatedReplicas") or 0)
        < (old.get("replicas") or 0) - (old.get("updatedReplicas") or 0)
    )


def _status_differs(old: Obj, new: Obj) -> bool:
    def strip(s: Obj) -> Obj:
        return {k: v for k, v in s.items() if k != "conditions"} | {
            "conditions": [{k: v for k, v in c.items()} for c in s.get("conditions") or []]
        }

    return strip(old) != strip(new)


# ---- the controller


class DeploymentController(Controller):
    name = "deployment"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.d_informer = ctx.informer("deployments")
        self.rs_informer = ctx.informer("replicasets")
        self.d_store = self.d_informer.store
        self.rs_store = self.rs_informer.store
        self.watch(self.d_informer)
        self.rs_informer.add_handler(
            self.rs_event, lambda old, new: self.rs_update(old, new), self.rs_event
        )

    def rs_event(self, rs: Obj) -> None:
        ref = controller_ref(rs)
        ns = meta(rs).get("namespace") or ""
        if ref is not None:
            if ref.get("kind") == "Deployment":
                self.queue.add(f"{ns}/{ref.get('name')}")
            return
        labels = meta(rs).get("labels") or {}
        for d in self.d_store.by_index(NAMESPACE_INDEX, ns):
            if LabelSelector.from_dict((d.get("spec") or {}).get("selector")).matches(labels):
                self.queue.add(key_of(d))

    def rs_update(self, old: Obj, new: Obj) -> None:
        old_ref, new_ref = controller_ref(old), controller_ref(new)
        if old_ref is not None and (new_ref is None or old_ref.get("uid") != new_ref.get("uid")):
            self.rs_event(old)
        self.rs_event(new)

    async def sync(self, key: str) -> float | None:
        d = self.d_store.get(key)
        if d is None:
            return None
        ns = meta(d).get("namespace") or ""
        spec = d.get("spec") or {}
        selector = LabelSelector.from_dict(spec.get("selector"))
        if selector.empty():
            await self.recorder.event(
                d, "Warning", "SelectingAll", "This deployment is selecting all pods."
            )
            return None
        claimed = claim(d, self.rs_store.by_index(NAMESPACE_INDEX, ns), selector)
        rss = [rs for rs in claimed.owned if rs not in claimed.adopt]
        for rs in claimed.adopt:
            refs = [*(meta(rs).get("ownerReferences") or []), owner_ref(d)]
            try:
                rss.append(
                    await self.client.patch(
                        REPLICASETS,
                        meta(rs)["name"],
                        {
                            "metadata": {
                                "ownerReferences": refs,
                                "resourceVersion": meta(rs).get("resourceVersion"),
                            }
                        },
                        ns,
                    )
                )
            except (errors.NotFound, errors.Conflict):
                continue
        for rs in claimed.release:
            refs = [r for r in meta(rs).get("ownerReferences") or [] if r.get("uid") != uid_of(d)]
            try:
                await self.client.patch(
                    REPLICASETS,
                    meta(rs)["name"],
                    {"metadata": {"ownerReferences": refs or None}},
                    ns,
                )
            except errors.NotFound:
                pass
        if is_deleting(d):
            await self._write_status(d, self._find_new(d, rss), rss, False)
            return None

        new_rs = self._find_new(d, rss)
        old_rss = [rs for rs in rss if rs is not new_rs]
        log.debug(
            "deployment %s: replicas %s, new %s, old %s",
            key,
            spec.get("replicas"),
            new_rs and (meta(new_rs)["name"], replicas_of(new_rs), self._desired(new_rs)),
            [(meta(rs)["name"], replicas_of(rs), self._desired(rs)) for rs in old_rss],
        )
        progressed = False
        if not spec.get("paused") and new_rs is None:
            new_rs = await self._create_new_rs(d, rss, old_rss)
            rss = [*old_rss, new_rs]
            progressed = True
        elif new_rs is not None:
            new_rs = await self._sync_revision(d, new_rs, old_rss)
            rss = [*old_rss, new_rs]
        if new_rs is not None:
            d = await self._annotate_deployment(d, str(revision(new_rs)))

        if await self._scale(d, new_rs, old_rss):
            return await self._write_status(d, new_rs, rss, True)
        if spec.get("paused"):
            return await self._write_status(d, new_rs, rss, False)

        strategy = (spec.get("strategy") or {}).get("type") or "RollingUpdate"
        replicas = int(spec.get("replicas", 1))
        assert new_rs is not None
        if strategy == "Recreate":
            if any(replicas_of(rs) > 0 for rs in old_rss):
                for rs in old_rss:
                    if replicas_of(rs) > 0:
                        await self._scale_rs(d, rs, 0)
                return await self._write_status(d, new_rs, rss, True)
            if any(status_of(rs, "replicas") > 0 for rs in old_rss):
                return await self._write_status(d, new_rs, rss, progressed)
            if replicas_of(new_rs) != replicas:
                await self._scale_rs(d, new_rs, replicas)
                return await self._write_status(d, new_rs, rss, True)
        else:
            want = new_rs_replicas(d, rss, new_rs)
            if want != replicas_of(new_rs):
                new_rs = await self._scale_rs(d, new_rs, want)
                return await self._write_status(d, new_rs, [*old_rss, new_rs], True)
            downs = old_rs_scale_down(d, new_rs, old_rss)
            if downs:
                for rs in old_rss:
                    if meta(rs)["name"] in downs:
                        await self._scale_rs(d, rs, downs[meta(rs)["name"]])
                return await self._write_status(d, new_rs, rss, True)
        if (
            replicas_of(new_rs) == replicas
            and status_of(new_rs, "availableReplicas") == replicas
            and all(replicas_of(rs) == 0 for rs in old_rss)
        ):
            await self._cleanup(d, old_rss)
        return await self._write_status(d, new_rs, rss, progressed)

    # ---- steps

    def _find_new(self, d: Obj, rss: list[Obj]) -> Obj | None:
        template = (d.get("spec") or {}).get("template")
        matching = [
            rs for rs in rss if equal_ignore_hash((rs.get("spec") or {}).get("template"), template)
        ]
        matching.sort(key=lambda rs: (meta(rs).get("creationTimestamp") or "", meta(rs)["name"]))
        return matching[0] if matching else None

    async def _create_new_rs(self, d: Obj, rss: list[Obj], old_rss: list[Obj]) -> Obj:
        spec = d.get("spec") or {}
        ns = meta(d).get("namespace")
        template = copy_of(spec.get("template") or {})
        collisions = int((d.get("status") or {}).get("collisionCount") or 0)
        h = template_hash(_without_hash(template), collisions)
        tmeta = template.setdefault("metadata", {})
        tmeta["labels"] = {**(tmeta.get("labels") or {}), HASH_LABEL: h}
        selector = copy_of(spec.get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: h}
        replicas = int(spec.get("replicas", 1))
        surge, _ = resolve_fenceposts(spec.get("strategy") or {}, replicas)
        annotations = {
            k: v for k, v in (meta(d).get("annotations") or {}).items() if k not in COPIED_EXCLUDE
        }
        annotations.update(
            {
                REVISION: str(max([revision(rs) for rs in old_rss] + [0]) + 1),
                DESIRED: str(replicas),
                MAX_REPLICAS: str(replicas + surge),
            }
        )
        rs: Obj = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{meta(d)['name']}-{h}",
                "namespace": ns,
                "labels": dict(tmeta["labels"]),
                "annotations": annotations,
                "ownerReferences": [owner_ref(d)],
            },
            "spec": {
                "replicas": 0,
                "minReadySeconds": int(spec.get("minReadySeconds") or 0),
                "selector": selector,
                "template": template,
            },
        }
        rs["spec"]["replicas"] = new_rs_replicas(d, rss, None)
        recreate = (spec.get("strategy") or {}).get("type") == "Recreate"
        if recreate and any(replicas_of(o) or status_of(o, "replicas") for o in old_rss):
            rs["spec"]["replicas"] = 0  # Recreate: old pods go first
        try:
            created = await self.client.create(REPLICASETS, rs, ns)
        except errors.AlreadyExists:
            existing = await self.client.get(REPLICASETS, rs["metadata"]["name"], ns)
            ref = controller_ref(existing)
            if (
                ref is not None
                and ref.get("uid") == uid_of(d)
                and equal_ignore_hash(
                    (existing.get("spec") or {}).get("template"), spec.get("template")
                )
            ):
                return existing
            # a hash collision: count it so the next hash differs
            status = copy_of(d.get("status") or {})
            status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
            await self.client.update(
                DEPLOYMENTS, {**copy_of(d), "status": status}, ns, subresource="status"
            )
            raise
        if replicas_of(created) > 0:
            await self.recorder.event(
                d,
                NORMAL,
                "ScalingReplicaSet",
                f"Scaled up replica set {meta(created)['name']} from 0 to {replicas_of(created)}",
            )
        return created

    async def _sync_revision(self, d: Obj, new_rs: Obj, old_rss: list[Obj]) -> Obj:
        wanted = max([revision(rs) for rs in old_rss] + [0]) + 1
        have = revision(new_rs)
        if have < wanted:
            new_annotations = {**(meta(new_rs).get("annotations") or {}), REVISION: str(wanted)}
            new_rs = await self.client.patch(
                REPLICASETS,
                meta(new_rs)["name"],
                {"metadata": {"annotations": new_annotations}},
                meta(new_rs).get("namespace"),
            )
        return new_rs

    async def _annotate_deployment(self, d: Obj, rev: str) -> Obj:
        """The Deployment carries its new ReplicaSet's revision. Answers `d` with the
        written resourceVersion (the spec stays the one this sync acts on, so the status
        written later reports the generation actually observed)."""
        if (meta(d).get("annotations") or {}).get(REVISION) == rev:
            return d
        written = await self.client.patch(
            DEPLOYMENTS,
            meta(d)["name"],
            {"metadata": {"annotations": {REVISION: rev}}},
            meta(d).get("namespace"),
        )
        d = copy_of(d)
        d["metadata"]["annotations"] = {**(meta(d).get("annotations") or {}), REVISION: rev}
        if meta(written).get("resourceVersion"):
            d["metadata"]["resourceVersion"] = meta(written)["resourceVersion"]
        return d

    async def _scale(self, d: Obj, new_rs: Obj | None, old_rss: list[Obj]) -> bool:
        """Follow a change of spec.replicas; True if something was scaled."""
        spec = d.get("spec") or {}
        replicas = int(spec.get("replicas", 1))
        all_rss = [*old_rss, *([new_rs] if new_rs else [])]
        active = [rs for rs in all_rss if replicas_of(rs) > 0]
        if not active:
            return False
        if len(active) == 1:
            target = active[0]
            mine = target is new_rs or new_rs is None or spec.get("paused")
            if mine and replicas_of(target) != replicas and self._desired(target) != replicas:
                await self._scale_rs(d, target, replicas)
                return True
            return False
        if not any(self._desired(rs) != replicas for rs in active):
            return False
        if (spec.get("strategy") or {}).get("type") == "Recreate":
            return False
        annotated = {meta(rs)["name"]: self._max_replicas(rs) for rs in active}
        changes = proportional_scale(d, active, annotated)
        log.info(
            "deployment %s/%s: scaling to %d proportionally: %s",
            meta(d).get("namespace"),
            meta(d).get("name"),
            replicas,
            changes,
        )
        for rs in active:
            size = changes.get(meta(rs)["name"])
            await self._scale_rs(d, rs, replicas_of(rs) if size is None else size)
        return True

    @staticmethod
    def _desired(rs: Obj) -> int | None:
        try:
            return int((meta(rs).get("annotations") or {}).get(DESIRED))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None

    @staticmethod
    def _max_replicas(rs: Obj) -> int:
        try:
            return int((meta(rs).get("annotations") or {}).get(MAX_REPLICAS) or 0)
        except ValueError:
            return 0

    async def _scale_rs(self, d: Obj, rs: Obj, size: int) -> Obj:
        spec = d.get("spec") or {}
        replicas = int(spec.get("replicas", 1))
        surge, _ = resolve_fenceposts(spec.get("strategy") or {}, replicas)
        before = replicas_of(rs)
        annotations = {DESIRED: str(replicas), MAX_REPLICAS: str(replicas + surge)}
        current = meta(rs).get("annotations") or {}
        if before == size and all(current.get(k) == v for k, v in annotations.items()):
            return rs
        updated = await self.client.patch(
            REPLICASETS,
            meta(rs)["name"],
            {
                # no resourceVersion: spec.replicas of an owned ReplicaSet is only ours to
                # write (its controller writes status), so a status update is no conflict
                "metadata": {"annotations": annotations},
                "spec": {"replicas": size},
            },
            meta(rs).get("namespace"),
        )
        if before != size:
            verb = "up" if size > before else "down"
            await self.recorder.event(
                d,
                NORMAL,
                "ScalingReplicaSet",
                f"Scaled {verb} replica set {meta(rs)['name']} from {before} to {size}",
            )
        return updated

    async def _cleanup(self, d: Obj, old_rss: list[Obj]) -> None:
        limit = (d.get("spec") or {}).get("revisionHistoryLimit", 10)
        if limit is None:
            return
        empty = [
            rs
            for rs in old_rss
            if replicas_of(rs) == 0 and status_of(rs, "replicas") == 0 and not is_deleting(rs)
        ]
        empty.sort(key=revision)
        for rs in empty[: max(0, len(empty) - int(limit))]:
            try:
                await self.client.delete(REPLICASETS, meta(rs)["name"], meta(rs).get("namespace"))
            except errors.NotFound:
                pass

    async def _write_status(
        self, d: Obj, new_rs: Obj | None, rss: list[Obj], progressed: bool
    ) -> float | None:
        now = self.ctx.clock()
        old = d.get("status") or {}
        status = compute_status(d, new_rs, rss, now, False)
        if not progressed and progress_made(old, status):
            progressed = True
        if progressed:
            status = compute_status(d, new_rs, rss, now, True)
        if _status_differs(old, status):
            updated = copy_of(d)
            updated["status"] = status
            await self.client.update(
                DEPLOYMENTS, updated, meta(d).get("namespace"), subresource="status"
            )
        # look again at the progress deadline if the rollout is still going
        spec = d.get("spec") or {}
        prog = _condition(status, "Progressing") or {}
        deadline = spec.get("progressDeadlineSeconds", 600)
        if (
            deadline is not None
            and not spec.get("paused")
            and prog.get("status") == "True"
            and prog.get("reason") != "NewReplicaSetAvailable"
        ):
            since = epoch_seconds(prog.get("lastUpdateTime")) or now
            return max(1.0, since + int(deadline) - now + 1.0)
        return None
