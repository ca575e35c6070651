"""Does a pod spec fit a node? Taints vs tolerations, nodeSelector and node affinity terms.

Kubernetes keeps these rules in one shared library (component-helpers) because more than
one component applies them: here the scheduler's NodeAffinity / TaintToleration /
NodeUnschedulable / PodTopologySpread plugins, and the DaemonSet controller, which decides
per node whether a daemon pod belongs there. Pure functions over plain API objects.
"""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]

HARD_EFFECTS = ("NoSchedule", "NoExecute")


def tolerates(toleration: Obj, taint: Obj) -> bool:
    """Kubernetes' Toleration.ToleratesTaint."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    if operator == "Equal":
        if not key:  # an empty key must come with Exists
            return False
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def tolerated(tolerations: list[Obj], taint: Obj) -> bool:
    return any(tolerates(t, taint) for t in tolerations)


def untolerated(taints: list[Obj], tolerations: list[Obj], effects: tuple[str, ...]) -> Obj | None:
    """The first taint with one of `effects` that no toleration covers."""
    for taint in taints:
        if taint.get("effect") in effects and not tolerated(tolerations, taint):
            return taint
    return None


def _as_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def expression_matches(expr: Obj, values: dict[str, str]) -> bool:
    """One NodeSelectorRequirement (In, NotIn, Exists, DoesNotExist, Gt, Lt)."""
    key = expr.get("key", "")
    op = expr.get("operator", "")
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
    if op in ("Gt", "Lt"):
        if not present or len(wanted) != 1:
            return False
        have, limit = _as_int(values[key]), _as_int(wanted[0])
        if have is None or limit is None:
            return False
        return have > limit if op == "Gt" else have < limit
    return False


def term_matches(term: Obj, labels: dict[str, str], node_name: str) -> bool:
    """A NodeSelectorTerm: every matchExpression on labels and matchField (metadata.name);
    a term with neither matches nothing."""
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not exprs and not fields:
        return False
    if not all(expression_matches(e, labels) for e in exprs):
        return False
    return all(expression_matches(f, {"metadata.name": node_name}) for f in fields)


def required_node_affinity_matches(spec: Obj, labels: dict[str, str], node_name: str) -> bool:
    """nodeSelector and requiredDuringSchedulingIgnoredDuringExecution (terms are ORed)."""
    selector = spec.get("nodeSelector") or {}
    for k, v in selector.items():
        if labels.get(k) != v:
            return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms")
    if terms is None:
        return True
    return any(term_matches(t, labels, node_name) for t in terms)


def selector_and_affinity_match(spec: Obj, node: Obj) -> bool:
    """`required_node_affinity_matches` against a Node object."""
    meta = node.get("metadata") or {}
    labels = {str(k): str(v) for k, v in (meta.get("labels") or {}).items()}
    return required_node_affinity_matches(spec, labels, str(meta.get("name") or ""))
