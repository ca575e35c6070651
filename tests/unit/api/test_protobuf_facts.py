"""Every protobuf number a kind declares is Kubernetes' own, and nothing Kubernetes sends
is left undeclared: checked against the descriptors inside the real kubectl 1.32
(`tests/protofacts.py`), field by field, both ways, with types, Go pointers (which need
`keep_zero`), inline embedded structs and Go's declaration order.

Kinds in PROTO_PENDING are skipped until their numbers land.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from minik8s.api.kind import ResourceInfo
from minik8s.api.resources import BUILTIN_CATALOG
from minik8s.api.schema import (
    OBJECT_META,
    Array,
    Field,
    MapOf,
    Member,
    Prop,
    Ref,
    Struct,
    definition_name,
)
from tests.protofacts import (
    KUBECTL_VERSION,
    NOT_IN_KUBECTL,
    PROTO_PENDING,
    FieldProto,
    Message,
    Messages,
    is_pointer,
    kubectl_binary,
    message_name,
    messages,
)

NUMBERED = [
    info
    for info in BUILTIN_CATALOG
    if info.kind not in PROTO_PENDING and info.kind not in NOT_IN_KUBECTL
]
_TYPES = {
    "string": {FieldProto.TYPE_STRING},
    "integer": {FieldProto.TYPE_INT32, FieldProto.TYPE_INT64},
    "boolean": {FieldProto.TYPE_BOOL},
    "number": {FieldProto.TYPE_DOUBLE},
    "bytes": {FieldProto.TYPE_BYTES},
}


@pytest.fixture(scope="module")
def found() -> Messages:
    binary = kubectl_binary()
    if binary is None:
        pytest.skip("kubectl is not installed")
    return messages(binary)


def _structs(info: ResourceInfo) -> Iterator[tuple[str, Mapping[str, Member]]]:
    """The kind's own message and every struct definition it reaches."""
    definitions = BUILTIN_CATALOG.definitions()
    assert info.schema is not None
    root = definition_name(info.group, info.version, info.kind)
    stack: list[tuple[str, Mapping[str, Member]]] = [
        (root, {"metadata": Field(OBJECT_META, proto=1), **info.schema.fields})
    ]
    seen = {root}
    while stack:
        name, members = stack.pop()
        yield name, members
        for member in members.values():
            prop = member.prop if isinstance(member, Field) else member
            while isinstance(prop, Array | MapOf):
                prop = prop.items if isinstance(prop, Array) else prop.values
            declared = definitions.get(prop.target) if isinstance(prop, Ref) else None
            if isinstance(prop, Ref) and isinstance(declared, Struct) and prop.target not in seen:
                seen.add(prop.target)
                stack.append((prop.target, declared.fields))


def _type(name: str) -> str:
    return name.lstrip(".")


def _matches(prop: Prop, f: FieldProto, found: Messages) -> bool:
    repeated = f.label == FieldProto.LABEL_REPEATED
    entry = found.get(_type(f.type_name)) if f.type == FieldProto.TYPE_MESSAGE else None
    is_map = entry is not None and entry.options.map_entry
    if isinstance(prop, MapOf):
        return is_map and entry is not None and _matches(prop.values, entry.field[1], found)
    if isinstance(prop, Array):
        return repeated and not is_map and _one(prop.items, f)
    return not repeated and _one(prop, f)


def _one(prop: Prop, f: FieldProto) -> bool:
    if isinstance(prop, Ref):
        return f.type == FieldProto.TYPE_MESSAGE and _type(f.type_name) == message_name(prop.target)
    return isinstance(prop, str) and f.type in _TYPES.get(prop, set())


def _compare(
    name: str, members: Mapping[str, Member], message: Message, found: Messages
) -> list[str]:
    problems: list[str] = []
    by_number = {f.number: f for f in message.field}
    type_meta = not any(
        isinstance(m, Field) and m.proto for k, m in members.items() if k in ("apiVersion", "kind")
    ) and {"apiVersion", "kind"} <= set(members)
    carriers = {m.inline for m in members.values() if isinstance(m, Field) and m.inline}
    declared: list[str] = []
    for key, member in members.items():
        if type_meta and key in ("apiVersion", "kind"):
            continue
        declared.append(key)
        if not isinstance(member, Field) or not member.proto:
            continue  # test_every_field_has_a_protobuf_number reports it
        where = f"{name}.{key}"
        f = by_number.get(member.proto)
        if member.inline:
            carrier = by_number.get(member.inline)
            inner = found.get(_type(carrier.type_name)) if carrier is not None else None
            f = {g.number: g for g in inner.field}.get(member.proto) if inner else None
        if f is None:
            problems.append(f"{where}: kubectl has no field {member.inline or ''}/{member.proto}")
            continue
        if f.name != key:
            problems.append(f"{where}: number {member.proto} is {f.name} in kubectl")
        elif not _matches(member.prop, f, found):
            problems.append(
                f"{where}: {member.prop!r} does not match kubectl's {f.type_name or f.type}"
            )
        scalar = f.type != FieldProto.TYPE_MESSAGE and f.label != FieldProto.LABEL_REPEATED
        if scalar and is_pointer(f) and not member.keep_zero:
            problems.append(f"{where}: a Go pointer, so keep_zero=True")
    # Go's order, with each inline struct's fields where the struct is embedded
    expected: list[str] = []
    for f in message.field:
        if f.number in carriers:
            inner = found.get(_type(f.type_name))
            expected.extend(g.name for g in (inner.field if inner is not None else ()))
        else:
            expected.append(f.name)
    for key in expected:
        if key not in declared:
            problems.append(f"{name}.{key}: kubectl sends it, the schema does not declare it")
    in_both = [k for k in declared if k in expected]
    if in_both != [k for k in expected if k in declared]:
        problems.append(f"{name}: fields not in Go's order {expected}")
    return problems


@pytest.mark.parametrize("info", NUMBERED, ids=lambda i: i.kind)
def test_numbers_are_kubernetes_own(info: ResourceInfo, found: Messages) -> None:
    problems = []
    for name, members in _structs(info):
        message = found.get(message_name(name))
        if message is None:
            problems.append(
                f"{name}: kubectl {KUBECTL_VERSION} has no message {message_name(name)}"
            )
        else:
            problems.extend(_compare(name, members, message, found))
    assert problems == []
