"""Does a pod spec fit a node? nodeSelector, required node affinity, taints vs tolerations.

The DaemonSet controller decides per node whether a daemon pod belongs there before any
scheduler sees the pod, so it needs the same rules the scheduler's NodeAffinity and
TaintToleration filters apply. Daemons never import each other, so the rules live here
again, as small pure functions over plain API objects (no I/O, no shared state).
"""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]

HARD_EFFECTS = ("NoSchedule", "NoExecute")


def tolerates(toleration: Obj, taint: Obj) -> bool:
    """Kubernetes' Toleration.ToleratesTaint: empty effect or key match every one."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    if operator != "Equal" or not key:  # an empty key must come with Exists
        return False
    return (toleration.get("value") or "") == (taint.get("value") or "")


def untolerated(taints: list[Obj], tolerations: list[Obj], effects: tuple[str, ...]) -> Obj | None:
    """The first taint with one of `effects` that no toleration covers."""
    for taint in taints:
        if taint.get("effect") in effects and not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None


def _as_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def requirement_matches(expr: Obj, values: dict[str, str]) -> bool:
    """One NodeSelectorRequirement: In, NotIn, Exists, DoesNotExist, Gt, Lt."""
    key = str(expr.get("key") or "")
    op = expr.get("operator")
    wanted = [str(v) for v in expr.get("values") or []]
    present = key in values
    if op == "In":
        return present and values[key] in wanted
    if op == "NotIn":
        return not present or values[key] not in wanted
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op in ("Gt", "Lt") and present and len(wanted) == 1:
        have, limit = _as_int(values[key]), _as_int(wanted[0])
        if have is None or limit is None:
            return False
        return have > limit if op == "Gt" else have < limit
    return False


def term_matches(term: Obj, labels: dict[str, str], node_name: str) -> bool:
    """A NodeSelectorTerm (its requirements ANDed); an empty term matches nothing."""
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not exprs and not fields:
        return False
    return all(requirement_matches(e, labels) for e in exprs) and all(
        requirement_matches(f, {"metadata.name": node_name}) for f in fields
    )


def selector_and_affinity_match(spec: Obj, node: Obj) -> bool:
    """nodeSelector and requiredDuringSchedulingIgnoredDuringExecution (terms ORed)."""
    nmeta = node.get("metadata") or {}
    labels = {str(k): str(v) for k, v in (nmeta.get("labels") or {}).items()}
    name = str(nmeta.get("name") or "")
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms")
    if terms is None:
        return True
    return any(term_matches(t, labels, name) for t in terms)
