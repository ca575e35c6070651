"""The pod types carry Kubernetes' protobuf field numbers, in the Go struct's order.

Every field of every definition in `kinds/podschema.py` (and the Pod's own spec and status)
has a number; within a definition no two fields share one, counting a field of a struct
embedded inline by (the embedded message's number, its own number), and an embedded
message's number is not also a field of the enclosing message. A few facts from
core/v1 `generated.proto` anchor the numbering: the ones a shifted or misread line would
break first.
"""

from __future__ import annotations

import pytest

from minik8s.api.kinds.pod import POD
from minik8s.api.kinds.podschema import DEFINITIONS
from minik8s.api.schema import CORE, Field, Struct

# TypeMeta travels in the protobuf envelope, not in the message.
_TYPE_META = {CORE + "Binding": {"apiVersion", "kind"}}


def _fields(name: str) -> dict[str, Field]:
    definition = DEFINITIONS[name]
    assert isinstance(definition, Struct)
    fields = dict(definition.fields)
    assert all(isinstance(member, Field) for member in fields.values())
    return {key: member for key, member in fields.items() if isinstance(member, Field)}


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_every_field_has_a_unique_number(name: str) -> None:
    numbered = {
        key: (field.inline, field.proto)
        for key, field in _fields(name).items()
        if key not in _TYPE_META.get(name, set())
    }
    assert all(proto > 0 for _, proto in numbered.values()), numbered
    assert len(set(numbered.values())) == len(numbered), numbered
    own = {proto for inline, proto in numbered.values() if not inline}
    assert not {inline for inline, _ in numbered.values() if inline} & own, numbered


def test_pod_top_level() -> None:
    assert {
        key: field.proto for key, field in POD.schema.fields.items() if isinstance(field, Field)
    } == {
        "spec": 2,
        "status": 3,
    }


@pytest.mark.parametrize(
    ("definition", "field", "inline", "proto"),
    [
        ("PodSpec", "initContainers", 0, 20),
        ("PodSpec", "ephemeralContainers", 0, 34),
        ("PodSpec", "resources", 0, 40),
        ("Container", "envFrom", 0, 19),
        ("Container", "imagePullPolicy", 0, 14),
        ("ContainerPort", "hostPort", 0, 2),
        ("VolumeMount", "recursiveReadOnly", 0, 7),
        ("Volume", "projected", 2, 26),
        ("Volume", "image", 2, 30),
        ("Probe", "grpc", 1, 4),
        ("Probe", "initialDelaySeconds", 0, 2),
        ("EphemeralContainer", "tty", 1, 18),
        ("EphemeralContainer", "targetContainerName", 0, 2),
        ("ConfigMapKeySelector", "name", 1, 1),
        ("SecretProjection", "optional", 0, 4),
        ("ISCSIVolumeSource", "chapAuthSession", 0, 11),
        ("PodStatus", "nominatedNodeName", 0, 11),
        ("ObjectReference", "apiVersion", 0, 5),
    ],
)
def test_numbers_from_generated_proto(definition: str, field: str, inline: int, proto: int) -> None:
    found = _fields(CORE + definition)[field]
    assert (found.inline, found.proto) == (inline, proto)


def test_fields_in_go_declaration_order() -> None:
    """The order is Kubernetes' JSON key order; these are the definitions where it differs
    from the natural reading order."""
    assert list(_fields(CORE + "ObjectReference"))[:5] == [
        "kind",
        "namespace",
        "name",
        "uid",
        "apiVersion",
    ]
    assert list(_fields(CORE + "ContainerPort")) == [
        "name",
        "hostPort",
        "containerPort",
        "protocol",
        "hostIP",
    ]
    container = list(_fields(CORE + "Container"))
    assert container.index("envFrom") == container.index("env") - 1
    assert container.index("imagePullPolicy") == container.index("terminationMessagePolicy") + 1
    assert list(_fields(CORE + "EphemeralContainer"))[:-1] == container
