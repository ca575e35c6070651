"""StatefulSet (apps/v1): pods with stable names, stable storage and ordered changes.

Pod `<set>-<ordinal>` keeps its name, its hostname under `spec.serviceName` and, for each
`volumeClaimTemplates` entry, its own PersistentVolumeClaim across re-creation; the
controller records each template revision as a ControllerRevision. A container may mount
a claim template by name as if it were a volume of the pod template (the controller adds
that volume to each pod), so validation checks the template with those volumes added.
Unlike the other workloads, an update may change only `replicas`, `ordinals`, `template`,
`updateStrategy`, `revisionHistoryLimit`, `persistentVolumeClaimRetentionPolicy` and
`minReadySeconds`; a rolling update's `maxUnavailable`, when given, must be at least 1, and
`OnDelete` may not carry `rollingUpdate` parameters.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from minik8s.api.defaults import child, set_default
from minik8s.api.errors import forbidden, invalid
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.names import dns1123_subdomain_errors
from minik8s.api.printing import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    age,
    at,
    column,
    containers_and_images,
    integer,
    name_of,
    replicas_of,
    template_spec,
)
from minik8s.api.schema import (
    APPS,
    LABEL_SELECTOR,
    POD_TEMPLATE,
    Array,
    Field,
    KindSchema,
    Ref,
    Struct,
    condition,
    merged_by_type,
)
from minik8s.api.validation import (
    as_object,
    check,
    int_or_percent,
    items_of,
    non_negative,
    one_of,
    required_str,
    spec_of,
    str_field,
)

from .pod import default_template
from .workload import default_rolling_update, validate_workload

DEFINITIONS = {
    APPS + "StatefulSetSpec": Struct(
        {
            "replicas": "integer",
            "selector": LABEL_SELECTOR,
            "template": POD_TEMPLATE,
            "serviceName": "string",
            "podManagementPolicy": "string",
            "updateStrategy": "object",
            "volumeClaimTemplates": Array("object", list_type="atomic"),
            "revisionHistoryLimit": "integer",
            "minReadySeconds": "integer",
            "persistentVolumeClaimRetentionPolicy": "object",
            "ordinals": "object",
        }
    ),
    APPS + "StatefulSetStatus": Struct(
        {
            "observedGeneration": "integer",
            "replicas": "integer",
            "readyReplicas": "integer",
            "currentReplicas": "integer",
            "updatedReplicas": "integer",
            "availableReplicas": "integer",
            "currentRevision": "string",
            "updateRevision": "string",
            "collisionCount": "integer",
            "conditions": merged_by_type(APPS + "StatefulSetCondition"),
        }
    ),
    APPS + "StatefulSetCondition": condition(),
}


# --------------------------------------------------------------------------- defaults


def _default(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    set_default(spec, "replicas", 1)
    set_default(spec, "podManagementPolicy", "OrderedReady")
    default_rolling_update(spec, "updateStrategy", {"partition": 0})
    set_default(spec, "revisionHistoryLimit", 10)
    retention = child(spec, "persistentVolumeClaimRetentionPolicy")
    if retention is not None:
        set_default(retention, "whenDeleted", "Retain")
        set_default(retention, "whenScaled", "Retain")
    default_template(spec)


# --------------------------------------------------------------------------- validation


def _validate_strategy(value: Any, errs: Errs) -> None:
    path = "spec.updateStrategy"
    strategy = as_object(value, path, errs)
    kind = one_of(strategy, "type", path, errs, ["OnDelete", "RollingUpdate"])
    if strategy.get("rollingUpdate") is None:
        return
    if kind == "OnDelete":
        errs.append(
            forbidden(f"{path}.rollingUpdate", "only allowed for updateStrategy 'RollingUpdate'")
        )
        return
    params = as_object(strategy["rollingUpdate"], f"{path}.rollingUpdate", errs)
    non_negative(params, "partition", f"{path}.rollingUpdate", errs)
    unavailable = int_or_percent(
        params.get("maxUnavailable"), f"{path}.rollingUpdate.maxUnavailable", errs
    )
    if unavailable is not None and unavailable[0] < 1:
        errs.append(
            invalid(
                f"{path}.rollingUpdate.maxUnavailable",
                params["maxUnavailable"],
                "must be greater than 0",
            )
        )


def _with_claim_volumes(spec: Obj) -> Obj:
    """The spec with a volume per volumeClaimTemplate, so containers may mount them by name
    (the controller adds those volumes to each pod)."""
    template = spec.get("template")
    pod_spec = template.get("spec") if isinstance(template, dict) else None
    claims = spec.get("volumeClaimTemplates")
    if not isinstance(pod_spec, dict) or not isinstance(claims, list):
        return spec
    found = pod_spec.get("volumes")
    volumes: list[Any] = found if isinstance(found, list) else []
    have = {v.get("name") for v in volumes if isinstance(v, dict)}
    extra = []
    for claim in claims:
        claim_meta = claim.get("metadata") if isinstance(claim, dict) else None
        name = claim_meta.get("name") if isinstance(claim_meta, dict) else None
        if isinstance(name, str) and name and name not in have:
            extra.append({"name": name, "persistentVolumeClaim": {"claimName": name}})
    if not extra:
        return spec
    out = copy.deepcopy(spec)
    out["template"]["spec"]["volumes"] = [*volumes, *extra]
    return out


def _validate(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    non_negative(spec, "replicas", "spec", errs)
    validate_workload(_with_claim_volumes(spec), errs, "statefulset")
    str_field(spec, "serviceName", "spec", errs)
    one_of(spec, "podManagementPolicy", "spec", errs, ["OrderedReady", "Parallel"])
    _validate_strategy(spec.get("updateStrategy"), errs)
    retention_path = "spec.persistentVolumeClaimRetentionPolicy"
    retention = as_object(spec.get("persistentVolumeClaimRetentionPolicy"), retention_path, errs)
    for key in ("whenDeleted", "whenScaled"):
        one_of(retention, key, retention_path, errs, ["Delete", "Retain"])
    ordinals = as_object(spec.get("ordinals"), "spec.ordinals", errs)
    non_negative(ordinals, "start", "spec.ordinals", errs)
    for claim_path, claim in items_of(spec, "volumeClaimTemplates", "spec", errs):
        claim_meta = as_object(claim.get("metadata"), f"{claim_path}.metadata", errs)
        name = required_str(claim_meta, "name", f"{claim_path}.metadata", errs)
        if name:
            check(errs, f"{claim_path}.metadata.name", name, dns1123_subdomain_errors(name))


# The spec fields an update may change; any other change is refused as a whole.
_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)
_UPDATE_MSG = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
    "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
    "'minReadySeconds' are forbidden"
)


def _validate_update(obj: Obj, old: Obj, errs: Errs) -> None:
    def fixed(spec: Obj) -> Obj:
        return {k: v for k, v in spec.items() if k not in _MUTABLE}

    if fixed(spec_of(obj)) != fixed(spec_of(old)):
        errs.append(forbidden("spec", _UPDATE_MSG))


class StatefulSetStrategy(Strategy):
    reset_status_on_create = True

    def default(self, obj: Obj) -> None:
        _default(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        _validate(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        _validate_update(new, old, errs)


# --------------------------------------------------------------------------- table


def _row(obj: Obj, now: datetime) -> Cells:
    names, images = containers_and_images(template_spec(obj))
    ready = integer(at(obj, "status", "readyReplicas"))
    return [name_of(obj), f"{ready}/{replicas_of(obj)}", age(obj, now), names, images]


_COLUMNS = (
    NAME,
    column("Ready", "Number of the pod with ready state"),
    AGE,
    CONTAINERS,
    IMAGES,
)


STATEFUL_SET = ResourceInfo(
    "apps",
    "v1",
    "StatefulSet",
    "statefulsets",
    "statefulset",
    True,
    ("sts",),
    ("status", "scale"),
    ("all",),
    schema=KindSchema(
        "StatefulSet represents a set of pods with consistent identities.",
        {
            "spec": Field(
                Ref(APPS + "StatefulSetSpec"),
                "Spec defines the desired identities of pods in this set.",
            ),
            "status": Field(
                Ref(APPS + "StatefulSetStatus"),
                "Status is the current status of Pods in this StatefulSet.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    strategy=StatefulSetStrategy(),
)
