"""Objects in Kubernetes' key order, read from each kind's declared schema."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from minik8s.api.canonical import (
    RESOURCE_VERSION_FOLLOWS,
    canonical,
    kind_order,
    with_resource_version,
)
from minik8s.api.kind import ResourceInfo
from minik8s.api.resources import BUILTIN_CATALOG, lookup
from minik8s.api.schema import Struct

Obj = dict[str, Any]


def _info(group: str, version: str, plural: str) -> ResourceInfo:
    info = lookup(group, version, plural)
    assert info is not None
    return info


def test_typemeta_then_objectmeta_then_the_declared_fields_then_unknown_keys() -> None:
    pod = {
        "zzz": 1,
        "status": {"phase": "Pending"},
        "spec": {"containers": [{"image": "i", "name": "c"}]},
        "metadata": {"labels": {"b": "2", "a": "1"}, "uid": "u", "name": "p", "namespace": "d"},
        "apiVersion": "v1",
        "kind": "Pod",
        "aaa": 2,
    }
    out = canonical(_info("", "v1", "pods"), pod)
    assert list(out) == ["kind", "apiVersion", "metadata", "spec", "status", "zzz", "aaa"]
    assert list(out["metadata"]) == ["name", "namespace", "uid", "labels"]
    assert list(out["metadata"]["labels"]) == ["a", "b"]  # maps sorted, as Go writes them
    assert list(out["spec"]["containers"][0]) == ["name", "image"]
    assert out == pod  # the same object, only reordered


def test_it_is_pure() -> None:
    cm = {"data": {"b": "1", "a": "2"}, "metadata": {"name": "c"}, "kind": "ConfigMap"}
    before = copy.deepcopy(cm)
    out = canonical(_info("", "v1", "configmaps"), cm)
    assert json.dumps(cm) == json.dumps(before)
    assert out is not cm and out["data"] is not cm["data"]


def test_free_form_and_malformed_values_are_kept_as_they_are() -> None:
    revision = {
        "kind": "ControllerRevision",
        "metadata": "not an object",
        "data": {"z": 1, "a": {"y": 2, "b": 3}},
        "revision": 1,
    }
    out = canonical(_info("apps", "v1", "controllerrevisions"), revision)
    assert out["metadata"] == "not an object"
    assert json.dumps(out["data"]) == json.dumps(revision["data"])


def test_every_kind_compiles_and_keeps_every_value() -> None:
    for info in BUILTIN_CATALOG:
        obj = {"status": {}, "spec": {}, "metadata": {"name": "x"}, "kind": info.kind}
        assert canonical(info, obj) == obj
        assert kind_order(info) is kind_order(info)  # compiled once


def test_resource_version_goes_after_uid() -> None:
    assert RESOURCE_VERSION_FOLLOWS == ("name", "generateName", "namespace", "selfLink", "uid")
    meta = {"name": "a", "namespace": "n", "uid": "u", "generation": 1, "labels": {}}
    assert list(with_resource_version(meta, "9")) == [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "labels",
    ]
    assert list(with_resource_version({"name": "a"}, "9")) == ["name", "resourceVersion"]
    assert list(with_resource_version({"labels": {}}, "9")) == ["resourceVersion", "labels"]
    moved = with_resource_version({"resourceVersion": "1", "name": "a"}, "2")
    assert moved == {"resourceVersion": "2", "name": "a"}


@pytest.mark.parametrize("name", ["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"])
def test_object_meta_is_declared_in_go_order(name: str) -> None:
    meta = BUILTIN_CATALOG.definitions()[name]
    assert isinstance(meta, Struct)
    assert list(meta.fields)[:7] == [
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
    ]
