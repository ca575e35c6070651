"""What the tests know of Kubernetes' protobuf: the kinds whose field numbers are still
being written (`PROTO_PENDING`), and Kubernetes' own descriptors, read from the real
kubectl, as an independent check of the numbers the kinds declare.

Go's generated protobuf code embeds each generated.proto as a gzipped FileDescriptorProto,
and kubectl links the code of every k8s.io/api group and of apimachinery; so the kubectl
binary of a release holds that release's messages, field numbers, types and (in the gogo
`nullable` option) which fields are Go pointers. Tests read them at run time; nothing of
them is stored in the project. `kubectl_binary()` is None when no kubectl is installed.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import shutil
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from google.protobuf import descriptor_pb2

from minik8s.api.kind import ResourceInfo
from minik8s.api.resources import Catalog
from minik8s.api.schema import Definition, Field, Member, Struct, definition_name

Message = descriptor_pb2.DescriptorProto
FieldProto = descriptor_pb2.FieldDescriptorProto
Messages = dict[str, Message]

# Kinds whose schemas do not carry all their protobuf numbers yet (others are adding them);
# the lead empties this list as they land. Tests skip these kinds' protobuf checks.
# Kinds whose messages kubectl does not link (kube-aggregator's APIService): their numbers
# cannot be checked against its descriptors.
NOT_IN_KUBECTL: frozenset[str] = frozenset({"APIService"})

PROTO_PENDING: frozenset[str] = frozenset(
    {
        # metrics.k8s.io: read-only, no protobuf numbers yet (and their definition names are
        # not Kubernetes' k8s.io.metrics.pkg.apis.metrics.v1beta1 ones)
        "NodeMetrics",
        "PodMetrics",
    }
)

KUBECTL_VERSION = "1.32"
_GZIP = re.compile(rb"\x1f\x8b\x08\x00\x00\x00\x00\x00")
# (gogoproto.nullable) = false: extension 65001, a varint 0. Absent: a Go pointer.
_NOT_NULLABLE = b"\xc8\xde\x1f\x00"


def kubectl_binary(version: str = KUBECTL_VERSION) -> str | None:
    """kubectl of a release: `kubectl.1.NN` on the PATH or beside the real `kubectl` (the
    Google Cloud SDK's layout); for the default version, plain `kubectl` as the last resort."""
    found = shutil.which(f"kubectl.{version}")
    default = shutil.which("kubectl")
    if found is None and default is not None:
        sibling = Path(default).resolve().parent / f"kubectl.{version}"
        found = str(sibling) if sibling.is_file() else None
    return found or (default if version == KUBECTL_VERSION else None)


@functools.cache
def messages(binary: str) -> dict[str, Message]:
    """Every message of kubectl's generated.proto files, by full name (`k8s.io.api.core.v1.Pod`;
    map entries as `...ConfigMap.DataEntry`)."""
    data = Path(binary).read_bytes()
    found: dict[str, Message] = {}
    for match in _GZIP.finditer(data):
        try:
            raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(
                data[match.start() :][: 1 << 22]
            )
            file = descriptor_pb2.FileDescriptorProto.FromString(raw)
        except Exception:  # noqa: BLE001 - most gzip-looking bytes are not descriptors
            continue
        if not file.name.endswith("generated.proto"):
            continue
        stack = [(file.package, m) for m in file.message_type]
        while stack:
            prefix, message = stack.pop()
            name = f"{prefix}.{message.name}"
            found[name] = message
            stack.extend((name, nested) for nested in message.nested_type)
    return found


def message_name(definition: str) -> str:
    """Our definition name (`io.k8s.api.core.v1.Pod`) as a protobuf message name."""
    return "k8s.io." + definition.removeprefix("io.k8s.")


def is_pointer(f: FieldProto) -> bool:
    return _NOT_NULLABLE not in f.options.SerializeToString()


# --------------------------------------------------------------------------- annotating


def annotate(kinds: Iterable[ResourceInfo], binary: str) -> Catalog:
    """A catalog of `kinds` whose every field carries the number (and pointer-ness) kubectl's
    descriptors give it: the shape a complete declaration will have, for exercising the
    codec on kinds whose numbers are still being written."""
    found = messages(binary)
    annotated = []
    for info in kinds:
        if info.schema is None:
            annotated.append(info)
            continue
        root = found.get(message_name(definition_name(info.group, info.version, info.kind)))
        definitions = {
            name: _annotate_definition(d, found.get(message_name(name)), found)
            for name, d in info.schema.definitions.items()
        }
        schema = dataclasses.replace(
            info.schema,
            fields=_annotate_fields(info.schema.fields, root, found),
            definitions=definitions,
        )
        annotated.append(dataclasses.replace(info, schema=schema))
    return Catalog(annotated)


def _annotate_definition(
    declared: Definition, message: Message | None, found: Messages
) -> Definition:
    if not isinstance(declared, Struct) or message is None:
        return declared
    return dataclasses.replace(declared, fields=_annotate_fields(declared.fields, message, found))


def _annotate_fields(
    members: Mapping[str, Member], message: Message | None, found: Messages
) -> dict[str, Member]:
    out: dict[str, Member] = {}
    for key, member in members.items():
        where = locate(message, key, members, found) if message is not None else None
        if where is None:
            out[key] = member
            continue
        inline, f = where
        scalar = f.type != FieldProto.TYPE_MESSAGE and f.label != FieldProto.LABEL_REPEATED
        field = member if isinstance(member, Field) else Field(member)
        keep_zero = field.keep_zero or (scalar and is_pointer(f))
        out[key] = dataclasses.replace(field, proto=f.number, keep_zero=keep_zero, inline=inline)
    return out


def locate(
    message: Message, key: str, members: Mapping[str, Member], found: Messages
) -> tuple[int, FieldProto] | None:
    """Where the JSON field `key` of a struct declaring `members` is in `message`: (0, the
    field) when direct, (M, the field) when inside the embedded struct at number M (a
    message field JSON does not name, Go's `json:",inline"`)."""
    for f in message.field:
        if f.name == key:
            return 0, f
    for carrier in message.field:
        if (
            carrier.type != FieldProto.TYPE_MESSAGE
            or carrier.label == FieldProto.LABEL_REPEATED
            or carrier.name in members
        ):
            continue
        embedded = found.get(carrier.type_name.lstrip("."))
        for f in embedded.field if embedded is not None else ():
            if f.name == key:
                return carrier.number, f
    return None
