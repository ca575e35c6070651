"""PersistentVolumeClaim (core/v1): a user's request for storage, in a namespace.

A claim asks for at least one access mode and a size (`resources.requests.storage`);
the binder (controllers/pvbinder) binds it to a fitting PersistentVolume by setting its
`volumeName` and copies the volume's capacity and access modes into the status, which
is what `kubectl get` shows. After creation the spec is fixed except
`resources.requests` and a `volumeName` that was still empty. Defaults: volume mode
Filesystem and phase Pending. The access-mode and storage checks are the
PersistentVolume's (`minik8s.api.kinds.persistentvolume`).
"""

from __future__ import annotations

import copy
from datetime import datetime

from minik8s.api.defaults import child, set_default
from minik8s.api.errors import forbidden, required
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.names import dns1123_subdomain_errors
from minik8s.api.printing import AGE, NAME, age, as_dict, at, column, name_of, text
from minik8s.api.schema import (
    CORE,
    LABEL_SELECTOR,
    QUANTITY_MAP,
    STRING_MAP,
    TIME,
    Definition,
    Field,
    KindSchema,
    Ref,
    Struct,
    atomic,
    merged_by_type,
)
from minik8s.api.validation import (
    as_object,
    check,
    one_of,
    spec_of,
    str_field,
    validate_label_selector,
)

from .persistentvolume import (
    ACCESS_MODES_COLUMN,
    ACCESS_MODES_FIELD,
    VOLUME_MODE_FIELD,
    VOLUME_MODES,
    access_modes_text,
    validate_access_modes,
    validate_storage,
)

# --------------------------------------------------------------------------- schema

DEFINITIONS: dict[str, Definition] = {
    CORE + "PersistentVolumeClaimSpec": Struct(
        {
            "accessModes": Field(
                atomic("string"),
                ACCESS_MODES_FIELD + " The bound volume must offer every mode the claim "
                "lists; at least one is required.",
                proto=1,
            ),
            "selector": Field(
                LABEL_SELECTOR,
                "Label query over volumes: only matching ones may be bound.",
                proto=4,
            ),
            "resources": Field(
                Ref(CORE + "VolumeResourceRequirements"),
                "The least resources the volume must offer; requests.storage, the size, is "
                "required. Its requests may be changed after creation, to resize the volume.",
                proto=2,
            ),
            "volumeName": Field(
                "string",
                "Name of the PersistentVolume backing the claim: set by the binder, or in "
                "advance to ask for one volume. Once set it cannot change.",
                proto=3,
            ),
            "storageClassName": Field(
                "string",
                "Name of the StorageClass the claim needs: only volumes of that class are "
                "bound to it. An empty string asks for a volume without a class.",
                proto=5,
                keep_zero=True,
            ),
            "volumeMode": Field(
                "string",
                VOLUME_MODE_FIELD + " The bound volume must have the same mode. Defaults to "
                "Filesystem.",
                proto=6,
                keep_zero=True,
            ),
            "dataSource": Field(
                Ref(CORE + "TypedLocalObjectReference"),
                "An existing object of the claim's namespace that the new volume starts as a "
                "copy of: a VolumeSnapshot (snapshot.storage.k8s.io) or a "
                "PersistentVolumeClaim. Kept equal to dataSourceRef when that names no "
                "namespace.",
                proto=7,
            ),
            "dataSourceRef": Field(
                Ref(CORE + "TypedObjectReference"),
                "The object a new, non-empty volume is populated from: a "
                "PersistentVolumeClaim or any object of a non-core API group that a volume "
                "populator or provisioner handles, possibly in another namespace. Supersedes "
                "dataSource (both must agree when set without a namespace) and, unlike it, "
                "reports a disallowed object as an error instead of dropping it.",
                proto=8,
            ),
            "volumeAttributesClassName": Field(
                "string",
                "Name of the VolumeAttributesClass whose attributes the CSI driver gives the "
                "volume. Unlike storageClassName it may change after creation, but not back "
                "to empty; the claim stays Pending while the class does not exist.",
                proto=9,
                keep_zero=True,
            ),
        },
        "PersistentVolumeClaimSpec lists what a volume must offer to satisfy a claim, and "
        "where its data may come from.",
    ),
    CORE + "VolumeResourceRequirements": Struct(
        {
            "limits": Field(QUANTITY_MAP, "The most of each resource the volume may use.", proto=1),
            "requests": Field(
                QUANTITY_MAP,
                "The least of each resource the volume must offer; storage is the size "
                "asked for, such as 1Gi.",
                proto=2,
            ),
        },
        "VolumeResourceRequirements are the resource amounts a claim asks of its volume.",
    ),
    CORE + "TypedObjectReference": Struct(
        {
            "apiGroup": Field(
                "string",
                "API group of the object; empty for the core group, required for any other.",
                proto=1,
                keep_zero=True,
            ),
            "kind": Field("string", "Kind of the object.", proto=2),
            "name": Field("string", "Name of the object.", proto=3),
            "namespace": Field(
                "string",
                "Namespace of the object when it is not the claim's; that namespace's owner "
                "must allow the reference with a gateway.networking.k8s.io ReferenceGrant "
                "(CrossNamespaceVolumeDataSource feature).",
                proto=4,
                keep_zero=True,
            ),
        },
        "TypedObjectReference names an object of any kind, possibly in another namespace.",
    ),
    CORE + "PersistentVolumeClaimStatus": Struct(
        {
            "phase": Field(
                "string",
                "Where the claim is: Pending (not bound yet), Bound, or Lost (its volume "
                "no longer exists, and its data with it).",
                proto=1,
            ),
            "accessModes": Field(
                atomic("string"), "The access modes of the volume bound to the claim.", proto=2
            ),
            "capacity": Field(
                QUANTITY_MAP,
                "The resources of the volume bound to the claim, its size included.",
                proto=3,
            ),
            "conditions": Field(
                merged_by_type(CORE + "PersistentVolumeClaimCondition"),
                "Current conditions of the claim, one per type, such as Resizing while its "
                "volume grows.",
                proto=4,
            ),
            "allocatedResources": Field(
                QUANTITY_MAP,
                "Resources allocated to the claim, capacity included; may exceed the actual "
                "capacity while an expansion is under way. Quota counts the larger of this "
                "and spec.resources.",
                proto=5,
            ),
            "allocatedResourceStatuses": Field(
                STRING_MAP,
                "For each resource being resized (such as storage), the state of the resize: "
                "ControllerResizeInProgress, ControllerResizeFailed, NodeResizePending, "
                "NodeResizeInProgress or NodeResizeFailed. Empty when no resize is under way.",
                proto=7,
            ),
            "currentVolumeAttributesClassName": Field(
                "string",
                "The VolumeAttributesClass the volume currently has; unset when it has none.",
                proto=8,
                keep_zero=True,
            ),
            "modifyVolumeStatus": Field(
                Ref(CORE + "ModifyVolumeStatus"),
                "The state of the modification of the volume to another "
                "VolumeAttributesClass; unset when none is being attempted.",
                proto=9,
            ),
        },
        "PersistentVolumeClaimStatus reports a claim's phase and the volume bound to it.",
    ),
    CORE + "PersistentVolumeClaimCondition": Struct(
        {
            "type": Field(
                "string",
                "The condition: Resizing, FileSystemResizePending (the node still has to grow "
                "the filesystem), ModifyingVolume or ModifyVolumeError.",
                proto=1,
            ),
            "status": Field(
                "string", "Whether the condition holds: True, False or Unknown.", proto=2
            ),
            "lastProbeTime": Field(TIME, "When the condition was last checked.", proto=3),
            "lastTransitionTime": Field(
                TIME, "When the condition last changed its status.", proto=4
            ),
            "reason": Field(
                "string",
                "A short machine-readable reason for the last transition (Resizing: the "
                "volume is being resized).",
                proto=5,
            ),
            "message": Field("string", "Human-readable details of the last transition.", proto=6),
        },
        "PersistentVolumeClaimCondition is one observed condition of a claim.",
    ),
    CORE + "ModifyVolumeStatus": Struct(
        {
            "targetVolumeAttributesClassName": Field(
                "string", "The VolumeAttributesClass the volume is being modified to.", proto=1
            ),
            "status": Field(
                "string",
                "State of the modification: Pending (its requirements are not met yet, such "
                "as a class that does not exist), InProgress, or Infeasible (the CSI driver "
                "refused it as invalid: name a valid class). More states may come.",
                proto=2,
            ),
        },
        "ModifyVolumeStatus is the state of a ControllerModifyVolume operation.",
    ),
}

# --------------------------------------------------------------------------- validation

_UPDATE_MSG = (
    "spec is immutable after creation except resources.requests and volumeName when it is empty"
)


def _validate(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    validate_access_modes(spec, errs)
    resources = as_object(spec.get("resources"), "spec.resources", errs)
    requests = resources.get("requests")
    if requests is None:
        errs.append(required("spec.resources[storage]"))
    else:
        validate_storage(requests, "spec.resources", errs)
    volume = str_field(spec, "volumeName", "spec", errs)
    if volume:
        check(errs, "spec.volumeName", volume, dns1123_subdomain_errors(volume))
    one_of(spec, "volumeMode", "spec", errs, VOLUME_MODES)
    str_field(spec, "storageClassName", "spec", errs)
    if spec.get("selector") is not None:
        validate_label_selector(spec["selector"], "spec.selector", errs)


def _fixed_part(spec: Obj, volume_may_change: bool) -> Obj:
    """What an update may not change: all but resources.requests (and an unset volumeName)."""
    out = copy.deepcopy(spec)
    resources = out.get("resources")
    if isinstance(resources, dict):
        resources.pop("requests", None)
    if volume_may_change:
        out.pop("volumeName", None)
    return out


def _validate_update(new: Obj, old: Obj, errs: Errs) -> None:
    old_spec = spec_of(old)
    unset = not old_spec.get("volumeName")
    if _fixed_part(spec_of(new), unset) != _fixed_part(old_spec, unset):
        errs.append(forbidden("spec", _UPDATE_MSG))


# --------------------------------------------------------------------------- strategy


def _default(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is not None:
        set_default(spec, "volumeMode", "Filesystem")
    status = child(obj, "status")
    if status is not None:
        set_default(status, "phase", "Pending")


# --------------------------------------------------------------------------- table


def _row(obj: Obj, now: datetime) -> Cells:
    spec, status = as_dict(obj.get("spec")), as_dict(obj.get("status"))
    return [  # capacity and access modes are the bound volume's, as the binder records them
        name_of(obj),
        text(status.get("phase")),
        text(spec.get("volumeName")),
        text(at(status, "capacity", "storage")),
        access_modes_text(status.get("accessModes")),
        text(spec.get("storageClassName")),
        age(obj, now),
    ]


_COLUMNS = (
    NAME,
    column("Status", "The phase of the claim."),
    column("Volume", "The name of the PersistentVolume bound to the claim."),
    column("Capacity", "The storage capacity of the claim."),
    ACCESS_MODES_COLUMN,
    column("StorageClass", "The name of the StorageClass the claim asks for."),
    AGE,
)


# --------------------------------------------------------------------------- declaration

PERSISTENT_VOLUME_CLAIM = ResourceInfo(
    "",
    "v1",
    "PersistentVolumeClaim",
    "persistentvolumeclaims",
    "persistentvolumeclaim",
    True,
    ("pvc",),
    ("status",),
    schema=KindSchema(
        "PersistentVolumeClaim is a user's request for storage (a size, access modes, "
        "perhaps a class) that the cluster satisfies by binding a PersistentVolume, which "
        "pods then mount through the claim.",
        {
            "spec": Field(
                Ref(CORE + "PersistentVolumeClaimSpec"),
                "The storage the claim asks for, written by its user. Fixed after creation, "
                "except resources.requests and a volumeName that is still empty.",
                proto=2,
            ),
            "status": Field(
                Ref(CORE + "PersistentVolumeClaimStatus"),
                "The observed state of the claim, written by the system; read-only.",
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
