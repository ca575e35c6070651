"""The vocabulary kinds use to describe their fields, once.

A kind's schema is written here in a few small types and read by three consumers:
the API server renders it as swagger 2.0 and OpenAPI 3.0 documents (so `kubectl explain`
prints its descriptions), and the strategic merge patch takes each list's merge key and
patch strategy from it (so the merge keys are never a second hand-kept table).

- a property is a primitive name (`"string"`, `"integer"`, `"boolean"`, `"number"`,
  `"bytes"`, `"object"` for free-form), a `Ref` to a named definition, an `Array` or a
  `MapOf`;
- `Field(prop, "description", proto=N)` gives a property its description and its field
  number in Kubernetes' protobuf encoding (`keep_zero=True` for a Go pointer field, whose
  0, "" or false is a value rather than "unset"; `inline=M` for a field of an embedded
  struct that JSON flattens and protobuf nests: see `Field`);
- `Struct` is an object definition, `Raw` a definition written as plain OpenAPI;
- `map_type="atomic"` on a `Struct` or `MapOf` is Kubernetes' `x-kubernetes-map-type:
  atomic` (server-side apply sets and owns the object whole, as it does an atomic list);
- `KindSchema` is what a kind declares: its own top-level fields (besides apiVersion,
  kind and metadata) and the named definitions it introduces.

Definition names are Kubernetes' (`io.k8s.api.apps.v1.DeploymentSpec`), so clients that
look definitions up by name (kubectl's explain and its OpenAPI-driven apply) find them.
The OpenAPI documents are permissive (no field is required, unknown properties are
allowed): validation is the authority on values. Which fields exist is this description's
word: server-side apply merges and tracks ownership along it (`minik8s.api.shapes`), and
`fieldValidation` names every field a body has beyond it ("object" props accept anything).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Definition name prefixes, as Kubernetes names its Go packages.
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
CORE = "io.k8s.api.core.v1."
APPS = "io.k8s.api.apps.v1."
BATCH = "io.k8s.api.batch.v1."
COORDINATION = "io.k8s.api.coordination.v1."
SCHEDULING = "io.k8s.api.scheduling.v1."
AUTOSCALING_V1 = "io.k8s.api.autoscaling.v1."
AUTOSCALING_V2 = "io.k8s.api.autoscaling.v2."
POLICY = "io.k8s.api.policy.v1."
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
# An embedded object of any kind: JSON inline, JSON bytes in protobuf (ControllerRevision.data).
RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension"

PRIMITIVES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "number": {"type": "number"},
    # base64 text in JSON, raw bytes in protobuf (Secret data, ConfigMap binaryData)
    "bytes": {"type": "string", "format": "byte"},
    "object": {"type": "object", "additionalProperties": True},
}

# Patch strategies (`x-kubernetes-patch-strategy`).
MERGE = "merge"
REPLACE = "replace"
RETAIN_KEYS = "retainKeys"


@dataclass(frozen=True)
class Ref:
    target: str  # a full definition name
    strategy: str = ""  # x-kubernetes-patch-strategy on the field, e.g. "retainKeys"


@dataclass(frozen=True)
class Array:
    items: Prop
    merge_key: str = ""
    strategy: str = ""  # "merge", "merge,retainKeys"; "" = the list is replaced
    list_type: str = ""  # x-kubernetes-list-type: "map", "set", "atomic"
    map_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class MapOf:
    values: Prop
    map_type: str = ""  # x-kubernetes-map-type: "atomic" = applied and owned whole


Prop = str | Ref | Array | MapOf


@dataclass(frozen=True)
class Field:
    """A property with its description (what `kubectl explain` prints) and its field number
    in Kubernetes' protobuf message (`k8s.io/api/.../generated.proto`; 0 = none).

    `keep_zero`: a Go client's protobuf body carries every non-pointer scalar, set or not,
    while its JSON omits the zero ones (`omitempty`), so the protobuf decoder drops a
    received 0, "" or false as unset. A pointer field (`*int32 replicas`, `*bool
    immutable`) is sent only when set, and its zero is a value: `keep_zero=True` keeps it,
    as it does for a field whose JSON tag has no `omitempty` (OwnerReference's `name`).

    `inline`: Go embeds some structs with `json:",inline"` (a Volume's VolumeSource, a
    Probe's ProbeHandler, the LocalObjectReference of a ConfigMapKeySelector): their
    fields sit beside the others in JSON, but protobuf sends the embedded struct as one
    message field. `inline=M` says this field travels inside that message, at number M of
    the enclosing one, under its own number `proto` there (0 = directly in this message).
    """

    prop: Prop
    description: str = ""
    proto: int = 0
    keep_zero: bool = False
    inline: int = 0


Member = Prop | Field


def prop_of(member: Member) -> Prop:
    return member.prop if isinstance(member, Field) else member


def description_of(member: Member) -> str:
    return member.description if isinstance(member, Field) else ""


@dataclass(frozen=True)
class Struct:
    """An object definition: its properties in the order they are documented."""

    fields: Mapping[str, Member]
    description: str = ""
    map_type: str = ""  # x-kubernetes-map-type: "atomic" = applied and owned whole


@dataclass(frozen=True)
class Raw:
    """A definition written directly as an OpenAPI schema (Time, Quantity, ...)."""

    schema: Mapping[str, Any]


Definition = Struct | Raw


@dataclass(frozen=True)
class KindSchema:
    """What a kind declares about its shape."""

    description: str
    fields: Mapping[str, Member]  # top level, besides apiVersion, kind and metadata
    definitions: Mapping[str, Definition] = field(default_factory=dict)


# --------------------------------------------------------------------------- shorthands


def keyed(items: str, key: str, strategy: str = MERGE, *keys: str) -> Array:
    """A list merged by key (Kubernetes' `patchMergeKey` + `listType=map`).

    `items` is a definition name, or a primitive name such as "object".
    """
    element: Prop = items if items in PRIMITIVES else Ref(items)
    return Array(element, key, strategy, "map", keys or (key,))


def merged_by_type(items: str) -> Array:
    """A conditions list: merged by `type`."""
    return keyed(items, "type")


def atomic(items: Prop) -> Array:
    """A list replaced whole by every patch."""
    return Array(
        Ref(items) if isinstance(items, str) and items not in PRIMITIVES else items,
        list_type="atomic",
    )


STRINGS = Array("string")
STRING_SET = Array("string", strategy=MERGE, list_type="set")
STRING_MAP = MapOf("string")
QUANTITY_MAP = MapOf(Ref(QUANTITY))
TIME = Ref(META + "Time")
MICRO_TIME = Ref(META + "MicroTime")
OBJECT_META = Ref(META + "ObjectMeta")
LABEL_SELECTOR = Ref(META + "LabelSelector")


def condition(time_fields: Iterable[str] = ("lastTransitionTime",)) -> Struct:
    """The usual condition: type, status, reason, message and its time fields."""
    members: dict[str, Member] = {
        "type": Field("string", "Type of the condition."),
        "status": Field("string", "Status of the condition, one of True, False, Unknown."),
        "reason": Field("string", "A one-word CamelCase reason for the last transition."),
        "message": Field("string", "A human-readable message about the last transition."),
    }
    for name in time_fields:
        members[name] = Field(TIME, f"The {name} of the condition.")
    return Struct(members)


# Groups whose types live outside k8s.io/api (the aggregator's).
_PACKAGES = {"apiregistration.k8s.io": "io.k8s.kube-aggregator.pkg.apis.apiregistration"}


def definition_name(group: str, version: str, kind: str) -> str:
    """Kubernetes' definition name: `io.k8s.api.apps.v1.Deployment`, `io.k8s.api.core.v1.Pod`.

    The package is the group's first DNS label (`coordination.k8s.io` -> `coordination`),
    but for the few groups served from another Go module (`_PACKAGES`).
    """
    if group in _PACKAGES:
        return f"{_PACKAGES[group]}.{version}.{kind}"
    package = group.split(".")[0] if group else "core"
    return f"io.k8s.api.{package}.{version}.{kind}"


POD_TEMPLATE = Ref(CORE + "PodTemplateSpec")
