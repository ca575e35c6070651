"""PodDisruptionBudget (policy/v1): how many of a set of pods a voluntary disruption may
take down at once.

A budget selects pods by a label selector (an empty one selects every pod of the
namespace, a missing one none) and says either `minAvailable` or `maxUnavailable` (an
integer or a percentage, never both). The disruption controller
(`controllers/disruption.py`) counts the selected pods and writes `status`: how many are
healthy, how many must stay healthy, and so how many evictions are allowed now. The API
server's `pods/{name}/eviction` refuses (429) an eviction the budget does not allow, and
`kubectl drain` retries until it does. Field order and protobuf numbers are those of
k8s.io/api/policy/v1.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from minik8s.api.errors import invalid, not_supported
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.printing import AGE, NAME, age, as_dict, column, integer, name_of
from minik8s.api.schema import (
    INT_OR_STRING,
    META,
    POLICY,
    REPLACE,
    TIME,
    Array,
    Field,
    KindSchema,
    MapOf,
    Ref,
    Struct,
)
from minik8s.api.validation import as_object, int_or_percent, validate_label_selector

# spec.unhealthyPodEvictionPolicy: may a running but not Ready pod be evicted when the
# budget would otherwise refuse? IfHealthyBudget (the default): only while the budget is
# met; AlwaysAllow: always.
IF_HEALTHY_BUDGET = "IfHealthyBudget"
ALWAYS_ALLOW = "AlwaysAllow"
_POLICIES = [ALWAYS_ALLOW, IF_HEALTHY_BUDGET]
# The condition the disruption controller sets, with its reasons.
DISRUPTION_ALLOWED = "DisruptionAllowed"
SUFFICIENT_PODS = "SufficientPods"
INSUFFICIENT_PODS = "InsufficientPods"
SYNC_FAILED = "SyncFailed"

DEFINITIONS = {
    POLICY + "PodDisruptionBudgetSpec": Struct(
        {
            "minAvailable": Field(
                Ref(INT_OR_STRING),
                "An eviction is allowed only if at least this many selected pods (or this "
                "percentage of them) are still available without the evicted one; `100%` "
                "forbids every voluntary eviction. Excludes maxUnavailable.",
                proto=1,
            ),
            "selector": Field(
                Ref(META + "LabelSelector", REPLACE),
                "Which pods of the namespace the budget counts: an empty selector selects "
                "all of them, a missing one none. Replaced whole by a patch.",
                proto=2,
            ),
            "maxUnavailable": Field(
                Ref(INT_OR_STRING),
                "An eviction is allowed only if at most this many selected pods (or this "
                "percentage of them) are unavailable after it; 0 forbids every voluntary "
                "eviction. Excludes minAvailable.",
                proto=3,
            ),
            "unhealthyPodEvictionPolicy": Field(
                "string",
                "When a running pod that is not Ready may be evicted: IfHealthyBudget (only "
                "while the budget is met; the default) or AlwaysAllow.",
                proto=4,
                keep_zero=True,
            ),
        },
        "What a PodDisruptionBudget protects and how much.",
    ),
    POLICY + "PodDisruptionBudgetStatus": Struct(
        {
            "observedGeneration": Field(
                "integer",
                "The metadata.generation this status was computed for; the other fields are "
                "valid only when it equals metadata.generation.",
                proto=1,
            ),
            "disruptedPods": Field(
                MapOf(TIME),
                "Pods whose eviction the API server granted but whose deletion the controller "
                "has not seen yet, by name, with the time of the eviction; usually empty.",
                proto=2,
            ),
            "disruptionsAllowed": Field(
                "integer", "How many pod disruptions the budget allows now.", proto=3
            ),
            "currentHealthy": Field("integer", "Selected pods that are healthy now.", proto=4),
            "desiredHealthy": Field(
                "integer", "Selected pods that must stay healthy at least.", proto=5
            ),
            "expectedPods": Field(
                "integer", "Pods the budget counts (those its selector selects).", proto=6
            ),
            "conditions": Field(
                Array(Ref(META + "Condition"), "type", "merge", "map", ("type",)),
                "DisruptionAllowed: True (SufficientPods) when an eviction is allowed, False "
                "(InsufficientPods, or SyncFailed when the controller could not compute it) "
                "otherwise.",
                proto=7,
            ),
        },
        "What the disruption controller last observed of a budget; may trail the pods.",
    ),
}


# --------------------------------------------------------------------------- rules


def _prepare_for_create(obj: Obj) -> None:
    # An empty status, as Kubernetes writes it, until the controller fills it in.
    obj["status"] = {
        "disruptionsAllowed": 0,
        "currentHealthy": 0,
        "desiredHealthy": 0,
        "expectedPods": 0,
    }


def _validate(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        errs.append(invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"))
    for key in ("minAvailable", "maxUnavailable"):
        amount = int_or_percent(spec.get(key), f"spec.{key}", errs)
        if amount is not None and amount[1] and amount[0] > 100:
            errs.append(invalid(f"spec.{key}", spec[key], "must not be greater than 100%"))
    if spec.get("selector") is not None:
        validate_label_selector(spec["selector"], "spec.selector", errs)
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in _POLICIES:
        errs.append(not_supported("spec.unhealthyPodEvictionPolicy", policy, _POLICIES))


# --------------------------------------------------------------------------- table


def _amount(value: Any) -> str:
    """An IntOrString cell, `N/A` when unset (kubectl's)."""
    if value is None:
        return "N/A"
    return str(value)


def _row(obj: Obj, now: datetime) -> Cells:
    spec = as_dict(obj.get("spec"))
    status = as_dict(obj.get("status"))
    return [
        name_of(obj),
        _amount(spec.get("minAvailable")),
        _amount(spec.get("maxUnavailable")),
        integer(status.get("disruptionsAllowed")),
        age(obj, now),
    ]


_COLUMNS = (
    NAME,
    column("Min Available", "The minimum number of pods that must be available."),
    column("Max Unavailable", "The maximum number of pods that may be unavailable."),
    column(
        "Allowed Disruptions",
        "Calculated number of pods that may be disrupted at this time.",
        type_="integer",
    ),
    AGE,
)


POD_DISRUPTION_BUDGET = ResourceInfo(
    "policy",
    "v1",
    "PodDisruptionBudget",
    "poddisruptionbudgets",
    "poddisruptionbudget",
    True,
    ("pdb",),
    ("status",),
    schema=KindSchema(
        "A PodDisruptionBudget bounds how many of a set of pods voluntary disruptions "
        "(evictions, `kubectl drain`) may take down at once.",
        {
            "spec": Field(
                Ref(POLICY + "PodDisruptionBudgetSpec"),
                "Which pods the budget protects and how much.",
                proto=2,
            ),
            "status": Field(
                Ref(POLICY + "PodDisruptionBudgetStatus"),
                "What the disruption controller last observed; written by it.",
                proto=3,
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    strategy=Strategy(
        validate=_validate,
        prepare_for_create=_prepare_for_create,
        reset_status_on_create=True,
    ),
)
