"""Definitions every kind shares: apimachinery's meta/v1 types, the raw ones (Time,
Quantity, IntOrString) and the kinds of subresources (Scale, Eviction).

Not a kind itself: `minik8s.api.kinds.CATALOG` adds these to every OpenAPI document.
"""

from __future__ import annotations

from minik8s.api.schema import (
    AUTOSCALING_V1,
    INT_OR_STRING,
    META,
    OBJECT_META,
    POLICY,
    QUANTITY,
    STRING_MAP,
    STRINGS,
    TIME,
    Array,
    Definition,
    Raw,
    Ref,
    Struct,
    condition,
    keyed,
)

_META_CONDITION = condition()

DEFINITIONS: dict[str, Definition] = {
    META + "Time": Raw({"type": "string", "format": "date-time"}),
    META + "MicroTime": Raw({"type": "string", "format": "date-time"}),
    META + "Patch": Raw(
        {
            "type": "object",
            "description": "A patch body: JSON patch, JSON merge patch or strategic merge patch.",
        }
    ),
    META + "FieldsV1": Raw({"type": "object"}),
    QUANTITY: Raw(
        {
            "description": "A resource quantity such as `100m` or `128Mi`, or a number.",
            "x-kubernetes-int-or-string": True,
        }
    ),
    INT_OR_STRING: Raw(
        {
            "description": "An integer or a string, such as a port number or name.",
            "x-kubernetes-int-or-string": True,
        }
    ),
    META + "Condition": Struct({**_META_CONDITION.fields, "observedGeneration": "integer"}),
    META + "ObjectMeta": Struct(
        {
            "name": "string",
            "generateName": "string",
            "namespace": "string",
            "selfLink": "string",
            "uid": "string",
            "resourceVersion": "string",
            "generation": "integer",
            "creationTimestamp": TIME,
            "deletionTimestamp": TIME,
            "deletionGracePeriodSeconds": "integer",
            "labels": STRING_MAP,
            "annotations": STRING_MAP,
            "ownerReferences": keyed(META + "OwnerReference", "uid"),
            "finalizers": Array("string", strategy="merge", list_type="set"),
            "managedFields": Array(Ref(META + "ManagedFieldsEntry"), list_type="atomic"),
        }
    ),
    META + "OwnerReference": Struct(
        {
            "apiVersion": "string",
            "kind": "string",
            "name": "string",
            "uid": "string",
            "controller": "boolean",
            "blockOwnerDeletion": "boolean",
        }
    ),
    META + "ManagedFieldsEntry": Struct(
        {
            "manager": "string",
            "operation": "string",
            "apiVersion": "string",
            "time": TIME,
            "fieldsType": "string",
            "fieldsV1": Ref(META + "FieldsV1"),
            "subresource": "string",
        }
    ),
    META + "ListMeta": Struct(
        {
            "selfLink": "string",
            "resourceVersion": "string",
            "continue": "string",
            "remainingItemCount": "integer",
        }
    ),
    META + "LabelSelector": Struct(
        {
            "matchLabels": STRING_MAP,
            "matchExpressions": Array(Ref(META + "LabelSelectorRequirement"), list_type="atomic"),
        }
    ),
    META + "LabelSelectorRequirement": Struct(
        {"key": "string", "operator": "string", "values": STRINGS}
    ),
    META + "Status": Struct(
        {
            "apiVersion": "string",
            "kind": "string",
            "metadata": Ref(META + "ListMeta"),
            "status": "string",
            "message": "string",
            "reason": "string",
            "details": Ref(META + "StatusDetails"),
            "code": "integer",
        }
    ),
    META + "StatusDetails": Struct(
        {
            "name": "string",
            "group": "string",
            "kind": "string",
            "uid": "string",
            "causes": Array(Ref(META + "StatusCause"), list_type="atomic"),
            "retryAfterSeconds": "integer",
        }
    ),
    META + "StatusCause": Struct({"reason": "string", "message": "string", "field": "string"}),
    META + "DeleteOptions": Struct(
        {
            "apiVersion": "string",
            "kind": "string",
            "gracePeriodSeconds": "integer",
            "preconditions": Ref(META + "Preconditions"),
            "orphanDependents": "boolean",
            "propagationPolicy": "string",
            "dryRun": Array("string", list_type="atomic"),
        }
    ),
    META + "Preconditions": Struct({"uid": "string", "resourceVersion": "string"}),
    META + "WatchEvent": Struct({"type": "string", "object": "object"}),
    AUTOSCALING_V1 + "Scale": Struct(
        {
            "apiVersion": "string",
            "kind": "string",
            "metadata": OBJECT_META,
            "spec": Ref(AUTOSCALING_V1 + "ScaleSpec"),
            "status": Ref(AUTOSCALING_V1 + "ScaleStatus"),
        }
    ),
    AUTOSCALING_V1 + "ScaleSpec": Struct({"replicas": "integer"}),
    AUTOSCALING_V1 + "ScaleStatus": Struct({"replicas": "integer", "selector": "string"}),
    POLICY + "Eviction": Struct(
        {
            "apiVersion": "string",
            "kind": "string",
            "metadata": OBJECT_META,
            "deleteOptions": Ref(META + "DeleteOptions"),
        }
    ),
}
