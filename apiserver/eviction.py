"""`POST pods/{name}/eviction`: a pod deletion that honours PodDisruptionBudgets.

What Kubernetes' EvictionREST does, in order:

1. a pod that already caused its disruption (Succeeded, Failed, Pending) or is already
   being deleted is deleted at once;
2. the budgets of the pod's namespace whose selector selects it: none → delete; more than
   one → 500 (the eviction subresource does not support that);
3. a pod that is not Ready does not count as healthy: it is deleted without spending the
   budget when the budget says `AlwaysAllow`, or when the budget is met
   (currentHealthy >= desiredHealthy > 0) — guarded by the pod's resourceVersion, so a
   pod that became Ready meanwhile is not taken;
4. otherwise the budget must allow a disruption: a status older than its spec, or
   `disruptionsAllowed` 0, is a 429 TooManyRequests "Cannot evict pod as it would violate
   the pod's disruption budget." (kubectl drain waits and retries); else one disruption is
   spent and the pod is noted in `status.disruptedPods` (so the disruption controller does
   not count it healthy until it sees the deletion) in one status update, recomputed from
   a fresh read when someone else wrote the budget meanwhile;
5. the pod is deleted with the Eviction's `deleteOptions`.

Concurrency: two evictions against one budget race on its resourceVersion; the loser
re-reads and decides again, so a budget is never overspent.
"""

from __future__ import annotations

import copy
from typing import Any

from minik8s.api import errors
from minik8s.api.kinds.poddisruptionbudget import (
    ALWAYS_ALLOW,
    DISRUPTION_ALLOWED,
    INSUFFICIENT_PODS,
)
from minik8s.api.pods import is_pod_ready
from minik8s.api.resources import lookup
from minik8s.api.selectors import LabelSelector, SelectorError
from minik8s.api.times import now_rfc3339

from .registry import DeleteOptions, Registry, Selectors
from .routes import Target

Obj = dict[str, Any]

PODS = lookup("", "v1", "pods")
PDBS = lookup("policy", "v1", "poddisruptionbudgets")
VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."
BUDGET_CAUSE = "DisruptionBudget"  # policy/v1 DisruptionBudgetCause
MAX_DISRUPTED_PODS = 2000  # Kubernetes' MaxDisruptedPodSize


async def evict(reg: Registry, t: Target, body: Any) -> None:
    """Evict the pod `t` names, or raise the refusal (see the module docstring)."""
    assert PODS is not None and PDBS is not None and t.name is not None
    name, namespace = t.name, t.namespace
    if not isinstance(body, dict):
        raise errors.BadRequest("the body of the request must be an Eviction object")
    meta = body.get("metadata")
    if isinstance(meta, dict) and meta.get("name") not in (None, "", name):
        raise errors.BadRequest("name in URL does not match name in Eviction object")
    options = body.get("deleteOptions")
    if options is not None and not isinstance(options, dict):
        raise errors.BadRequest("deleteOptions must be an object")
    opts = DeleteOptions.from_body(options)
    pod = await reg.get(PODS, namespace, name)
    if _can_ignore_budgets(pod):
        await reg.delete(PODS, namespace, name, opts)
        return
    listed = await reg.list_objects(PDBS, namespace, Selectors())
    budgets = [b for b in listed.items if _selects(b, pod)]
    if len(budgets) > 1:
        raise errors.InternalError(
            "This pod has more than one PodDisruptionBudget, which the eviction subresource "
            "does not support."
        )
    if budgets:
        budget = budgets[0]
        if _unhealthy_may_go(budget, pod):
            if not opts.precondition_rv:
                opts.precondition_rv = pod["metadata"]["resourceVersion"]
        else:
            await _spend(reg, budget, name, opts.dry_run)
    await reg.delete(PODS, namespace, name, opts)


def _can_ignore_budgets(pod: Obj) -> bool:
    phase = (pod.get("status") or {}).get("phase") or "Pending"
    deleting = bool((pod.get("metadata") or {}).get("deletionTimestamp"))
    return phase in ("Succeeded", "Failed", "Pending") or deleting


def _selects(budget: Obj, pod: Obj) -> bool:
    try:
        selector = LabelSelector.from_dict((budget.get("spec") or {}).get("selector"))
    except (SelectorError, TypeError, AttributeError):
        return False  # an invalid selector selects nothing
    return selector.matches((pod.get("metadata") or {}).get("labels") or {})


def _unhealthy_may_go(budget: Obj, pod: Obj) -> bool:
    """A pod that is not Ready is evicted without spending a disruption when the budget
    lets unhealthy pods go always, or while the budget is met."""
    if is_pod_ready(pod):
        return False
    if (budget.get("spec") or {}).get("unhealthyPodEvictionPolicy") == ALWAYS_ALLOW:
        return True
    status = budget.get("status") or {}
    desired = int(status.get("desiredHealthy") or 0)
    return desired > 0 and int(status.get("currentHealthy") or 0) >= desired


def too_many_requests(cause: str, retry_after: int | None = None) -> errors.TooManyRequests:
    return errors.TooManyRequests(
        VIOLATION,
        causes=[errors.Cause("", cause, BUDGET_CAUSE)],
        retry_after=retry_after,
    )


def spend(budget: Obj, pod_name: str, now: str) -> Obj:
    """The budget with one disruption spent on `pod_name`, or the refusal. Pure."""
    name = budget["metadata"]["name"]
    status = budget.get("status") or {}
    generation = int(budget["metadata"].get("generation") or 0)
    if int(status.get("observedGeneration") or 0) < generation:
        raise too_many_requests(
            f"The disruption budget {name} is still being processed by the server.", 10
        )
    allowed = int(status.get("disruptionsAllowed") or 0)
    disrupted = dict(status.get("disruptedPods") or {})
    if allowed < 0:
        raise errors.Forbidden(
            f'poddisruptionbudgets.policy "{name}" is forbidden: pdb disruptions allowed is '
            "negative",
            name=name,
            group="policy",
            kind="poddisruptionbudgets",
        )
    if len(disrupted) > MAX_DISRUPTED_PODS:
        raise errors.Forbidden(
            f'poddisruptionbudgets.policy "{name}" is forbidden: DisruptedPods map too big - '
            "too many evictions not confirmed by PDB controller",
            name=name,
            group="policy",
            kind="poddisruptionbudgets",
        )
    if allowed == 0:
        raise too_many_requests(
            f"The disruption budget {name} needs {int(status.get('desiredHealthy') or 0)} "
            f"healthy pods and has {int(status.get('currentHealthy') or 0)} currently"
        )
    spent = copy.deepcopy(budget)
    new_status = spent.setdefault("status", {})
    new_status["disruptionsAllowed"] = allowed - 1
    disrupted[pod_name] = now
    new_status["disruptedPods"] = disrupted
    if allowed == 1:
        new_status["conditions"] = _not_allowed(new_status.get("conditions") or [], status, now)
    return spent


def _not_allowed(conditions: list[Obj], status: Obj, now: str) -> list[Obj]:
    """The conditions with DisruptionAllowed False (InsufficientPods); its transition time
    moves only if it was not False already."""
    out = [c for c in conditions if c.get("type") != DISRUPTION_ALLOWED]
    was = next((c for c in conditions if c.get("type") == DISRUPTION_ALLOWED), {})
    since = was.get("lastTransitionTime") if was.get("status") == "False" else None
    out.append(
        {
            "type": DISRUPTION_ALLOWED,
            "status": "False",
            "observedGeneration": int(status.get("observedGeneration") or 0),
            "lastTransitionTime": since or now,
            "reason": INSUFFICIENT_PODS,
            "message": "",
        }
    )
    return out


async def _spend(reg: Registry, budget: Obj, pod_name: str, dry_run: bool) -> None:
    """Spend one disruption of `budget` in one status update; a concurrent write to the
    budget makes `update_with` re-read it and decide again."""
    assert PDBS is not None
    if dry_run:
        spend(budget, pod_name, now_rfc3339())  # the same refusals, nothing written
        return

    def mutate(current: Obj) -> Obj:
        current["status"] = spend(current, pod_name, now_rfc3339())["status"]
        return current

    meta = budget["metadata"]
    await reg.update_with(PDBS, meta.get("namespace"), meta["name"], mutate, subresource="status")
