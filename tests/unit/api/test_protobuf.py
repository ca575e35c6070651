"""The protobuf codec: what typed Go clients send decodes to what their JSON would be.

Three independent sources of bytes: bodies the real kubectl 1.32 sent (captured once from
`kubectl create ...` against a recording server; the expected objects are what
`kubectl create ... --dry-run=client -o json` prints), bytes written by hand here with a
few lines of wire code of their own, and the codec's own encoder (round trips).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest

from minik8s.api import protobuf
from minik8s.api.defaults import apply_defaults
from minik8s.api.kind import ResourceInfo
from minik8s.api.protobuf import Codec, Incomplete, ProtobufError, UnknownKind
from minik8s.api.resources import BUILTIN_CATALOG, Catalog
from minik8s.api.schema import (
    INT_OR_STRING,
    META,
    MICRO_TIME,
    QUANTITY,
    RAW_EXTENSION,
    TIME,
    Array,
    Field,
    KindSchema,
    MapOf,
    Ref,
    Struct,
)
from tests.manifests import MANIFESTS
from tests.protofacts import PROTO_PENDING, annotate, kubectl_binary

KINDS = {info.kind: info for info in BUILTIN_CATALOG}
NUMBERED = [info for info in BUILTIN_CATALOG if info.kind not in PROTO_PENDING]

# --------------------------------------------------------------------------- kubectl's bodies

# kubectl 1.32: create namespace foo / configmap cm1 --from-literal=a=b / secret generic s1
# --from-literal=k=v / serviceaccount sa1 / deployment d1 --image=busybox --replicas=0
KUBECTL_BODIES = {
    "Namespace": (
        "6b3873000a0f0a02763112094e616d657370616365121b0a130a03666f6f12001a0022002a0032003800"
        "420012001a020a001a002200"
    ),
    "ConfigMap": (
        "6b3873000a0f0a0276311209436f6e6669674d6170121d0a130a03636d3112001a0022002a0032003800"
        "420012060a01611201621a002200"
    ),
    "Secret": (
        "6b3873000a0c0a0276311206536563726574121e0a120a02733112001a0022002a003200380042001206"
        "0a016b1201761a001a002200"
    ),
    "ServiceAccount": (
        "6b3873000a140a027631120e536572766963654163636f756e7412150a130a0373613112001a0022002a"
        "003200380042001a002200"
    ),
    "Deployment": (
        "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412ab010a1d0a02643112001a002200"
        "2a003200380042005a090a0361707012026431127c0800120b0a090a03617070120264311a630a1b0a00"
        "12001a0022002a003200380042005a090a0361707012026431124412260a0762757379626f7812076275"
        "7379626f782a0042006a007200800100880100900100a201001a00320042004a00520058006000680082"
        "01008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200"
    ),
}
DRY_RUN = {
    "Namespace": {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {"name": "foo", "creationTimestamp": None},
        "spec": {},
        "status": {},
    },
    "ConfigMap": {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"name": "cm1", "creationTimestamp": None},
        "data": {"a": "b"},
    },
    "Secret": {
        "kind": "Secret",
        "apiVersion": "v1",
        "metadata": {"name": "s1", "creationTimestamp": None},
        "data": {"k": "dg=="},
    },
    "ServiceAccount": {
        "kind": "ServiceAccount",
        "apiVersion": "v1",
        "metadata": {"name": "sa1", "creationTimestamp": None},
    },
    "Deployment": {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "metadata": {"name": "d1", "creationTimestamp": None, "labels": {"app": "d1"}},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "d1"}},
            "template": {
                "metadata": {"creationTimestamp": None, "labels": {"app": "d1"}},
                "spec": {"containers": [{"name": "busybox", "image": "busybox", "resources": {}}]},
            },
            "strategy": {},
        },
        "status": {},
    },
}


@pytest.mark.parametrize("kind", ["Namespace", "ConfigMap", "Secret", "ServiceAccount"])
def test_kubectl_bodies_decode_to_what_its_json_says(kind: str) -> None:
    decoded = protobuf.decode(bytes.fromhex(KUBECTL_BODIES[kind]))
    assert decoded.obj == DRY_RUN[kind]
    assert decoded.unknown == []


@pytest.fixture(scope="module")
def complete() -> Codec:
    """A codec over the built-in kinds numbered from kubectl's own descriptors: the shape
    they will have once every declaration carries its numbers."""
    binary = kubectl_binary()
    if binary is None:
        pytest.skip("kubectl is not installed")
    return Codec(annotate(BUILTIN_CATALOG, binary))


def test_kubectl_deployment_keeps_its_pointer_zero(complete: Codec) -> None:
    # replicas is a *int32: the 0 kubectl sends is a value; minReadySeconds 0 and paused
    # false (sent as well) are Go's zero values of plain fields, and are dropped.
    decoded = complete.decode(bytes.fromhex(KUBECTL_BODIES["Deployment"]))
    assert decoded.obj == DRY_RUN["Deployment"]
    assert decoded.unknown == []


def test_a_kind_not_yet_numbered_refuses_what_it_cannot_read() -> None:
    if "Deployment" not in PROTO_PENDING:
        pytest.skip("Deployment's numbers are declared")
    with pytest.raises(Incomplete, match="Deployment"):
        protobuf.decode(bytes.fromhex(KUBECTL_BODIES["Deployment"]))


# --------------------------------------------------------------------------- by hand


def _varint(n: int) -> bytes:
    out = b""
    while n >= 0x80:
        out += bytes([n & 0x7F | 0x80])
        n >>= 7
    return out + bytes([n])


def _bytes(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


HAND_CONFIG_MAP = b"k8s\x00" + (
    _bytes(1, _bytes(1, b"v1") + _bytes(2, b"ConfigMap"))
    + _bytes(
        2,
        _bytes(
            1,
            _bytes(1, b"cm") + _bytes(3, b"ns") + _bytes(11, _bytes(1, b"app") + _bytes(2, b"web")),
        )
        + _bytes(2, _bytes(1, b"k") + _bytes(2, b"v"))
        + _bytes(3, _bytes(1, b"bin") + _bytes(2, b"\x00\xff"))
        + bytes([4 << 3 | 0, 0]),  # immutable: false, a *bool, so kept
    )
    + b"\x1a\x00\x22\x00"
)
HAND_OBJECT = {
    "kind": "ConfigMap",
    "apiVersion": "v1",
    "metadata": {"name": "cm", "namespace": "ns", "labels": {"app": "web"}},
    "data": {"k": "v"},
    "binaryData": {"bin": "AP8="},
    "immutable": False,
}


def test_hand_written_bytes_both_ways() -> None:
    assert protobuf.decode(HAND_CONFIG_MAP).obj == HAND_OBJECT
    assert protobuf.encode(HAND_OBJECT) == HAND_CONFIG_MAP


# --------------------------------------------------------------------------- round trips


def _stored(info: ResourceInfo) -> dict[str, Any]:
    """A kind's manifest as the server stores it: defaulted, with server-owned metadata."""
    manifest = MANIFESTS.get(info.plural)
    if manifest is None or manifest["kind"] != info.kind:
        pytest.skip(f"no manifest of {info.kind}")
    obj = copy.deepcopy(manifest)
    apply_defaults(info, obj)
    obj["metadata"].update(
        {
            "namespace": "default" if info.namespaced else None,
            "uid": "0b7f3c1e-4a59-4c2e-9f51-3c0f2d1b7a11",
            "resourceVersion": "42",
            "generation": 1,
            "creationTimestamp": "2024-05-01T12:00:00Z",
            "annotations": {"note": "", "multi\nline": "ü ✓"},
            "finalizers": ["example.com/keep"],
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "web-1",
                    "uid": "4d3c2b1a-0000-4000-8000-000000000001",
                    "controller": True,
                    "blockOwnerDeletion": False,
                }
            ],
            "managedFields": [
                {
                    "manager": "kubectl-create",
                    "operation": "Update",
                    "apiVersion": info.api_version,
                    "time": "2024-05-01T12:00:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}},
                }
            ],
        }
    )
    if obj["metadata"]["namespace"] is None:
        del obj["metadata"]["namespace"]
    return obj


@pytest.mark.parametrize("info", NUMBERED, ids=lambda i: i.kind)
def test_round_trip_of_every_numbered_kind(info: ResourceInfo) -> None:
    obj = _stored(info)
    assert protobuf.decode(protobuf.encode(obj)).obj == json.loads(json.dumps(obj))
    listed = {
        "kind": info.list_kind,
        "apiVersion": info.api_version,
        "metadata": {"resourceVersion": "42", "continue": "abc"},
        "items": [obj, obj],
    }
    # a list's items carry no apiVersion and kind in protobuf (nor in Kubernetes' JSON)
    item = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    assert protobuf.decode(protobuf.encode(listed)).obj == {**listed, "items": [item, item]}


@pytest.mark.parametrize(
    "obj",
    [
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": 'configmaps "x" not found',
            "reason": "NotFound",
            "details": {"name": "x", "kind": "configmaps", "causes": [{"field": "data"}]},
            "code": 404,
        },
        {
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "gracePeriodSeconds": 0,
            "preconditions": {"uid": "u", "resourceVersion": ""},
            "propagationPolicy": "Foreground",
            "dryRun": ["All"],
        },
        {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {"name": "web", "namespace": "ns"},
            "spec": {"replicas": 3},
            "status": {"replicas": 0, "selector": "app=web"},
        },
        {
            "kind": "Eviction",
            "apiVersion": "policy/v1",
            "metadata": {"name": "web-1", "namespace": "ns"},
            "deleteOptions": {"gracePeriodSeconds": 30},
        },
    ],
    ids=lambda o: o["kind"],
)
def test_round_trip_of_bodies_that_are_not_kinds(obj: dict[str, Any]) -> None:
    assert protobuf.decode(protobuf.encode(obj)).obj == obj


def test_delete_options_come_under_any_group_version() -> None:
    body = protobuf.encode({"kind": "DeleteOptions", "apiVersion": "apps/v1", "dryRun": ["All"]})
    assert protobuf.decode(body).obj["dryRun"] == ["All"]


# --------------------------------------------------------------------------- every kind's numbers


@pytest.mark.parametrize("info", list(BUILTIN_CATALOG), ids=lambda i: i.kind)
def test_every_field_has_a_protobuf_number(info: ResourceInfo) -> None:
    missing = protobuf.missing(info)
    if info.kind in PROTO_PENDING:
        assert missing, f"{info.kind} is complete: remove it from PROTO_PENDING"
        pytest.skip(f"{info.kind} is in PROTO_PENDING")
    assert missing == ()


# --------------------------------------------------------------------------- special types

_WIDGET = "io.example.v1."
_WIDGET_SCHEMA = KindSchema(
    "A kind of the tests' own, with a field of every form.",
    {
        "time": Field(TIME, proto=2),
        "micro": Field(MICRO_TIME, proto=3),
        "quantity": Field(Ref(QUANTITY), proto=4),
        "port": Field(Ref(INT_OR_STRING), proto=5),
        "wait": Field(Ref(META + "Duration"), proto=6),
        "embedded": Field(Ref(RAW_EXTENSION), proto=7),
        "fields": Field(Ref(META + "FieldsV1"), proto=8),
        "numbers": Field(Array("integer"), proto=9),
        "ratio": Field("number", proto=10),
        "count": Field("integer", proto=11),
        "pointer": Field("integer", proto=12, keep_zero=True),
        "flag": Field("boolean", proto=13),
        "limits": Field(MapOf(Ref(QUANTITY)), proto=14),
        "blob": Field("bytes", proto=15),
        "parts": Field(Array(Ref(_WIDGET + "Part")), proto=16),
        # Go's inline embedded struct: JSON flattens it, protobuf nests it at 17
        "name": Field("string", proto=1, inline=17),
        "optional": Field("boolean", proto=2, inline=17, keep_zero=True),
    },
    {_WIDGET + "Part": Struct({"id": Field("string", proto=1)})},
)
WIDGET = ResourceInfo(
    "example.io", "v1", "Widget", "widgets", "widget", True, schema=_WIDGET_SCHEMA
)
WIDGETS = Codec(Catalog([WIDGET]))
# The same with a field that has no protobuf form: a kind whose mapping is incomplete.
_PARTIAL_SCHEMA = dataclasses.replace(
    _WIDGET_SCHEMA, fields={**_WIDGET_SCHEMA.fields, "untyped": Field("object", proto=18)}
)
PARTIAL = dataclasses.replace(WIDGET, schema=_PARTIAL_SCHEMA)
PARTIALS = Codec(Catalog([PARTIAL]))


def _widget(**fields: Any) -> dict[str, Any]:
    return {"kind": "Widget", "apiVersion": "example.io/v1", "metadata": {"name": "w"}, **fields}


def _widget_message(payload: bytes) -> bytes:
    """A Widget envelope around `payload` (the Widget message's fields after metadata)."""
    type_meta = _bytes(1, b"example.io/v1") + _bytes(2, b"Widget")
    return b"k8s\x00" + _bytes(1, type_meta) + _bytes(2, _bytes(1, _bytes(1, b"w")) + payload)


@pytest.mark.parametrize(
    "fields",
    [
        {"time": "2024-05-01T12:00:00Z", "micro": "2024-05-01T12:00:00.123456Z"},
        {"time": "1969-07-20T20:17:40Z"},
        {"time": None, "micro": None, "embedded": None, "fields": None},
        {"quantity": "128Mi", "limits": {"cpu": "500m", "memory": "1Gi"}},
        {"port": 8080},
        {"port": "http"},
        {"wait": "1m30s"},
        {"wait": "500ms"},
        {"embedded": {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}}},
        {"fields": {"f:spec": {"f:replicas": {}}}},
        {"numbers": [1, -1, 2**63 - 1, -(2**63), 0]},
        {"ratio": 0.25, "count": -7, "pointer": 0, "flag": True},
        {"blob": "AAEC/w=="},
        {"parts": [{"id": "a"}, {}, {"id": "c"}]},
        {"name": "inline", "optional": False},
    ],
)
def test_special_types_round_trip(fields: dict[str, Any]) -> None:
    obj = _widget(**fields)
    assert WIDGETS.decode(WIDGETS.encode(obj)).obj == obj


def test_time_travels_as_seconds_and_nanos() -> None:
    # Time{seconds=1714564800}; MicroTime{seconds, nanos=123456789}: Time keeps whole
    # seconds, MicroTime microseconds (as Kubernetes reads them)
    moment = _bytes(2, bytes([0x08]) + _varint(1714564800) + bytes([0x10]) + _varint(5))
    micro = _bytes(3, bytes([0x08]) + _varint(1714564800) + bytes([0x10]) + _varint(123456789))
    obj = WIDGETS.decode(_widget_message(moment + micro)).obj
    assert obj["time"] == "2024-05-01T12:00:00Z"
    assert obj["micro"] == "2024-05-01T12:00:00.123456Z"
    # an empty Time is Go's zero Time: null, as its JSON says
    assert WIDGETS.decode(_widget_message(_bytes(2, b""))).obj["time"] is None


def test_int_or_string_and_quantity_wire_forms() -> None:
    as_int = _bytes(5, bytes([0x08, 0x00, 0x10]) + _varint(8080))
    as_str = _bytes(5, bytes([0x08, 0x01]) + _bytes(3, b"http"))
    quantity = _bytes(4, _bytes(1, b"250m"))
    assert WIDGETS.decode(_widget_message(as_int)).obj["port"] == 8080
    assert WIDGETS.decode(_widget_message(as_str + quantity)).obj["port"] == "http"
    assert WIDGETS.decode(_widget_message(quantity)).obj["quantity"] == "250m"


def test_raw_extension_may_hold_a_nested_envelope() -> None:
    inner = _widget(name="inner", count=1)
    obj = WIDGETS.decode(_widget_message(_bytes(7, _bytes(1, WIDGETS.encode(inner))))).obj
    assert obj["embedded"] == inner


def test_negative_integers_are_sign_extended() -> None:
    body = WIDGETS.encode(_widget(count=-1))
    assert bytes([11 << 3]) + b"\xff" * 9 + b"\x01" in body
    assert WIDGETS.decode(body).obj["count"] == -1


def test_repeated_numbers_packed_or_not() -> None:
    unpacked = b"".join(bytes([9 << 3]) + _varint(n) for n in (1, 2, 300))
    packed = _bytes(9, _varint(1) + _varint(2) + _varint(300))
    for payload, numbers in (
        (unpacked, [1, 2, 300]),
        (packed, [1, 2, 300]),
        (packed + unpacked, [1, 2, 300, 1, 2, 300]),
    ):
        assert WIDGETS.decode(_widget_message(payload)).obj["numbers"] == numbers


def test_zero_values_of_plain_fields_are_dropped_but_pointers_keep_theirs() -> None:
    payload = bytes([11 << 3, 0, 12 << 3, 0, 13 << 3, 0]) + _bytes(15, b"")
    obj = WIDGETS.decode(_widget_message(payload)).obj
    assert "count" not in obj and "flag" not in obj and "blob" not in obj
    assert obj["pointer"] == 0


def test_unknown_fields_are_skipped_and_reported() -> None:
    payload = (
        _varint(99 << 3)
        + b"\x01"  # field 99, a varint, at the top
        + _bytes(16, _bytes(7, b"x") + _bytes(1, b"a"))  # parts[0] with an unknown field 7
        + _varint(31 << 3 | 5)
        + b"\x00\x00\x00\x00"  # field 31, 32-bit
    )
    decoded = WIDGETS.decode(_widget_message(payload))
    assert decoded.obj["parts"] == [{"id": "a"}]
    assert decoded.unknown == ["#99", "parts[0].#7", "#31"]


def test_a_body_using_what_a_partial_kind_lacks_is_refused() -> None:
    assert WIDGETS.missing(WIDGET) == ()
    assert PARTIALS.missing(PARTIAL) == (
        "io.k8s.api.example.v1.Widget.untyped: 'object' has no protobuf form",
    )
    # what it can read it reads; a field it cannot is refused, not dropped
    assert PARTIALS.decode(_widget_message(_bytes(17, _bytes(1, b"n")))).obj == _widget(name="n")
    with pytest.raises(Incomplete, match="#18"):
        PARTIALS.decode(_widget_message(_bytes(18, b"{}")))


# --------------------------------------------------------------------------- bad bodies

_GOOD = bytes.fromhex(KUBECTL_BODIES["ConfigMap"])


def _envelope(api_version: bytes, kind: bytes, raw: bytes) -> bytes:
    return b"k8s\x00" + _bytes(1, _bytes(1, api_version) + _bytes(2, kind)) + _bytes(2, raw)


@pytest.mark.parametrize(
    ("body", "error", "text"),
    [
        (b'{"kind": "ConfigMap"}', ProtobufError, "protobuf prefix"),
        (_GOOD[:-30], ProtobufError, "runs past the end"),
        (b"k8s\x00\x0a", ProtobufError, "truncated varint"),
        (b"k8s\x00\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", ProtobufError, "10 bytes"),
        (_envelope(b"v1", b"Gadget", b""), UnknownKind, 'no kind "Gadget"'),
        (_envelope(b"v2", b"ConfigMap", b""), UnknownKind, 'for version "v2"'),
        (b"k8s\x00" + _bytes(2, b""), ProtobufError, "names no kind"),
        (_envelope(b"v1", b"ConfigMap", _bytes(1, _bytes(1, b"\xff\xfe"))), ProtobufError, "UTF-8"),
        (_envelope(b"v1", b"ConfigMap", bytes([1 << 3, 5])), ProtobufError, "wire type varint"),
        (_envelope(b"v1", b"ConfigMap", b"\x00\x01"), ProtobufError, "field number 0"),
        (_envelope(b"v1", b"ConfigMap", bytes([9 << 3 | 3])), ProtobufError, "wire type 3"),
        (_GOOD + b"\x1a\x04gzip", ProtobufError, "content encoding"),
        (_GOOD + b"\x22\x10application/json", ProtobufError, "content type"),
    ],
)
def test_malformed_bodies_raise_a_clear_error(
    body: bytes, error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text):
        protobuf.decode(body)


def test_bad_values_in_special_types() -> None:
    nan = bytes([10 << 3 | 1]) + b"\x00\x00\x00\x00\x00\x00\xf8\x7f"
    with pytest.raises(ProtobufError, match="finite"):
        WIDGETS.decode(_widget_message(nan))
    with pytest.raises(ProtobufError, match="embedded JSON"):
        WIDGETS.decode(_widget_message(_bytes(8, _bytes(1, b"{nope"))))
    with pytest.raises(ProtobufError, match="out of range"):
        WIDGETS.decode(_widget_message(_bytes(2, bytes([0x08]) + _varint(2**62))))


def test_nesting_is_bounded() -> None:
    body = WIDGETS.encode(_widget())
    for _ in range(60):  # each RawExtension level is two messages deep
        body = _widget_message(_bytes(7, _bytes(1, body)))
    with pytest.raises(ProtobufError, match="nesting deeper"):
        WIDGETS.decode(body)


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"count": "7"}, "count"),
        ({"flag": 1}, "flag"),
        ({"blob": "not base64!"}, "blob"),
        ({"time": "yesterday"}, "RFC 3339"),
        ({"port": 1.5}, "neither an integer nor a string"),
        ({"numbers": 5}, "not a list"),
        ({"extra": 1}, "extra has no protobuf field"),
        ({"count": 2**64}, "64 bits"),
    ],
)
def test_objects_that_cannot_be_written(fields: dict[str, Any], text: str) -> None:
    with pytest.raises(ProtobufError, match=text):
        WIDGETS.encode(_widget(**fields))
