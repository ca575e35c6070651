"""Definitions every kind shares: apimachinery's meta/v1 types, the raw ones (Time,
Quantity, IntOrString, Duration, RawExtension) and the kinds of subresources (Scale,
Eviction).

Not a kind itself: `minik8s.api.kinds.CATALOG` adds these to every OpenAPI document.
Field numbers are those of apimachinery's `pkg/apis/meta/v1/generated.proto` (and
autoscaling/v1, policy/v1 for Scale and Eviction). `apiVersion` and `kind` have none: in
protobuf they travel in the envelope, not in the message. The raw definitions have a
protobuf form of their own (`minik8s.api.protobuf`).
"""

from __future__ import annotations

from minik8s.api.schema import (
    AUTOSCALING_V1,
    CORE,
    INT_OR_STRING,
    META,
    OBJECT_META,
    POLICY,
    QUANTITY,
    RAW_EXTENSION,
    STRING_MAP,
    TIME,
    Array,
    Definition,
    Field,
    Raw,
    Ref,
    Struct,
    atomic,
    keyed,
)

_API_VERSION = Field("string", "API version of this object, such as v1 or apps/v1.")
_KIND = Field("string", "Kind of this object, in CamelCase, such as Pod.")
_STRINGS = atomic("string")

_RAW: dict[str, Definition] = {
    META + "Time": Raw(
        {"type": "string", "format": "date-time", "description": "An RFC 3339 time, in UTC."}
    ),
    META + "MicroTime": Raw(
        {
            "type": "string",
            "format": "date-time",
            "description": "An RFC 3339 time with microseconds, in UTC.",
        }
    ),
    META + "Duration": Raw(
        {"type": "string", "description": "A Go duration such as `90s`, `1m30s` or `500ms`."}
    ),
    META + "Patch": Raw(
        {
            "type": "object",
            "description": "A patch body: JSON patch, JSON merge patch or strategic merge patch.",
        }
    ),
    META + "FieldsV1": Raw(
        {
            "type": "object",
            "description": "A set of fields as a tree of keys such as f:spec and k:{...}.",
        }
    ),
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
    RAW_EXTENSION: Raw(
        {
            "type": "object",
            "description": "An embedded object of any kind, with its apiVersion and kind.",
        }
    ),
}

_OBJECT_META = Struct(
    {
        "name": Field(
            "string",
            "Name of the object, unique per kind within its namespace; required on create "
            "unless generateName is set, and cannot be updated.",
            proto=1,
        ),
        "generateName": Field(
            "string",
            "Prefix from which the server generates a unique name, used only when name is empty.",
            proto=2,
        ),
        "namespace": Field(
            "string",
            "Namespace of the object, a DNS label; empty for cluster-scoped kinds, and cannot be "
            "updated.",
            proto=3,
        ),
        "selfLink": Field("string", "Deprecated and no longer set by the server.", proto=4),
        "uid": Field(
            "string",
            "Unique identifier of this object for all time, set by the server on create. "
            "Read-only.",
            proto=5,
        ),
        "resourceVersion": Field(
            "string",
            "Opaque version of the object, changed on every write; send it back unchanged for "
            "optimistic concurrency and watches. Read-only.",
            proto=6,
        ),
        "generation": Field(
            "integer",
            "Sequence number of the desired state, bumped by the server when the spec changes. "
            "Read-only.",
            proto=7,
        ),
        "creationTimestamp": Field(
            TIME, "When the server created the object, in UTC. Read-only; null for lists.", proto=8
        ),
        "deletionTimestamp": Field(
            TIME,
            "When the object will be deleted, set by the server when a graceful deletion is "
            "requested; it can only move earlier. Read-only.",
            proto=9,
        ),
        "deletionGracePeriodSeconds": Field(
            "integer",
            "Seconds the object is given to terminate gracefully, set with deletionTimestamp; "
            "can only shrink. Read-only.",
            proto=10,
            keep_zero=True,
        ),
        "labels": Field(
            STRING_MAP, "Key-value pairs that organize objects and that selectors match.", proto=11
        ),
        "annotations": Field(
            STRING_MAP,
            "Arbitrary key-value metadata for tools; not selectable, and preserved by writes.",
            proto=12,
        ),
        "ownerReferences": Field(
            keyed(META + "OwnerReference", "uid"),
            "Objects this one depends on; it is garbage collected once all of them are gone. "
            "At most one is its managing controller.",
            proto=13,
        ),
        "finalizers": Field(
            Array("string", strategy="merge", list_type="set"),
            "Names of components that must act before the object is deleted; while any remain "
            "a deleted object stays, and entries can then only be removed.",
            proto=14,
        ),
        "managedFields": Field(
            atomic(META + "ManagedFieldsEntry"),
            "Which manager (workflow) set which fields, for server-side apply; internal "
            "housekeeping users rarely need to touch.",
            proto=17,
        ),
    },
    "Metadata every persisted object has: name, namespace, labels, versions, owners.",
)

_META: dict[str, Definition] = {
    META + "ObjectMeta": _OBJECT_META,
    META + "OwnerReference": Struct(
        {
            "apiVersion": Field("string", "API version of the owner.", proto=5, keep_zero=True),
            "kind": Field("string", "Kind of the owner.", proto=1, keep_zero=True),
            "name": Field("string", "Name of the owner.", proto=3, keep_zero=True),
            "uid": Field("string", "UID of the owner.", proto=4, keep_zero=True),
            "controller": Field(
                "boolean",
                "If true, the owner is the managing controller of this object.",
                proto=6,
                keep_zero=True,
            ),
            "blockOwnerDeletion": Field(
                "boolean",
                "If true and the owner is deleted in the foreground, the owner stays until this "
                "reference is removed. Defaults to false.",
                proto=7,
                keep_zero=True,
            ),
        },
        "A reference to an owner of an object, in the owner's namespace.",
    ),
    META + "ManagedFieldsEntry": Struct(
        {
            "manager": Field(
                "string", "Identifier of the workflow managing these fields.", proto=1
            ),
            "operation": Field(
                "string", "Operation that recorded the entry: Apply or Update.", proto=2
            ),
            "apiVersion": Field(
                "string", "API version (group/version) the field set is expressed in.", proto=3
            ),
            "time": Field(
                TIME,
                "When the entry was added or its fields last changed by this manager.",
                proto=4,
            ),
            "fieldsType": Field("string", "Format of the field set; only FieldsV1.", proto=6),
            "fieldsV1": Field(Ref(META + "FieldsV1"), "The set of fields managed.", proto=7),
            "subresource": Field(
                "string",
                "Subresource the update went through, such as status; empty for the main resource.",
                proto=8,
            ),
        },
        "The fields one manager owns, with the version and operation that set them.",
    ),
    META + "ListMeta": Struct(
        {
            "selfLink": Field("string", "Deprecated and no longer set by the server.", proto=1),
            "resourceVersion": Field(
                "string",
                "Version of the collection when it was listed; a watch can start from it. Opaque.",
                proto=2,
            ),
            "continue": Field(
                "string",
                "Set when a limited list has more items: pass it back as the continue parameter "
                "for the next page. Opaque, and it expires.",
                proto=3,
            ),
            "remainingItemCount": Field(
                "integer",
                "Number of items after this page, when known (not with selectors); an estimate "
                "if the list changes.",
                proto=4,
                keep_zero=True,
            ),
        },
        "Metadata of a list: its version and how to page on.",
    ),
    META + "LabelSelector": Struct(
        {
            "matchLabels": Field(
                STRING_MAP,
                "Labels that must all be present with these values, like one `In` "
                "requirement each.",
                proto=1,
            ),
            "matchExpressions": Field(
                atomic(META + "LabelSelectorRequirement"),
                "Requirements that must all hold.",
                proto=2,
            ),
        },
        "A label query; all its requirements are ANDed. An empty selector matches everything, "
        "a null one nothing.",
    ),
    META + "LabelSelectorRequirement": Struct(
        {
            "key": Field("string", "The label key.", proto=1, keep_zero=True),
            "operator": Field(
                "string", "In, NotIn, Exists or DoesNotExist.", proto=2, keep_zero=True
            ),
            "values": Field(
                _STRINGS,
                "Values for In and NotIn (non-empty); empty for Exists and DoesNotExist.",
                proto=3,
            ),
        },
        "A requirement relating a label key to a set of values.",
    ),
    META + "Condition": Struct(
        {
            "type": Field(
                "string",
                "Type of the condition, CamelCase or foo.example.com/CamelCase.",
                proto=1,
                keep_zero=True,
            ),
            "status": Field("string", "True, False or Unknown.", proto=2, keep_zero=True),
            "observedGeneration": Field(
                "integer",
                "The metadata.generation the condition was computed from; older than the "
                "object's means it is stale.",
                proto=3,
            ),
            "lastTransitionTime": Field(
                TIME, "When the status last changed.", proto=4, keep_zero=True
            ),
            "reason": Field(
                "string",
                "CamelCase identifier of the reason for the last transition.",
                proto=5,
                keep_zero=True,
            ),
            "message": Field(
                "string",
                "Human-readable details of the last transition; may be empty.",
                proto=6,
                keep_zero=True,
            ),
        },
        "One aspect of an object's current state.",
    ),
    META + "Status": Struct(
        {
            "apiVersion": _API_VERSION,
            "kind": _KIND,
            "metadata": Field(
                Ref(META + "ListMeta"), "Standard list metadata; usually empty.", proto=1
            ),
            "status": Field("string", "Success or Failure.", proto=2),
            "message": Field("string", "Human-readable description of the outcome.", proto=3),
            "reason": Field(
                "string",
                "Machine-readable reason for a Failure, such as NotFound or AlreadyExists; "
                "refines the HTTP code.",
                proto=4,
            ),
            "details": Field(
                Ref(META + "StatusDetails"),
                "More about the failure, depending on the reason.",
                proto=5,
            ),
            "code": Field("integer", "Suggested HTTP status code; 0 if not set.", proto=6),
        },
        "The outcome of an API call that returns no object, most often an error.",
    ),
    META + "StatusDetails": Struct(
        {
            "name": Field("string", "Name of the object concerned, when there is one.", proto=1),
            "group": Field("string", "API group of the object concerned.", proto=2),
            "kind": Field("string", "Kind of the object concerned.", proto=3),
            "uid": Field("string", "UID of the object concerned, when there is one.", proto=6),
            "causes": Field(
                atomic(META + "StatusCause"), "Individual causes, such as invalid fields.", proto=4
            ),
            "retryAfterSeconds": Field(
                "integer", "Seconds to wait before retrying, if the error says to.", proto=5
            ),
        },
        "Details of a failed API call.",
    ),
    META + "StatusCause": Struct(
        {
            "reason": Field(
                "string", "Machine-readable reason, such as FieldValueInvalid.", proto=1
            ),
            "message": Field("string", "Human-readable description of the cause.", proto=2),
            "field": Field(
                "string",
                "Path of the field at fault, such as spec.containers[0].name; may repeat.",
                proto=3,
            ),
        },
        "One cause of a failed API call.",
    ),
    META + "DeleteOptions": Struct(
        {
            "apiVersion": _API_VERSION,
            "kind": _KIND,
            "gracePeriodSeconds": Field(
                "integer",
                "Seconds before the object is deleted, a non-negative integer; 0 deletes at "
                "once, unset uses the kind's default.",
                proto=1,
                keep_zero=True,
            ),
            "preconditions": Field(
                Ref(META + "Preconditions"),
                "Conditions the object must meet to be deleted.",
                proto=2,
            ),
            "orphanDependents": Field(
                "boolean",
                "Deprecated, use propagationPolicy: whether dependents are orphaned.",
                proto=3,
                keep_zero=True,
            ),
            "propagationPolicy": Field(
                "string",
                "What happens to dependents: Orphan, Background (deleted after the owner) or "
                "Foreground (deleted before the owner).",
                proto=4,
                keep_zero=True,
            ),
            "dryRun": Field(
                _STRINGS, "All to run every stage without persisting anything.", proto=5
            ),
            "ignoreStoreReadErrorWithClusterBreakingPotential": Field(
                "boolean",
                "Unsafe: delete an object that can no longer be read from storage, skipping "
                "finalizers and preconditions. Defaults to false.",
                proto=6,
                keep_zero=True,
            ),
        },
        "Options of a delete request.",
    ),
    META + "Preconditions": Struct(
        {
            "uid": Field("string", "The UID the object must have.", proto=1, keep_zero=True),
            "resourceVersion": Field(
                "string", "The resourceVersion the object must have.", proto=2, keep_zero=True
            ),
        },
        "Conditions an object must meet for an operation to proceed.",
    ),
    META + "WatchEvent": Struct(
        {
            "type": Field(
                "string", "ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.", proto=1, keep_zero=True
            ),
            "object": Field(
                Ref(RAW_EXTENSION),
                "The object after the change (before it, for DELETED); a Status for ERROR.",
                proto=2,
            ),
        },
        "One event of a watch stream.",
    ),
}

_SUBRESOURCES: dict[str, Definition] = {
    AUTOSCALING_V1 + "Scale": Struct(
        {
            "apiVersion": _API_VERSION,
            "kind": _KIND,
            "metadata": Field(OBJECT_META, "Metadata of the scaled object.", proto=1),
            "spec": Field(Ref(AUTOSCALING_V1 + "ScaleSpec"), "The desired scale.", proto=2),
            "status": Field(
                Ref(AUTOSCALING_V1 + "ScaleStatus"), "The observed scale. Read-only.", proto=3
            ),
        },
        "The scale subresource of a workload: its replica count.",
    ),
    AUTOSCALING_V1 + "ScaleSpec": Struct(
        {"replicas": Field("integer", "Desired number of replicas.", proto=1)},
        "The desired scale.",
    ),
    AUTOSCALING_V1 + "ScaleStatus": Struct(
        {
            "replicas": Field("integer", "Number of replicas observed.", proto=1, keep_zero=True),
            "selector": Field(
                "string",
                "Label selector of the replicas, in query-string form such as app=web.",
                proto=2,
            ),
        },
        "The observed scale.",
    ),
    POLICY + "Eviction": Struct(
        {
            "apiVersion": _API_VERSION,
            "kind": _KIND,
            "metadata": Field(OBJECT_META, "Name and namespace of the pod to evict.", proto=1),
            "deleteOptions": Field(
                Ref(META + "DeleteOptions"),
                "Options of the deletion the eviction performs.",
                proto=2,
            ),
        },
        "A request to evict a pod, honoring its disruption budgets; posted to the pod's eviction "
        "subresource.",
    ),
}

DEFINITIONS: dict[str, Definition] = {**_RAW, **_META, **_SUBRESOURCES}

# Bodies that are whole objects (apiVersion and kind) without being kinds of the catalog:
# kind -> (apiVersion, definition). DeleteOptions comes under any group version ("" here),
# as Kubernetes registers it in each.
BODY_KINDS: dict[str, tuple[str, str]] = {
    "Scale": ("autoscaling/v1", AUTOSCALING_V1 + "Scale"),
    "Eviction": ("policy/v1", POLICY + "Eviction"),
    "Binding": ("v1", CORE + "Binding"),
    "Status": ("v1", META + "Status"),
    "DeleteOptions": ("", META + "DeleteOptions"),
}
