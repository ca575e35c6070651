"""Walks along a kind's shape: field sets, compare, merge, remove and unknown fields."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from minik8s.api.fieldset import FieldSet, path_text
from minik8s.api.kind import ResourceInfo
from minik8s.api.resources import lookup
from minik8s.api.schema import MERGE, Array, Field, KindSchema, MapOf, Ref, Struct
from minik8s.api.shapes import ATOMIC, KEYED, SET, Shapes, shape_of
from minik8s.api.typed import ApplyError, compare, field_set, merge, remove, unknown_fields

DEPLOYMENTS = lookup("apps", "v1", "deployments")
SERVICES = lookup("", "v1", "services")
CONFIGMAPS = lookup("", "v1", "configmaps")
assert DEPLOYMENTS and SERVICES and CONFIGMAPS
DEPLOYMENT = shape_of(DEPLOYMENTS)


def deployment(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "httpd:1"}]},
        },
    }
    base.update(spec)
    return {"metadata": {"name": "web"}, "spec": base}


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return obj["spec"]["template"]["spec"]["containers"]  # type: ignore[no-any-return]


def texts(fields: Any) -> list[str]:
    return [path_text(p) for p in fields.paths()]


# --------------------------------------------------------------------------- shapes


def test_list_relations_come_from_the_declared_schema() -> None:
    pod_spec = DEPLOYMENT.fields()["spec"].fields()["template"].fields()["spec"]
    assert pod_spec.fields()["containers"].relation == KEYED
    assert pod_spec.fields()["containers"].keys == ("name",)
    container = pod_spec.fields()["containers"].item
    assert container is not None
    assert container.fields()["ports"].keys == ("containerPort", "protocol")
    assert container.fields()["args"].relation == ATOMIC
    meta = DEPLOYMENT.fields()["metadata"]
    assert meta.fields()["finalizers"].relation == SET
    assert meta.fields()["ownerReferences"].keys == ("uid",)


def test_merge_strategy_without_list_type_follows_the_patch_strategy() -> None:
    shapes = Shapes({})
    assert shapes.of_prop(Array("string", strategy=MERGE)).relation == SET
    assert shapes.of_prop(Array("object", "name", MERGE)).relation == KEYED
    assert shapes.of_prop(Array("string")).relation == ATOMIC


# --------------------------------------------------------------------------- field sets


def test_an_applied_configuration_owns_its_leaves_keys_and_items() -> None:
    config = deployment()
    fields = field_set(DEPLOYMENT, config)
    assert texts(fields) == [
        ".metadata.name",
        ".spec.replicas",
        ".spec.selector.matchLabels.app",
        ".spec.template.metadata.labels.app",
        '.spec.template.spec.containers[name="web"]',
        '.spec.template.spec.containers[name="web"].image',
        '.spec.template.spec.containers[name="web"].name',
    ]


def test_an_empty_struct_or_an_atomic_list_is_owned_whole() -> None:
    config = deployment()
    containers(config)[0]["args"] = ["-v"]
    containers(config)[0]["resources"] = {}
    got = texts(field_set(DEPLOYMENT, config))
    assert '.spec.template.spec.containers[name="web"].args' in got
    assert '.spec.template.spec.containers[name="web"].resources' in got


def test_an_item_without_its_key_cannot_be_applied() -> None:
    config = deployment()
    del containers(config)[0]["name"]
    with pytest.raises(ApplyError, match='omits key field "name"'):
        field_set(DEPLOYMENT, config)
    twice = deployment()
    containers(twice).append({"name": "web", "image": "other"})
    with pytest.raises(ApplyError, match="duplicate"):
        field_set(DEPLOYMENT, twice)


def test_key_defaults_come_from_hints() -> None:
    config = deployment()
    containers(config)[0]["ports"] = [{"containerPort": 80}]
    with pytest.raises(ApplyError):
        field_set(DEPLOYMENT, config)
    container = DEPLOYMENT.fields()["spec"].fields()["template"].fields()["spec"]
    ports = container.fields()["containers"].item.fields()["ports"]  # type: ignore[union-attr]
    got = texts(field_set(DEPLOYMENT, config, {id(ports): {"protocol": "TCP"}}))
    assert (
        '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"]' in got
    )


# --------------------------------------------------------------------------- compare


def test_compare_names_added_modified_and_removed_fields() -> None:
    old = deployment()
    new = deployment(replicas=3, paused=True)
    del new["spec"]["selector"]
    containers(new).append({"name": "side", "image": "busybox"})
    added, modified, removed = compare(DEPLOYMENT, old, new)
    assert texts(added) == [
        ".spec.paused",
        '.spec.template.spec.containers[name="side"]',
        '.spec.template.spec.containers[name="side"].image',
        '.spec.template.spec.containers[name="side"].name',
    ]
    assert texts(modified) == [".spec.replicas"]
    # The selector struct itself is no member; its map of labels and the key are.
    assert texts(removed) == [".spec.selector.matchLabels", ".spec.selector.matchLabels.app"]


def test_equal_objects_compare_empty_and_a_create_adds_everything() -> None:
    obj = deployment()
    assert not any(compare(DEPLOYMENT, obj, copy.deepcopy(obj)))
    added, modified, removed = compare(DEPLOYMENT, None, obj)
    assert texts(added)[0] == ".metadata.name" and not modified and not removed


def test_a_type_change_is_a_modification() -> None:
    old = {"data": {"a": "1"}}
    new = {"data": "oops"}
    _, modified, _ = compare(shape_of(CONFIGMAPS), old, new)
    assert texts(modified) == [".data"]


# --------------------------------------------------------------------------- merge


def test_merge_replaces_leaves_and_merges_maps_and_keyed_lists() -> None:
    live = deployment(replicas=3)
    live["metadata"]["labels"] = {"team": "a"}
    containers(live).append({"name": "side", "image": "busybox"})
    config = deployment(replicas=5)
    config["metadata"]["labels"] = {"app": "web"}
    containers(config)[0]["image"] = "httpd:2"
    merged = merge(DEPLOYMENT, live, config)
    assert merged["spec"]["replicas"] == 5
    assert merged["metadata"]["labels"] == {"team": "a", "app": "web"}
    assert [(c["name"], c["image"]) for c in containers(merged)] == [
        ("web", "httpd:2"),
        ("side", "busybox"),
    ]
    assert containers(live)[0]["image"] == "httpd:1"  # inputs are untouched


def test_merge_follows_the_configurations_order_and_keeps_live_only_items_in_place() -> None:
    def names(*n: str) -> dict[str, Any]:
        return deployment(template={"spec": {"containers": [{"name": x} for x in n]}})

    got = merge(DEPLOYMENT, names("a", "x", "b"), names("b", "a"))
    assert [c["name"] for c in containers(got)] == ["x", "b", "a"]
    got = merge(DEPLOYMENT, names("a", "x", "b"), names("a", "b", "c"))
    assert [c["name"] for c in containers(got)] == ["a", "x", "b", "c"]


def test_atomic_lists_and_sets() -> None:
    live = deployment()
    containers(live)[0]["args"] = ["a", "b"]
    live["metadata"]["finalizers"] = ["x", "y"]
    config = deployment()
    containers(config)[0]["args"] = ["c"]
    config["metadata"]["finalizers"] = ["z", "x"]
    merged = merge(DEPLOYMENT, live, config)
    assert containers(merged)[0]["args"] == ["c"]
    assert merged["metadata"]["finalizers"] == ["z", "x", "y"]


def test_an_applied_null_removes_the_field() -> None:
    live = deployment(paused=True)
    config = deployment(paused=None)
    assert "paused" not in merge(DEPLOYMENT, live, config)["spec"]
    assert "paused" not in merge(DEPLOYMENT, None, config)["spec"]


# --------------------------------------------------------------------------- remove


def test_remove_drops_members_whole_and_containers_they_empty() -> None:
    obj = deployment()
    obj["metadata"]["labels"] = {"a": "1"}
    containers(obj).append({"name": "side", "image": "busybox"})
    got = remove(DEPLOYMENT, obj, field_set(DEPLOYMENT, {"metadata": {"labels": {"a": "1"}}}))
    assert "labels" not in got["metadata"]  # its only key went: the map goes too
    item = FieldSet(
        {"f:spec": {"f:template": {"f:spec": {"f:containers": {'k:{"name":"side"}': {}}}}}}
    )
    got = remove(DEPLOYMENT, obj, item)
    assert [c["name"] for c in containers(got)] == ["web"]
    assert [c["name"] for c in containers(obj)] == ["web", "side"]


# --------------------------------------------------------------------------- map types


def test_an_atomic_struct_is_owned_and_replaced_whole() -> None:
    info = ResourceInfo(
        "example.com",
        "v1",
        "Widget",
        "widgets",
        "widget",
        True,
        schema=KindSchema(
            "A test kind.",
            {
                "spec": Field(Ref("com.example.v1.WidgetSpec")),
                "tags": Field(MapOf("string", map_type="atomic")),
            },
            {
                "com.example.v1.WidgetSpec": Struct(
                    {"a": Field("string"), "b": Field("string")}, map_type="atomic"
                )
            },
        ),
    )
    shape = shape_of(info)
    config = {"spec": {"a": "1"}, "tags": {"x": "1"}}
    assert texts(field_set(shape, config)) == [".spec", ".tags"]
    merged = merge(shape, {"spec": {"a": "0", "b": "2"}, "tags": {"y": "2"}}, config)
    assert merged == {"spec": {"a": "1"}, "tags": {"x": "1"}}


# --------------------------------------------------------------------------- unknown fields


def test_unknown_fields_are_named_by_path_in_document_order() -> None:
    body = deployment(foo=1)
    containers(body)[0]["bar"] = {"x": 1}
    body["metadata"]["zzz"] = True
    body["status"] = {"replicas": 1, "nope": 2}
    assert unknown_fields(DEPLOYMENT, body) == [
        "metadata.zzz",
        "spec.template.spec.containers[0].bar",
        "spec.foo",
        "status.nope",
    ]


def test_free_form_values_accept_anything() -> None:
    revisions = lookup("apps", "v1", "controllerrevisions")
    assert revisions is not None
    body = {"metadata": {"name": "r"}, "data": {"anything": {"goes": [1]}}, "revision": 1}
    assert unknown_fields(shape_of(revisions), body) == []
    assert unknown_fields(shape_of(CONFIGMAPS), {"data": {"any-key": "v"}}) == []


def test_an_empty_map_or_list_applied_over_a_full_one_leaves_it() -> None:
    live = deployment()
    live["metadata"]["labels"] = {"a": "1"}
    live["metadata"]["finalizers"] = ["x"]
    config = deployment()
    config["metadata"]["labels"] = {}
    config["metadata"]["finalizers"] = []
    merged = merge(DEPLOYMENT, live, config)
    assert merged["metadata"]["labels"] == {"a": "1"}
    assert merged["metadata"]["finalizers"] == ["x"]
