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
    CORE,
    INT_OR_STRING,
    LABEL_SELECTOR,
    POD_TEMPLATE,
    Array,
    Field,
    KindSchema,
    Ref,
    Struct,
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
from .workload import default_rolling_update, validate_workload, workload_condition

DEFINITIONS = {
    APPS + "StatefulSetSpec": Struct(
        {
            "replicas": Field(
                "integer",
                "How many pods (ordinals) the set should run. Defaults to 1; 0 is allowed.",
                proto=1,
                keep_zero=True,
            ),
            "selector": Field(
                LABEL_SELECTOR,
                "Label query over the pods this StatefulSet owns. Required, must not be "
                "empty, must match the template's labels, and cannot be changed.",
                proto=2,
            ),
            "template": Field(
                POD_TEMPLATE,
                "The pod every ordinal is made from; pod N of set S is named S-N. Its "
                "restartPolicy may only be Always.",
                proto=3,
            ),
            "volumeClaimTemplates": Field(
                Array(Ref(CORE + "PersistentVolumeClaim"), list_type="atomic"),
                "Claims each pod gets its own copy of, named <claim>-<set>-<ordinal> and kept "
                "across pod re-creation. A container mounts one by the claim's name; it takes "
                "the place of a template volume of the same name. Cannot be changed.",
                proto=4,
            ),
            "serviceName": Field(
                "string",
                "The (headless) Service that gives the pods their network identity: each pod's "
                "hostname is its name and its subdomain this Service. Cannot be changed.",
                proto=5,
            ),
            "podManagementPolicy": Field(
                "string",
                'How pods are created and removed: "OrderedReady" (the default) one at a time '
                'in ordinal order, waiting for each to be ready; "Parallel" all at once. '
                "Cannot be changed.",
                proto=6,
            ),
            "updateStrategy": Field(
                Ref(APPS + "StatefulSetUpdateStrategy"),
                "How pods of an old template are replaced after the template changes.",
                proto=7,
            ),
            "revisionHistoryLimit": Field(
                "integer",
                "How many old ControllerRevisions are kept for rollbacks. Defaults to 10.",
                proto=8,
                keep_zero=True,
            ),
            "minReadySeconds": Field(
                "integer",
                "Seconds a new pod must stay ready, with no container crashing, before it "
                "counts as available. Defaults to 0 (available as soon as it is ready).",
                proto=9,
            ),
            "persistentVolumeClaimRetentionPolicy": Field(
                Ref(APPS + "StatefulSetPersistentVolumeClaimRetentionPolicy"),
                "Whether the claims made from volumeClaimTemplates are deleted with the set or "
                "when their pod is scaled away. By default they are kept until deleted by hand.",
                proto=10,
            ),
            "ordinals": Field(
                Ref(APPS + "StatefulSetOrdinals"),
                "How pods are numbered. By default the first pod is 0 and each further one "
                "takes the next number.",
                proto=11,
            ),
        },
        "The desired state of a StatefulSet.",
    ),
    APPS + "StatefulSetUpdateStrategy": Struct(
        {
            "type": Field(
                "string",
                'How to replace pods after a template change: "RollingUpdate" (the default) '
                'from the highest ordinal down, or "OnDelete" only when a pod is deleted.',
                proto=1,
            ),
            "rollingUpdate": Field(
                Ref(APPS + "RollingUpdateStatefulSetStrategy"),
                "The parameters of a rolling update; only allowed when type is RollingUpdate.",
                proto=2,
            ),
        },
        "How a StatefulSet replaces pods of an old template.",
    ),
    APPS + "RollingUpdateStatefulSetStrategy": Struct(
        {
            "partition": Field(
                "integer",
                "The lowest ordinal (counted from ordinals.start) that is updated: pods below "
                "it keep the old template, which allows canary and phased roll-outs. "
                "Defaults to 0.",
                proto=1,
                keep_zero=True,
            ),
            "maxUnavailable": Field(
                Ref(INT_OR_STRING),
                "How many pods may be unavailable during the update: a number or a percentage "
                "of spec.replicas (rounded up), at least 1. Defaults to 1. Kubernetes honours "
                "it only behind the MaxUnavailableStatefulSet feature gate; this cluster always "
                "updates one pod at a time.",
                proto=2,
            ),
        },
        "The parameters of a StatefulSet's rolling update.",
    ),
    APPS + "StatefulSetPersistentVolumeClaimRetentionPolicy": Struct(
        {
            "whenDeleted": Field(
                "string",
                'What happens to the claims when the StatefulSet is deleted: "Retain" (the '
                'default) keeps them, "Delete" deletes them.',
                proto=1,
            ),
            "whenScaled": Field(
                "string",
                'What happens to the claims of pods removed by a scale-down: "Retain" (the '
                'default) keeps them, "Delete" deletes them.',
                proto=2,
            ),
        },
        "The lifecycle of the claims a StatefulSet makes from its volumeClaimTemplates.",
    ),
    APPS + "StatefulSetOrdinals": Struct(
        {
            "start": Field(
                "integer",
                "The number of the first pod: pods are numbered from start to "
                "start + replicas - 1. Defaults to 0; must not be negative.",
                proto=1,
            ),
        },
        "How the pods of a StatefulSet are numbered.",
    ),
    APPS + "StatefulSetStatus": Struct(
        {
            "observedGeneration": Field(
                "integer",
                "The metadata.generation the controller last acted on; the status is current "
                "when it equals metadata.generation.",
                proto=1,
            ),
            "replicas": Field("integer", "Pods the controller has created for this set.", proto=2),
            "readyReplicas": Field(
                "integer",
                "Pods of this set whose Ready condition is True.",
                proto=3,
            ),
            "currentReplicas": Field(
                "integer",
                "Pods of this set running the revision named by currentRevision.",
                proto=4,
            ),
            "updatedReplicas": Field(
                "integer",
                "Pods of this set running the revision named by updateRevision.",
                proto=5,
            ),
            "currentRevision": Field(
                "string",
                "The ControllerRevision the pods below the update partition run; it becomes "
                "updateRevision once every pod is updated.",
                proto=6,
            ),
            "updateRevision": Field(
                "string",
                "The ControllerRevision of the current template, which updated pods run.",
                proto=7,
            ),
            "collisionCount": Field(
                "integer",
                "How often the hash naming a new ControllerRevision collided with an existing "
                "name; the controller mixes it into the next hash to get a fresh name.",
                proto=9,
                keep_zero=True,
            ),
            "conditions": Field(
                merged_by_type(APPS + "StatefulSetCondition"),
                "The latest observations of the StatefulSet's state, one per type.",
                proto=10,
            ),
            "availableReplicas": Field(
                "integer",
                "Pods of this set ready for at least minReadySeconds.",
                proto=11,
            ),
        },
        "The state of a StatefulSet as its controller last observed it.",
    ),
    APPS + "StatefulSetCondition": workload_condition("StatefulSet"),
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
    have = {
        v.get("name") for v in volumes if isinstance(v, dict) and isinstance(v.get("name"), str)
    }
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
        "A StatefulSet runs pods with stable names, network identities and storage, and "
        "creates, updates and removes them in ordinal order.",
        {
            "spec": Field(
                Ref(APPS + "StatefulSetSpec"),
                "Which pods the StatefulSet runs, their storage, and how changes roll out.",
                proto=2,
            ),
            "status": Field(
                Ref(APPS + "StatefulSetStatus"),
                "What the statefulset controller last observed; written by the controller.",
                proto=3,
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    strategy=Strategy(
        default=_default,
        validate=_validate,
        validate_update=_validate_update,
        reset_status_on_create=True,
    ),
)
