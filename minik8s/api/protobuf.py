"""Kubernetes' protobuf bodies (`application/vnd.kubernetes.protobuf`), read and written
from each kind's declared schema, so that typed Go clients (kubectl's `create namespace`,
`create deployment`, ...) work unchanged.

The envelope: the 4 bytes `k8s\\0`, then a `runtime.Unknown` message: typeMeta (1:
apiVersion 1, kind 2), raw (2: the object's own message), contentEncoding (3, empty) and
contentType (4, empty). The object's message has `metadata` = 1 and the kind's top-level
fields under the numbers they declare (`Field(prop, ..., proto=N)`, transcribed from
Kubernetes' generated.proto); apiVersion and kind live only in the envelope. A list is
{metadata = 1, items = 2}. Bodies that are objects without being kinds of the catalog
(Scale, Eviction, Binding, Status, DeleteOptions) are `kinds.meta.BODY_KINDS`.

How a declared property travels: "string" length-delimited UTF-8; "integer" a varint
(negative numbers sign-extended to 64 bits); "boolean" a varint; "number" a double;
"bytes" raw bytes (base64 text in JSON); a `Ref` an embedded message, or one of the
special types below; an `Array` a repeated field (packed or not, when read); a `MapOf` a
repeated {key = 1, value = 2} entry. Special types, as apimachinery encodes them: Time and
MicroTime {seconds = 1, nanos = 2} <-> RFC 3339 text (Time keeps whole seconds, as
Kubernetes does), Quantity {string = 1}, IntOrString {type = 1, intVal = 2, strVal = 3},
Duration {duration = 1, in ns} <-> Go duration text, RawExtension {raw = 1: JSON, or a
nested envelope} and FieldsV1 {Raw = 1: JSON}.

Zero values: a Go client sends every non-pointer field, set or not, and its JSON omits the
zero ones; so a received 0, "" or false is dropped as unset unless the field says
`keep_zero` (a pointer, or a JSON tag without omitempty). An embedded message is kept even
when empty (Go's JSON writes `"spec": {}` too), and an empty Time is JSON's null. The
object decoded from a typed client's protobuf body is thus the one its JSON body gives.

Unknown field numbers are skipped, as Go does, and reported (`Decoded.unknown`, paths such
as `spec.#99`, the first `MAX_UNKNOWN`) for field validation. A kind whose mapping is not
yet complete (`missing`) refuses (`Incomplete`) a body that uses fields it cannot read
rather than drop them. A malformed body (truncated, wrong wire type, bad UTF-8, an unknown
kind in the envelope) raises `ProtobufError` naming the field and byte; the API server
answers 400.

Concurrency: messages are compiled once per catalog generation, under a lock, and a root
is published only once its whole closure is built; decoding and encoding then only read
them, so the API server's event loop and its decoder thread share one `Codec`. Cost:
measured in the README (a Pod and a Deployment of a typed client decode in tens of us).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import struct
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from .decode import MAX_DEPTH, DecodeError, decode_json
from .kind import ResourceInfo
from .kinds.meta import BODY_KINDS
from .protowire import FIXED64, LENGTH, VARINT, WireError, delimited, read_varint, signed, skip
from .protowire import tag as wire_tag
from .protowire import varint as wire_varint
from .resources import BUILTIN_CATALOG, Catalog
from .schema import (
    INT_OR_STRING,
    META,
    OBJECT_META,
    QUANTITY,
    RAW_EXTENSION,
    Array,
    Definition,
    Field,
    MapOf,
    Member,
    Ref,
    Struct,
    definition_name,
)
from .times import format_go_duration, parse_go_duration, parse_rfc3339, rfc3339

__all__ = [
    "MAGIC",
    "MEDIA_TYPE",
    "Codec",
    "Decoded",
    "Incomplete",
    "ProtobufError",
    "UnknownKind",
    "decode",
    "encode",
    "missing",
]

MAGIC = b"k8s\x00"
MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAX_UNKNOWN = 100  # skipped fields reported (a body of tiny unknown fields stays cheap)
Obj = dict[str, Any]


class ProtobufError(ValueError):
    """The body is not a protobuf object the API can read; the message says why."""


class UnknownKind(ProtobufError):
    """The envelope names a kind this server does not serve."""


class Incomplete(ProtobufError):
    """The kind's protobuf mapping is not complete, and the body used what it lacks."""


@dataclass
class Decoded:
    obj: Obj
    unknown: list[str] = field(default_factory=list)  # skipped fields: "spec.#99"


# --------------------------------------------------------------------------- compiled form

_STRING, _INT, _BOOL, _DOUBLE, _BYTES, _RAW, _MESSAGE, _MAP, _SPECIAL, _INLINE = range(10)
# "raw" is internal (never declared by a kind): bytes kept as bytes, for the envelope.
_PRIMITIVES = {
    "string": _STRING,
    "integer": _INT,
    "boolean": _BOOL,
    "number": _DOUBLE,
    "bytes": _BYTES,
    "raw": _RAW,
}
_WIRE_TYPES = {_INT: VARINT, _BOOL: VARINT, _DOUBLE: FIXED64}  # the others are LENGTH
_WIRE_NAMES = {0: "varint", 1: "64-bit", 2: "length-delimited", 5: "32-bit"}
_DOUBLE_FORMAT = struct.Struct("<d")


class _Field:
    __slots__ = (
        "name",
        "number",
        "kind",
        "repeated",
        "keep_zero",
        "message",
        "special",
        "tag",
        "string_map",
    )

    def __init__(
        self,
        name: str,
        number: int,
        kind: int,
        repeated: bool,
        keep_zero: bool,
        message: _Message | None = None,
        special: _Special | None = None,
    ) -> None:
        self.name = name
        self.number = number
        self.kind = kind
        self.repeated = repeated
        self.keep_zero = keep_zero
        # embedded message, map entry, a special's wire form, or (_INLINE) the message of
        # an embedded struct whose fields JSON puts in this object
        self.message = message
        self.special = special
        self.tag = wire_tag(number, _WIRE_TYPES.get(kind, LENGTH))
        # a map<string, string> (labels, annotations, data): the decoder's fast path
        self.string_map = (
            kind == _MAP and message is not None and message.by_number[2].kind == _STRING
        )


class _Message:
    """One message: its fields by tag (the decoder's lookup) and by JSON name."""

    __slots__ = ("name", "by_tag", "by_number", "by_name", "inline", "type_meta")

    def __init__(self, name: str) -> None:
        self.name = name
        self.by_tag: dict[int, _Field] = {}
        self.by_number: dict[int, _Field] = {}
        self.by_name: dict[str, _Field] = {}
        self.inline: dict[str, _Field] = {}  # JSON name -> the _INLINE field that carries it
        self.type_meta = False  # apiVersion and kind are declared but travel in the envelope

    def add(self, f: _Field) -> None:
        wire = _WIRE_TYPES.get(f.kind, LENGTH)
        self.by_tag[f.number << 3 | wire] = f
        if f.repeated and wire != LENGTH:  # packed repeated numbers
            self.by_tag[f.number << 3 | LENGTH] = f
        self.by_number[f.number] = f
        if f.kind == _INLINE:
            assert f.message is not None
            self.inline.update(dict.fromkeys(f.message.by_name, f))
        else:
            self.by_name[f.name] = f


@dataclass(frozen=True)
class _Root:
    """What an envelope's apiVersion and kind decode to."""

    message: _Message
    missing: tuple[str, ...]  # fields of the closure without a protobuf mapping


# --------------------------------------------------------------------------- special types

Nested = Callable[[bytes, "_Context", int], Obj]


@dataclass(frozen=True)
class _Special:
    """A type apimachinery encodes by hand: its wire message and the JSON form of it."""

    fields: Mapping[str, Member]
    to_json: Callable[[Obj, Nested, _Context, int], Any]
    from_json: Callable[[Any], Obj]
    null: bool = False  # JSON's null is the empty message (a zero Time): written as one


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@functools.lru_cache(maxsize=4096)
def _time_text(seconds: int, micros: int, micro: bool) -> str:
    """RFC 3339 text of a moment; cached, as an object's times are often the same few."""
    try:
        moment = _EPOCH + timedelta(seconds=seconds, microseconds=micros)
    except OverflowError:
        raise ProtobufError(f"time {seconds}s is out of range") from None
    return rfc3339(moment, micro=micro)


def _time_to_json(micro: bool) -> Callable[[Obj, Nested, _Context, int], Any]:
    def to_json(d: Obj, nested: Nested, ctx: _Context, depth: int) -> Any:
        if not d:  # Go writes a zero Time as an empty message; its JSON is null
            return None
        return _time_text(d.get("seconds", 0), d.get("nanos", 0) // 1000 if micro else 0, micro)

    return to_json


def _time_from_json(value: Any) -> Obj:
    moment = parse_rfc3339(value)
    if moment is None:
        raise ProtobufError(f"{value!r} is not an RFC 3339 time")
    delta = moment - _EPOCH
    return {"seconds": delta.days * 86400 + delta.seconds, "nanos": delta.microseconds * 1000}


def _quantity_from_json(value: Any) -> Obj:
    if isinstance(value, str):
        return {"string": value}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"string": str(value)}
    raise ProtobufError(f"{value!r} is not a quantity")


def _int_or_string_to_json(d: Obj, nested: Nested, ctx: _Context, depth: int) -> Any:
    return d.get("strVal", "") if d.get("type") == 1 else d.get("intVal", 0)


def _int_or_string_from_json(value: Any) -> Obj:
    if isinstance(value, str):
        return {"type": 1, "strVal": value}
    if isinstance(value, int) and not isinstance(value, bool):
        return {"type": 0, "intVal": value}
    raise ProtobufError(f"{value!r} is neither an integer nor a string")


def _duration_from_json(value: Any) -> Obj:
    try:
        return {"duration": round(parse_go_duration(value) * 1e9)}
    except (TypeError, ValueError):
        raise ProtobufError(f"{value!r} is not a duration") from None


def _json_bytes(value: Any) -> Obj:
    return {"raw": json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()}


def _json_value(raw: bytes) -> Any:
    try:
        return decode_json(raw)
    except DecodeError as e:
        raise ProtobufError(f"embedded JSON: {e}") from None


def _raw_extension_to_json(d: Obj, nested: Nested, ctx: _Context, depth: int) -> Any:
    raw: bytes = d.get("raw", b"")
    if not raw:
        return None
    if raw.startswith(MAGIC):  # an object encoded as protobuf, with its own envelope
        return nested(raw, ctx, depth)
    return _json_value(raw)


_TIMESTAMP = {
    "seconds": Field("integer", proto=1, keep_zero=True),
    "nanos": Field("integer", proto=2, keep_zero=True),
}
_RAW_ONLY = {"raw": Field("raw", proto=1, keep_zero=True)}
_SPECIALS: dict[str, _Special] = {
    META + "Time": _Special(_TIMESTAMP, _time_to_json(False), _time_from_json, null=True),
    META + "MicroTime": _Special(_TIMESTAMP, _time_to_json(True), _time_from_json, null=True),
    QUANTITY: _Special(
        {"string": Field("string", proto=1, keep_zero=True)},
        lambda d, nested, ctx, depth: d.get("string") or "0",
        _quantity_from_json,
    ),
    INT_OR_STRING: _Special(
        {
            "type": Field("integer", proto=1, keep_zero=True),
            "intVal": Field("integer", proto=2, keep_zero=True),
            "strVal": Field("string", proto=3, keep_zero=True),
        },
        _int_or_string_to_json,
        _int_or_string_from_json,
    ),
    META + "Duration": _Special(
        {"duration": Field("integer", proto=1, keep_zero=True)},
        lambda d, nested, ctx, depth: format_go_duration(d.get("duration", 0) / 1e9),
        _duration_from_json,
    ),
    RAW_EXTENSION: _Special(_RAW_ONLY, _raw_extension_to_json, _json_bytes, null=True),
    # FieldsV1's field is named Raw; it carries JSON only
    META + "FieldsV1": _Special(
        _RAW_ONLY,
        lambda d, nested, ctx, depth: _json_value(d["raw"]) if d.get("raw") else None,
        _json_bytes,
        null=True,
    ),
}

# The envelope (apimachinery's runtime.Unknown and runtime.TypeMeta).
_UNKNOWN = "io.k8s.apimachinery.pkg.runtime.Unknown"
_TYPE_META = "io.k8s.apimachinery.pkg.runtime.TypeMeta"
_ENVELOPE: dict[str, Definition] = {
    _UNKNOWN: Struct(
        {
            "typeMeta": Field(Ref(_TYPE_META), proto=1),
            "raw": Field("raw", proto=2),
            "contentEncoding": Field("string", proto=3),
            "contentType": Field("string", proto=4),
        }
    ),
    _TYPE_META: Struct({"apiVersion": Field("string", proto=1), "kind": Field("string", proto=2)}),
}


# --------------------------------------------------------------------------- compiling


class _Unmapped(Exception):
    """A property with no protobuf form (reported by `_missing`, skipped when compiling)."""


def _numbered(member: Member | None) -> bool:
    return isinstance(member, Field) and member.proto > 0


def _has_type_meta(members: Mapping[str, Member]) -> bool:
    """apiVersion and kind declared without numbers: Go's inline TypeMeta, which protobuf
    carries in the envelope (Scale, Eviction, DeleteOptions)."""
    names = ("apiVersion", "kind")
    return all(n in members and not _numbered(members[n]) for n in names)


class _Compiler:
    """Turns declared definitions into `_Message`s; one per catalog generation."""

    def __init__(self, definitions: Mapping[str, Definition], roots: frozenset[str] = frozenset()):
        self.definitions = definitions
        self.roots = roots  # the kinds' own messages: apiVersion and kind are the envelope's
        self.messages: dict[str, _Message] = {}

    def message(self, name: str) -> _Message:
        compiled = self.messages.get(name)
        if compiled is not None:
            return compiled
        declared = self.definitions.get(name)
        if not isinstance(declared, Struct):
            raise _Unmapped(name)
        return self.struct(name, declared.fields)

    def struct(self, name: str, members: Mapping[str, Member]) -> _Message:
        compiled = self.messages[name] = _Message(name)  # first: definitions may recurse
        compiled.type_meta = name in self.roots or _has_type_meta(members)
        embedded: dict[int, dict[str, Member]] = {}
        for key, member in members.items():
            if not isinstance(member, Field) or member.proto <= 0:
                continue
            if member.inline:
                embedded.setdefault(member.inline, {})[key] = replace(member, inline=0)
                continue
            try:
                compiled.add(self.field(key, member))
            except _Unmapped:
                pass
        for number, inner in embedded.items():
            message = self.struct(f"{name}#{number}", inner)
            compiled.add(_Field(f"#{number}", number, _INLINE, False, True, message))
        return compiled

    def field(self, name: str, member: Field) -> _Field:
        prop = member.prop
        repeated = isinstance(prop, Array)
        if isinstance(prop, Array):
            prop = prop.items
            if isinstance(prop, Array | MapOf):
                raise _Unmapped(name)
        if isinstance(prop, MapOf):
            if repeated or isinstance(prop.values, Array | MapOf):
                raise _Unmapped(name)
            return _Field(name, member.proto, _MAP, False, True, self.entry(prop))
        if isinstance(prop, Ref):
            special = _SPECIALS.get(prop.target)
            if special is not None:
                wire = self.special(prop.target, special)
                return _Field(name, member.proto, _SPECIAL, repeated, True, wire, special)
            return _Field(name, member.proto, _MESSAGE, repeated, True, self.message(prop.target))
        kind = _PRIMITIVES.get(prop)
        if kind is None:
            raise _Unmapped(name)
        return _Field(name, member.proto, kind, repeated, member.keep_zero)

    def entry(self, prop: MapOf) -> _Message:
        name = f"map<string, {prop.values!r}>"
        compiled = self.messages.get(name)
        if compiled is None:
            members = {
                "key": Field("string", proto=1, keep_zero=True),
                "value": Field(prop.values, proto=2, keep_zero=True),
            }
            compiled = self.struct(name, members)
        return compiled

    def special(self, name: str, special: _Special) -> _Message:
        return self.messages.get(name) or self.struct(name, special.fields)


def _missing(
    definitions: Mapping[str, Definition], name: str, root: Mapping[str, Member]
) -> list[str]:
    """Every field reachable from `root` that has no protobuf mapping, as `Definition.field:
    why`; empty when a body of this kind can be read and written whole."""
    problems: list[str] = []
    seen = {name}
    stack: list[tuple[str, Mapping[str, Member]]] = [(name, root)]
    while stack:
        where, members = stack.pop()
        type_meta = _has_type_meta(members)
        numbers: dict[tuple[int, int], str] = {}
        embedded = {m.inline for m in members.values() if isinstance(m, Field) and m.inline}
        for key, member in members.items():
            if type_meta and key in ("apiVersion", "kind"):
                continue
            if not isinstance(member, Field) or not _numbered(member):
                problems.append(f"{where}.{key}: no protobuf field number")
                continue
            number = (member.inline, member.proto)
            if number in numbers:
                problems.append(f"{where}.{key}: number {member.proto} is {numbers[number]}'s")
            if not member.inline and member.proto in embedded:
                problems.append(f"{where}.{key}: number {member.proto} carries inline fields")
            numbers[number] = key
            prop = member.prop
            if isinstance(prop, Array):
                prop = prop.items
            if isinstance(prop, MapOf):
                prop = prop.values
            if isinstance(prop, Array | MapOf):
                problems.append(f"{where}.{key}: nested lists and maps have no protobuf form")
            elif isinstance(prop, Ref):
                target = prop.target
                declared = definitions.get(target)
                if target in _SPECIALS or target in seen:
                    continue
                if declared is None:
                    problems.append(f"{where}.{key}: {target} is not defined")
                elif not isinstance(declared, Struct):
                    problems.append(f"{where}.{key}: {target} has no protobuf form")
                else:
                    seen.add(target)
                    stack.append((target, declared.fields))
            elif prop not in _PRIMITIVES:
                problems.append(f"{where}.{key}: {prop!r} has no protobuf form")
    return sorted(problems)


# --------------------------------------------------------------------------- the codec


class _Context:
    """One decode: the fields it skipped."""

    __slots__ = ("unknown",)

    def __init__(self) -> None:
        self.unknown: list[str] = []


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class Codec:
    """Reads and writes protobuf bodies of the kinds of one catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._lock = threading.Lock()
        self._generation = -1
        self._compiler = _Compiler({})
        self._roots: dict[tuple[str, str], _Root] = {}
        self._envelope = _Compiler(_ENVELOPE).message(_UNKNOWN)

    # roots ------------------------------------------------------------------------------
    def root(self, api_version: str, kind: str) -> _Root:
        """The message of an envelope's apiVersion and kind; `UnknownKind` when none."""
        found = self._roots.get((api_version, kind))
        if found is not None and self._generation == self.catalog.generation:
            return found
        with self._lock:
            if self._generation != self.catalog.generation:
                self._generation = self.catalog.generation
                kinds = frozenset(
                    definition_name(info.group, info.version, info.kind) for info in self.catalog
                )
                self._compiler = _Compiler(self._definitions(), kinds)
                self._roots = {}
            found = self._roots.get((api_version, kind))
            if found is None:
                found = self._build(api_version, kind)
                self._roots[(api_version, kind)] = found
            return found

    def missing(self, info: ResourceInfo) -> tuple[str, ...]:
        """Fields of the kind (and what they reference) without a protobuf mapping."""
        return self.root(info.api_version, info.kind).missing

    def _definitions(self) -> dict[str, Definition]:
        definitions = self.catalog.definitions()
        for info in self.catalog:  # each kind's root message, under its definition name
            fields: dict[str, Member] = {"metadata": Field(OBJECT_META, proto=1)}
            fields.update(info.schema.fields if info.schema is not None else {})
            definitions[definition_name(info.group, info.version, info.kind)] = Struct(fields)
        return definitions

    def _build(self, api_version: str, kind: str) -> _Root:
        name = self._definition_of(api_version, kind)
        compiler = self._compiler
        if name is None and kind.endswith("List"):
            item = self._definition_of(api_version, kind[: -len("List")])
            if item is not None:
                name = item + "List"
                list_fields: dict[str, Member] = {
                    "metadata": Field(Ref(META + "ListMeta"), proto=1),
                    "items": Field(Array(Ref(item)), proto=2),
                }
                compiler.definitions = {**compiler.definitions, name: Struct(list_fields)}
        if name is None:
            raise UnknownKind(f'no kind "{kind}" is registered for version "{api_version}"')
        declared = compiler.definitions[name]
        assert isinstance(declared, Struct)
        message = compiler.message(name)
        return _Root(message, tuple(_missing(compiler.definitions, name, declared.fields)))

    def _definition_of(self, api_version: str, kind: str) -> str | None:
        info = self.catalog.lookup_kind(api_version, kind)
        if info is not None:
            return definition_name(info.group, info.version, info.kind)
        body = BODY_KINDS.get(kind)
        if body is not None and body[0] in ("", api_version):
            return body[1]
        return None

    # decoding ---------------------------------------------------------------------------
    def decode(self, body: bytes) -> Decoded:
        """An envelope's object as the JSON object model, and the fields it skipped."""
        ctx = _Context()
        return Decoded(self._nested(body, ctx, 0), ctx.unknown)

    def _nested(self, body: bytes, ctx: _Context, depth: int) -> Obj:
        if not body.startswith(MAGIC):
            raise ProtobufError("the body does not start with the protobuf prefix k8s\\x00")
        envelope: Obj = {}
        self._read(body, len(MAGIC), len(body), self._envelope, envelope, _Context(), "", depth)
        encoding = envelope.get("contentEncoding")
        if encoding:
            raise ProtobufError(f'unsupported content encoding "{encoding}" in the envelope')
        content_type = envelope.get("contentType")
        if content_type and content_type.split(";")[0].strip() != MEDIA_TYPE:
            raise ProtobufError(f'unsupported content type "{content_type}" in the envelope')
        type_meta = envelope.get("typeMeta") or {}
        api_version, kind = type_meta.get("apiVersion", ""), type_meta.get("kind", "")
        if not kind:
            raise ProtobufError("the envelope names no kind")
        root = self.root(api_version, kind)
        obj: Obj = {"kind": kind, "apiVersion": api_version}
        raw: bytes = envelope.get("raw", b"")
        before = len(ctx.unknown)
        self._read(raw, 0, len(raw), root.message, obj, ctx, "", depth + 1)
        if root.missing and len(ctx.unknown) > before:
            raise Incomplete(
                f"the protobuf form of {kind} ({api_version}) is not complete here, and the "
                f"body uses fields it lacks ({', '.join(ctx.unknown[before:][:5])})"
            )
        return obj

    def _read(
        self,
        buf: bytes,
        pos: int,
        end: int,
        msg: _Message,
        out: Obj,
        ctx: _Context,
        path: str,
        depth: int,
    ) -> None:
        """Decode the message in buf[pos:end] into `out` (merging, as protobuf does)."""
        if depth > MAX_DEPTH:
            raise ProtobufError(f"nesting deeper than {MAX_DEPTH} levels")
        try:
            by_tag = msg.by_tag
            while pos < end:
                tag = buf[pos]
                if tag < 0x80:
                    pos += 1
                else:
                    tag, pos = read_varint(buf, pos, end)
                f = by_tag.get(tag)
                if f is None:
                    pos = self._other(buf, pos, end, tag, msg, ctx, path)
                    continue
                kind = f.kind
                value: Any
                if tag & 7 == LENGTH:
                    if pos < end and buf[pos] < 0x80:
                        stop = pos + 1 + buf[pos]
                        pos += 1
                    else:
                        size, pos = read_varint(buf, pos, end)
                        stop = pos + size
                    if stop > end:
                        raise WireError(f"field {f.name} runs past the end of its message")
                    if kind == _STRING:
                        value = buf[pos:stop].decode()
                    elif kind == _MESSAGE:
                        sub = _child(path, f.name)
                        if f.repeated:
                            value = {}
                            items = out.get(f.name)
                            index = len(items) if isinstance(items, list) else 0
                            sub = f"{sub}[{index}]"
                        else:
                            value = out.get(f.name)
                            if not isinstance(value, dict):
                                value = out[f.name] = {}
                        assert f.message is not None
                        self._read(buf, pos, stop, f.message, value, ctx, sub, depth + 1)
                        if not f.repeated:
                            pos = stop
                            continue
                    elif kind == _INLINE:  # an embedded struct: its fields are this object's
                        assert f.message is not None
                        self._read(buf, pos, stop, f.message, out, ctx, path, depth + 1)
                        pos = stop
                        continue
                    elif kind == _MAP:
                        assert f.message is not None
                        mapping = out.get(f.name)
                        if not isinstance(mapping, dict):
                            mapping = out[f.name] = {}
                        pair = _string_pair(buf, pos, stop) if f.string_map else None
                        if pair is None:  # not the usual {key, value} of two short strings
                            entry: Obj = {}
                            self._read(buf, pos, stop, f.message, entry, ctx, path, depth + 1)
                            pair = (
                                entry.get("key", ""),
                                (entry["value"] if "value" in entry else _zero(f.message)),
                            )
                        mapping[pair[0]] = pair[1]
                        pos = stop
                        continue
                    elif kind == _SPECIAL:
                        assert f.message is not None and f.special is not None
                        inner: Obj = {}
                        sub = _child(path, f.name)
                        self._read(buf, pos, stop, f.message, inner, ctx, sub, depth + 1)
                        value = f.special.to_json(inner, self._nested, ctx, depth + 1)
                        if not f.repeated:
                            out[f.name] = value
                            pos = stop
                            continue
                    elif kind == _BYTES:
                        value = base64.b64encode(buf[pos:stop]).decode("ascii")
                    elif kind == _RAW:
                        value = buf[pos:stop]
                    else:  # packed repeated numbers
                        values = out.get(f.name)
                        if not isinstance(values, list):
                            values = out[f.name] = []
                        values.extend(_packed(buf, pos, stop, kind))
                        pos = stop
                        continue
                    pos = stop
                elif kind == _DOUBLE:
                    if pos + 8 > end:
                        raise WireError(f"truncated double at byte {pos}")
                    value = _DOUBLE_FORMAT.unpack_from(buf, pos)[0]
                    pos += 8
                    if not math.isfinite(value):
                        raise ProtobufError(
                            f"{_child(path, f.name)}: {value} is not a finite number"
                        )
                else:
                    if pos < end and buf[pos] < 0x80:
                        number = buf[pos]
                        pos += 1
                    else:
                        number, pos = read_varint(buf, pos, end)
                    value = signed(number) if kind == _INT else number != 0
                if f.repeated:
                    values = out.get(f.name)
                    if not isinstance(values, list):
                        values = out[f.name] = []
                    values.append(value)
                elif value or f.keep_zero:
                    out[f.name] = value
                else:  # Go's zero value of a field it always sends: unset
                    out.pop(f.name, None)
        except WireError as e:
            raise ProtobufError(f"{path or 'the object'}: {e}") from None
        except UnicodeDecodeError as e:
            raise ProtobufError(
                f"{path or 'the object'}: invalid UTF-8 in a string ({e.reason})"
            ) from None

    def _other(
        self, buf: bytes, pos: int, end: int, tag: int, msg: _Message, ctx: _Context, path: str
    ) -> int:
        """A field the message does not declare with this wire type: skipped and reported
        when unknown, an error when known (its wire type is wrong)."""
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise WireError(f"field number 0 at byte {pos}")
        known = msg.by_number.get(number)
        if known is not None:
            expected = _WIRE_TYPES.get(known.kind, LENGTH)
            got = _WIRE_NAMES.get(wire, str(wire))
            raise WireError(
                f"field {known.name} (number {number}) has wire type {got}, "
                f"expected {_WIRE_NAMES[expected]}"
            )
        if len(ctx.unknown) < MAX_UNKNOWN:
            ctx.unknown.append(_child(path, f"#{number}"))
        return skip(buf, pos, end, wire)

    # encoding ---------------------------------------------------------------------------
    def encode(self, obj: Obj) -> bytes:
        """The envelope of an object (its apiVersion and kind name the message)."""
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            raise ProtobufError("the object has no apiVersion or kind")
        root = self.root(api_version, kind)
        try:
            raw = self._write(obj, root.message, top=True)
        except _Unwritable as e:
            raise ProtobufError(e.text()) from None
        type_meta = delimited(1, api_version.encode()) + delimited(2, kind.encode())
        # contentEncoding and contentType empty, written as Go writes them
        return MAGIC + delimited(1, type_meta) + delimited(2, raw) + b"\x1a\x00\x22\x00"

    def _write(self, obj: Any, msg: _Message, top: bool = False) -> bytes:
        if not isinstance(obj, dict):
            raise _Unwritable("is not an object")
        by_name = msg.by_name
        parts: list[tuple[int, bytes]] = []
        embedded: dict[int, Obj] = {}
        for key, value in obj.items():
            f = by_name.get(key)
            if f is None:
                carrier = msg.inline.get(key)
                if carrier is not None:
                    embedded.setdefault(carrier.number, {})[key] = value
                elif value is not None and not (
                    (top or msg.type_meta) and key in ("apiVersion", "kind")
                ):
                    raise _Unwritable("has no protobuf field", f".{key}")
                continue
            if value is None:
                if f.special is not None and f.special.null and not f.repeated:
                    parts.append((f.number, f.tag + b"\x00"))  # Go's zero Time: empty
                continue
            try:
                parts.append((f.number, self._write_field(f, value)))
            except _Unwritable as e:
                e.path.append(f".{key}")
                raise
        for number, fields in embedded.items():
            carrier_field = msg.by_number[number]
            assert carrier_field.message is not None
            payload = self._write(fields, carrier_field.message)
            parts.append((number, carrier_field.tag + _length(len(payload)) + payload))
        parts.sort()  # by field number, as Go writes them (numbers are unique)
        return b"".join([part for _, part in parts])

    def _write_field(self, f: _Field, value: Any) -> bytes:
        if f.kind == _MAP:
            if not isinstance(value, dict):
                raise _Unwritable("is not an object")
            assert f.message is not None
            out = []
            for k, v in value.items():
                if f.string_map and isinstance(k, str) and isinstance(v, str):
                    key, text = _utf8(k), _utf8(v)
                    entry = b"\x0a" + _length(len(key)) + key + b"\x12" + _length(len(text)) + text
                else:
                    try:
                        entry = self._write({"key": k, "value": v}, f.message)
                    except _Unwritable as e:
                        e.path.append(f"[{k}]")
                        raise
                out.append(f.tag + _length(len(entry)) + entry)
            return b"".join(out)
        if not f.repeated:
            return self._write_one(f, value)
        if not isinstance(value, list):
            raise _Unwritable("is not a list")
        items = []
        for i, item in enumerate(value):
            try:
                items.append(self._write_one(f, item))
            except _Unwritable as e:
                e.path.append(f"[{i}]")
                raise
        return b"".join(items)

    def _write_one(self, f: _Field, value: Any) -> bytes:
        kind = f.kind
        payload: bytes
        if kind == _STRING and isinstance(value, str):
            payload = _utf8(value)
        elif kind == _MESSAGE:
            assert f.message is not None
            payload = self._write(value, f.message)
        elif kind == _INT and isinstance(value, int) and not isinstance(value, bool):
            try:
                return f.tag + wire_varint(value)
            except WireError as e:
                raise _Unwritable(str(e)) from None
        elif kind == _BOOL and isinstance(value, bool):
            return f.tag + (b"\x01" if value else b"\x00")
        elif kind == _DOUBLE and isinstance(value, int | float) and not isinstance(value, bool):
            return f.tag + _DOUBLE_FORMAT.pack(value)
        elif kind == _SPECIAL:
            assert f.message is not None and f.special is not None
            try:
                inner = f.special.from_json(value)
            except ProtobufError as e:
                raise _Unwritable(str(e)) from None
            payload = self._write(inner, f.message)
        elif kind == _BYTES and isinstance(value, str):
            try:
                payload = base64.b64decode(value, validate=True)
            except binascii.Error:
                raise _Unwritable("is not base64") from None
        elif kind == _RAW and isinstance(value, bytes):
            payload = value
        else:
            raise _Unwritable(f"{value!r} does not fit its declared type")
        return f.tag + _length(len(payload)) + payload


class _Unwritable(Exception):
    """A value the encoder cannot write; its path grows as the error leaves each level
    (built only when there is an error)."""

    def __init__(self, why: str, *path: str) -> None:
        super().__init__(why)
        self.why = why
        self.path = list(path)

    def text(self) -> str:
        where = "".join(reversed(self.path)).lstrip(".")
        return f"{where or 'the object'} {self.why}"


_SHORT = [bytes((n,)) for n in range(0x80)]


def _length(size: int) -> bytes:
    return _SHORT[size] if size < 0x80 else wire_varint(size)


def _utf8(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError:
        raise _Unwritable("is not valid Unicode (a lone surrogate)") from None


def _zero(entry: _Message) -> Any:
    """A map value absent from its entry: the zero of the value's type."""
    f = entry.by_number[2]
    if f.kind == _MESSAGE:
        return {}
    if f.kind == _SPECIAL:
        assert f.special is not None
        return f.special.to_json({}, _no_nested, _Context(), 0)
    return {_STRING: "", _INT: 0, _BOOL: False, _DOUBLE: 0.0, _BYTES: "", _RAW: b""}[f.kind]


def _string_pair(buf: bytes, pos: int, stop: int) -> tuple[str, str] | None:
    """A map<string, string> entry written as Go writes it (key = 1 then value = 2, each
    shorter than 128 bytes), read without the general decoder; None for any other form."""
    if stop - pos < 4 or buf[pos] != 0x0A or buf[pos + 1] >= 0x80:
        return None
    key_end = pos + 2 + buf[pos + 1]
    if key_end + 2 > stop or buf[key_end] != 0x12 or buf[key_end + 1] >= 0x80:
        return None
    value_end = key_end + 2 + buf[key_end + 1]
    if value_end != stop:
        return None
    return buf[pos + 2 : key_end].decode(), buf[key_end + 2 : value_end].decode()


def _no_nested(raw: bytes, ctx: _Context, depth: int) -> Obj:
    raise ProtobufError("an empty value cannot hold an object")


def _packed(buf: bytes, pos: int, end: int, kind: int) -> list[Any]:
    values: list[Any] = []
    if kind == _DOUBLE:
        if (end - pos) % 8:
            raise WireError(f"packed doubles of {end - pos} bytes at byte {pos}")
        values = [v for (v,) in _DOUBLE_FORMAT.iter_unpack(buf[pos:end])]
        if not all(math.isfinite(v) for v in values):
            raise WireError("a packed double is not a finite number")
        return values
    while pos < end:
        number, pos = read_varint(buf, pos, end)
        values.append(signed(number) if kind == _INT else number != 0)
    return values


# --------------------------------------------------------------------------- built-in kinds

_BUILTIN = Codec(BUILTIN_CATALOG)


def decode(body: bytes) -> Decoded:
    """A protobuf body of a built-in kind as the JSON object model."""
    return _BUILTIN.decode(body)


def encode(obj: Obj) -> bytes:
    """A built-in kind's object as a protobuf body (envelope and message)."""
    return _BUILTIN.encode(obj)


def missing(info: ResourceInfo) -> tuple[str, ...]:
    """What a built-in kind's schema lacks for protobuf; empty when it is complete."""
    return _BUILTIN.missing(info)
