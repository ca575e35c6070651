"""FieldsV1 sets: members, union, difference, intersection, paths and their texts."""

from __future__ import annotations

from typing import Any

import pytest

from minik8s.api.fieldset import (
    FieldsError,
    FieldSet,
    field,
    item_key,
    item_value,
    path_text,
)

# .metadata.labels (a member with children), .metadata.labels.app, .spec.replicas and a
# container keyed by name with its image.
LABELS_AND_IMAGE: dict[str, Any] = {
    "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
    "f:spec": {
        "f:replicas": {},
        "f:containers": {'k:{"name":"web"}': {".": {}, "f:image": {}}},
    },
}


def paths(s: FieldSet) -> list[str]:
    return [path_text(p) for p in s.paths()]


def test_elements_are_written_as_kubernetes_writes_them() -> None:
    assert field("replicas") == "f:replicas"
    assert item_key({"protocol": "TCP", "containerPort": 80}) == (
        'k:{"containerPort":80,"protocol":"TCP"}'
    )
    assert item_value("example.com/x") == 'v:"example.com/x"'


def test_members_are_leaves_and_marked_nodes() -> None:
    s = FieldSet(LABELS_AND_IMAGE)
    assert s.has(("f:metadata", "f:labels"))
    assert s.has(("f:metadata", "f:labels", "f:app"))
    assert not s.has(("f:metadata",))
    assert not s.has(("f:spec", "f:containers"))
    assert s.has(("f:spec", "f:containers", 'k:{"name":"web"}'))
    assert not s.has(("f:status",))


def test_paths_list_a_nodes_members_before_its_subtrees() -> None:
    assert paths(FieldSet(LABELS_AND_IMAGE)) == [
        ".metadata.labels",
        ".metadata.labels.app",
        ".spec.replicas",
        '.spec.containers[name="web"]',
        '.spec.containers[name="web"].image',
    ]


def test_path_texts_of_every_element() -> None:
    assert path_text(("f:spec", 'k:{"containerPort":80,"protocol":"TCP"}')) == (
        '.spec[containerPort=80,protocol="TCP"]'
    )
    assert path_text(("f:metadata", "f:finalizers", 'v:"a/b"')) == '.metadata.finalizers[="a/b"]'
    assert path_text(("f:x", "i:3")) == ".x[3]"


def test_union_keeps_both_and_marks_members() -> None:
    a = FieldSet({"f:spec": {"f:replicas": {}}})
    b = FieldSet({"f:spec": {"f:paused": {}}, "f:metadata": {"f:labels": {"f:a": {}}}})
    u = a.union(b)
    assert u.tree == {
        "f:metadata": {"f:labels": {"f:a": {}}},
        "f:spec": {"f:paused": {}, "f:replicas": {}},
    }
    # A leaf in one set and a node with children in the other: a marked member.
    c = FieldSet({"f:data": {}}).union(FieldSet({"f:data": {"f:k": {}}}))
    assert c.tree == {"f:data": {".": {}, "f:k": {}}}


def test_difference_removes_members_only_not_what_lies_below() -> None:
    s = FieldSet(LABELS_AND_IMAGE)
    d = s.difference(FieldSet({"f:metadata": {"f:labels": {}}}))
    assert paths(d)[:1] == [".metadata.labels.app"]
    assert not d.has(("f:metadata", "f:labels"))
    gone = s.difference(s)
    assert not gone and gone.tree == {}


def test_without_removes_whole_subtrees() -> None:
    s = FieldSet(LABELS_AND_IMAGE)
    w = s.without(FieldSet({"f:spec": {}}))
    assert paths(w) == [".metadata.labels", ".metadata.labels.app"]


def test_intersection() -> None:
    s = FieldSet(LABELS_AND_IMAGE)
    other = FieldSet({"f:spec": {"f:replicas": {}, "f:paused": {}}, "f:metadata": {}})
    assert paths(s.intersection(other)) == [".spec.replicas"]
    assert not s.intersection(FieldSet())


def test_operations_never_change_their_inputs() -> None:
    tree = {"f:spec": {"f:replicas": {}, "f:paused": {}}}
    s = FieldSet(tree)
    s.difference(FieldSet({"f:spec": {"f:paused": {}}}))
    s.union(FieldSet({"f:spec": {"f:x": {}}}))
    assert tree == {"f:spec": {"f:replicas": {}, "f:paused": {}}}


def test_a_clients_document_is_checked_and_reencoded() -> None:
    s = FieldSet.from_fields_v1({"f:spec": {'k:{ "name" : "web" }': {"f:image": {}}}})
    assert s.tree == {"f:spec": {'k:{"name":"web"}': {"f:image": {}}}}
    for bad in ({"x:y": {}}, {"f:a": []}, {"k:notjson": {}}, {"f:a": {".": {"f:b": {}}}}):
        with pytest.raises(FieldsError):
            FieldSet.from_fields_v1(bad)
    with pytest.raises(FieldsError):
        FieldSet.from_fields_v1([])


def test_children_are_kept_in_kubernetes_order() -> None:
    s = FieldSet.from_fields_v1(
        {"k:{}": {}, "v:1": {}, "f:b": {}, "i:10": {}, "f:a": {}, "i:9": {}}
    )
    assert list(s.tree) == ["f:a", "f:b", "k:{}", "v:1", "i:9", "i:10"]
