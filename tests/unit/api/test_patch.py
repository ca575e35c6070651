"""JSON merge patch, JSON patch, strategic merge patch and the kubectl-apply three-way patch."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from minik8s.api.patch import (
    PatchError,
    create_three_way_merge_patch,
    json_merge_patch,
    json_patch,
    strategic_merge_patch,
    supports_strategic_merge,
)
from minik8s.api.resources import RESOURCES

# --- RFC 7386 ---------------------------------------------------------------------------------

RFC7386_EXAMPLES: list[tuple[Any, Any, Any]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "expected"), RFC7386_EXAMPLES)
def test_json_merge_patch_rfc_examples(target: Any, patch: Any, expected: Any) -> None:
    before_target, before_patch = copy.deepcopy(target), copy.deepcopy(patch)
    assert json_merge_patch(target, patch) == expected
    assert target == before_target
    assert patch == before_patch


def test_json_merge_patch_result_shares_nothing() -> None:
    target = {"a": {"x": [1]}, "keep": {"y": 1}}
    patch = {"b": {"z": [2]}}
    result = json_merge_patch(target, patch)
    result["keep"]["y"] = 99
    result["b"]["z"].append(3)
    assert target == {"a": {"x": [1]}, "keep": {"y": 1}}
    assert patch == {"b": {"z": [2]}}


# --- RFC 6902 appendix A ----------------------------------------------------------------------

RFC6902_OK: list[tuple[str, Any, list[Any], Any]] = [
    ("A.1", {"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux"}],
     {"baz": "qux", "foo": "bar"}),
    ("A.2", {"foo": ["bar", "baz"]}, [{"op": "add", "path": "/foo/1", "value": "qux"}],
     {"foo": ["bar", "qux", "baz"]}),
    ("A.3", {"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
    ("A.4", {"foo": ["bar", "qux", "baz"]}, [{"op": "remove", "path": "/foo/1"}],
     {"foo": ["bar", "baz"]}),
    ("A.5", {"baz": "qux", "foo": "bar"}, [{"op": "replace", "path": "/baz", "value": "boo"}],
     {"baz": "boo", "foo": "bar"}),
    ("A.6", {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
     [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
     {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}}),
    ("A.7", {"foo": ["all", "grass", "cows", "eat"]},
     [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
     {"foo": ["all", "cows", "eat", "grass"]}),
    ("A.8", {"baz": "qux", "foo": ["a", 2, "c"]},
     [{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}],
     {"baz": "qux", "foo": ["a", 2, "c"]}),
    ("A.10", {"foo": "bar"}, [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
     {"foo": "bar", "child": {"grandchild": {}}}),
    ("A.11", {"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
     {"foo": "bar", "baz": "qux"}),
    ("A.14", {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}],
     {"/": 9, "~1": 10}),
    ("A.16", {"foo": ["bar"]}, [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
     {"foo": ["bar", ["abc", "def"]]}),
    ("root", {"a": 1}, [{"op": "replace", "path": "", "value": [1]}], [1]),
    ("escape", {"a/b": 1}, [{"op": "copy", "from": "/a~1b", "path": "/c"}], {"a/b": 1, "c": 1}),
    ("copy", {"a": {"x": 1}}, [{"op": "copy", "from": "/a", "path": "/b"}],
     {"a": {"x": 1}, "b": {"x": 1}}),
    ("move-same", {"a": 1}, [{"op": "move", "from": "/a", "path": "/a"}], {"a": 1}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "doc", "ops", "expected"), RFC6902_OK)
def test_json_patch_rfc_examples(name: str, doc: Any, ops: list[Any], expected: Any) -> None:
    before = copy.deepcopy(doc)
    assert json_patch(doc, ops) == expected
    assert doc == before


RFC6902_ERRORS: list[tuple[str, Any, list[Any], str]] = [
    ("A.9", {"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}], "test failed"),
    ("A.12", {"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}],
     'the "path" "/baz/bat" does not exist'),
    ("A.15", {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": "10"}], "test failed"),
    ("remove-missing", {"spec": {"foo": []}}, [{"op": "remove", "path": "/spec/foo/0"}],
     'the "path" "/spec/foo/0" does not exist'),
    ("replace-missing", {}, [{"op": "replace", "path": "/a", "value": 1}],
     'the "path" "/a" does not exist'),
    ("index-past-end", {"a": [1]}, [{"op": "add", "path": "/a/2", "value": 1}], "out of range"),
    ("leading-zero", {"a": [1, 2]}, [{"op": "remove", "path": "/a/01"}], "not an index"),
    ("dash-remove", {"a": [1]}, [{"op": "remove", "path": "/a/-"}], "not an index"),
    ("no-slash", {}, [{"op": "add", "path": "a", "value": 1}], "must start with"),
    ("bad-escape", {}, [{"op": "add", "path": "/a~2", "value": 1}], "invalid escape"),
    ("unknown-op", {}, [{"op": "frob", "path": "/a"}], "unknown JSON patch operation"),
    ("missing-value", {}, [{"op": "add", "path": "/a"}], 'missing the "value" member'),
    ("missing-from", {}, [{"op": "move", "path": "/a"}], 'missing the "from" member'),
    ("from-missing", {}, [{"op": "copy", "from": "/x", "path": "/a"}],
     'the "from" "/x" does not exist'),
    ("move-into-child", {"a": {"b": 1}}, [{"op": "move", "from": "/a", "path": "/a/b/c"}],
     "own child"),
    ("not-a-list", {}, {"op": "add"}, "list of operations"),  # type: ignore[list-item]
    ("bool-is-not-int", {"a": True}, [{"op": "test", "path": "/a", "value": 1}], "test failed"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "doc", "ops", "fragment"), RFC6902_ERRORS)
def test_json_patch_errors(name: str, doc: Any, ops: Any, fragment: str) -> None:
    before = copy.deepcopy(doc)
    with pytest.raises(PatchError) as err:
        json_patch(doc, ops)
    assert fragment in str(err.value)
    assert doc == before


def test_json_patch_is_atomic() -> None:
    doc = {"a": 1}
    ops = [{"op": "add", "path": "/b", "value": 2}, {"op": "remove", "path": "/zzz"}]
    with pytest.raises(PatchError):
        json_patch(doc, ops)
    assert doc == {"a": 1}


def test_json_patch_test_numbers_compare_by_value() -> None:
    assert json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": 1.0}]) == {"a": 1}


# --- strategic merge patch --------------------------------------------------------------------


def deployment(containers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "uid": "u-1",
            "labels": {"app": "web", "tier": "fe"},
            "finalizers": ["a"],
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": containers
                    if containers is not None
                    else [
                        {
                            "name": "app",
                            "image": "app:1",
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        },
                        {"name": "sidecar", "image": "side:1"},
                    ],
                    "tolerations": [{"key": "k", "operator": "Exists"}],
                },
            },
        },
        "status": {"replicas": 2},
    }


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = obj["spec"]["template"]["spec"]["containers"]
    return result


def test_smp_changes_one_container_by_name() -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}}}
    result = strategic_merge_patch(deployment(), patch, "Deployment")
    assert [c["name"] for c in containers(result)] == ["app", "sidecar"]
    assert containers(result)[0]["image"] == "app:2"
    assert (
        containers(result)[0]["env"]
        == deployment()["spec"]["template"]["spec"]["containers"][0]["env"]
    )
    assert containers(result)[1] == {"name": "sidecar", "image": "side:1"}


def test_smp_appends_new_container() -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "log", "image": "l:1"}]}}}}
    result = strategic_merge_patch(deployment(), patch, "Deployment")
    assert [c["name"] for c in containers(result)] == ["app", "sidecar", "log"]


def test_smp_env_merged_by_name_and_ports_by_container_port() -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "env": [{"name": "B", "value": "two"}, {"name": "C", "value": "3"}],
                            "ports": [
                                {"containerPort": 80, "name": "http"},
                                {"containerPort": 9090},
                            ],
                        }
                    ]
                }
            }
        }
    }
    app = containers(strategic_merge_patch(deployment(), patch, "Deployment"))[0]
    assert app["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "two"},
        {"name": "C", "value": "3"},
    ]
    assert app["ports"] == [
        {"containerPort": 80, "protocol": "TCP", "name": "http"},
        {"containerPort": 9090},
    ]


def test_smp_patch_delete_removes_item() -> None:
    patch = {
        "spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}
    }
    result = strategic_merge_patch(deployment(), patch, "Deployment")
    assert [c["name"] for c in containers(result)] == ["app"]


def test_smp_patch_replace_on_list_and_map() -> None:
    patch: dict[str, Any] = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "only", "image": "o:1"}, {"$patch": "replace"}]}
            }
        }
    }
    result = strategic_merge_patch(deployment(), patch, "Deployment")
    assert containers(result) == [{"name": "only", "image": "o:1"}]
    patch = {"metadata": {"labels": {"$patch": "replace", "new": "x"}}}
    result = strategic_merge_patch(deployment(), patch, "Deployment")
    assert result["metadata"]["labels"] == {"new": "x"}


def test_smp_patch_delete_on_map() -> None:
    patch = {"spec": {"strategy": {"rollingUpdate": {"$patch": "delete"}}}}
    result = strategic_merge_patch(deployment(), patch, "Deployment")
    assert result["spec"]["strategy"] == {"type": "RollingUpdate"}


def test_smp_set_element_order() -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [
                        {"name": "new"},
                        {"name": "sidecar"},
                        {"name": "app"},
                    ],
                    "containers": [{"name": "new", "image": "n:1"}],
                }
            }
        }
    }
    result = strategic_merge_patch(deployment(), patch, "Deployment")
    assert [c["name"] for c in containers(result)] == ["new", "sidecar", "app"]


def test_smp_set_element_order_keeps_server_only_items_in_place() -> None:
    original = {"metadata": {"finalizers": ["a", "server", "b"]}}
    patch = {"metadata": {"finalizers": ["c"], "$setElementOrder/finalizers": ["a", "b", "c"]}}
    result = strategic_merge_patch(original, patch, "ConfigMap")
    assert result["metadata"]["finalizers"] == ["a", "server", "b", "c"]
    # A server-only item goes before the first patch item that followed it on the server.
    patch = {"metadata": {"$setElementOrder/finalizers": ["b", "a"]}}
    result = strategic_merge_patch(original, patch, "ConfigMap")
    assert result["metadata"]["finalizers"] == ["server", "b", "a"]


def test_smp_retain_keys_switching_strategy() -> None:
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    result = strategic_merge_patch(deployment(), patch, "Deployment")
    assert result["spec"]["strategy"] == {"type": "Recreate"}


def test_smp_retain_keys_rejects_unlisted_field() -> None:
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {"maxSurge": 1}}}}
    with pytest.raises(PatchError, match="retainKeys"):
        strategic_merge_patch(deployment(), patch, "Deployment")


def test_smp_null_removes_a_label() -> None:
    result = strategic_merge_patch(
        deployment(), {"metadata": {"labels": {"tier": None}}}, "Deployment"
    )
    assert result["metadata"]["labels"] == {"app": "web"}


def test_smp_finalizers_union_and_delete_from_primitive_list() -> None:
    obj = deployment()
    result = strategic_merge_patch(obj, {"metadata": {"finalizers": ["b", "a", "b"]}}, "Deployment")
    assert result["metadata"]["finalizers"] == ["a", "b"]
    result = strategic_merge_patch(
        result, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, "Deployment"
    )
    assert result["metadata"]["finalizers"] == ["b"]


def test_smp_unknown_lists_are_replaced() -> None:
    patch = {"spec": {"template": {"spec": {"tolerations": [{"key": "other"}]}}}}
    result = strategic_merge_patch(deployment(), patch, "Deployment")
    assert result["spec"]["template"]["spec"]["tolerations"] == [{"key": "other"}]
    data = strategic_merge_patch({"data": {"x": [1, 2]}}, {"data": {"x": [3]}}, "ConfigMap")
    assert data == {"data": {"x": [3]}}


def test_smp_inputs_not_mutated_and_result_independent() -> None:
    obj = deployment()
    patch = {
        "metadata": {"labels": {"tier": None}},
        "spec": {"template": {"spec": {"containers": [{"name": "new", "env": [{"name": "X"}]}]}}},
    }
    obj_before, patch_before = copy.deepcopy(obj), copy.deepcopy(patch)
    result = strategic_merge_patch(obj, patch, "Deployment")
    assert obj == obj_before
    assert patch == patch_before
    containers(result)[2]["env"].append({"name": "Y"})
    containers(result)[0]["image"] = "changed"
    assert obj == obj_before
    assert patch == patch_before


def test_smp_merge_key_required() -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}
    with pytest.raises(PatchError, match="does not contain declared merge key: name"):
        strategic_merge_patch(deployment(), patch, "Deployment")


def test_smp_node_conditions_and_service_ports() -> None:
    node = {
        "status": {
            "conditions": [{"type": "Ready", "status": "False"}, {"type": "DiskPressure"}],
            "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
        },
        "spec": {"taints": [{"key": "a", "effect": "NoSchedule"}]},
    }
    patch = {
        "status": {"conditions": [{"type": "Ready", "status": "True"}]},
        "spec": {"taints": [{"key": "b", "effect": "NoSchedule"}]},
    }
    result = strategic_merge_patch(node, patch, "Node")
    assert result["status"]["conditions"] == [
        {"type": "Ready", "status": "True"},
        {"type": "DiskPressure"},
    ]
    assert result["spec"]["taints"] == [{"key": "b", "effect": "NoSchedule"}]
    svc = {"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}]}}
    result = strategic_merge_patch(svc, {"spec": {"ports": [{"port": 80, "name": "h"}]}}, "Service")
    assert result["spec"]["ports"] == [{"port": 80, "targetPort": 8080, "name": "h"}, {"port": 443}]


def test_smp_volumes_retain_keys_in_list_item() -> None:
    pod = {"spec": {"volumes": [{"name": "v", "emptyDir": {}}, {"name": "w", "emptyDir": {}}]}}
    patch = {
        "spec": {
            "volumes": [
                {"name": "v", "$retainKeys": ["configMap", "name"], "configMap": {"name": "c"}}
            ]
        }
    }
    result = strategic_merge_patch(pod, patch, "Pod")
    assert result["spec"]["volumes"] == [
        {"name": "v", "configMap": {"name": "c"}},
        {"name": "w", "emptyDir": {}},
    ]


def test_smp_errors() -> None:
    with pytest.raises(PatchError, match="not supported for kind"):
        strategic_merge_patch({}, {}, "Widget")
    with pytest.raises(PatchError, match="unknown patch directive"):
        strategic_merge_patch({}, {"metadata": {"$patch": "frob"}}, "Pod")
    with pytest.raises(PatchError, match="unknown strategic merge patch directive"):
        strategic_merge_patch({}, {"$frob": 1}, "Pod")


def test_every_kind_has_a_schema() -> None:
    for resource in RESOURCES:
        assert supports_strategic_merge(resource.kind), resource.kind


# --- three-way merge patch (kubectl apply) -----------------------------------------------------


def manifest() -> dict[str, Any]:
    obj = deployment()
    del obj["status"]
    del obj["metadata"]["uid"]
    obj["spec"]["strategy"] = {"type": "RollingUpdate"}
    return obj


def live_from(applied: dict[str, Any]) -> dict[str, Any]:
    """What the server would hold after the manifest was applied: defaults and status added."""
    live = copy.deepcopy(applied)
    live["metadata"]["uid"] = "u-1"
    live["metadata"]["resourceVersion"] = "7"
    live["spec"]["strategy"]["rollingUpdate"] = {"maxSurge": "25%", "maxUnavailable": "25%"}
    for c in containers(live):
        c["imagePullPolicy"] = "IfNotPresent"
    live["status"] = {"replicas": 2, "readyReplicas": 2}
    return live


def apply(original: dict[str, Any] | None, modified: dict[str, Any], live: dict[str, Any]) -> Any:
    patch = create_three_way_merge_patch(original, modified, live, "Deployment")
    return strategic_merge_patch(live, patch, "Deployment")


def test_three_way_unchanged_manifest_is_empty() -> None:
    m = manifest()
    assert create_three_way_merge_patch(m, manifest(), live_from(m), "Deployment") == {}


def test_three_way_removed_label_is_removed() -> None:
    original = manifest()
    live = live_from(original)
    live["metadata"]["labels"]["added-by-controller"] = "x"
    modified = manifest()
    del modified["metadata"]["labels"]["tier"]
    patch = create_three_way_merge_patch(original, modified, live, "Deployment")
    assert patch == {"metadata": {"labels": {"tier": None}}}
    result = strategic_merge_patch(live, patch, "Deployment")
    assert result["metadata"]["labels"] == {"app": "web", "added-by-controller": "x"}


def test_three_way_server_fields_survive() -> None:
    original = manifest()
    live = live_from(original)
    modified = manifest()
    modified["spec"]["replicas"] = 5
    result = apply(original, modified, live)
    assert result["spec"]["replicas"] == 5
    assert result["status"] == live["status"]
    assert result["metadata"]["uid"] == "u-1"
    assert containers(result)[0]["imagePullPolicy"] == "IfNotPresent"


def test_three_way_service_cluster_ip_survives() -> None:
    svc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    live = copy.deepcopy(svc)
    live["spec"]["clusterIP"] = "10.96.0.10"
    live["spec"]["type"] = "ClusterIP"
    live["spec"]["ports"][0]["protocol"] = "TCP"
    modified = copy.deepcopy(svc)
    modified["spec"]["ports"].append({"port": 443, "targetPort": 8443})
    patch = create_three_way_merge_patch(svc, modified, live, "Service")
    result = strategic_merge_patch(live, patch, "Service")
    assert result["spec"]["clusterIP"] == "10.96.0.10"
    assert result["spec"]["ports"] == [
        {"port": 80, "targetPort": 8080, "protocol": "TCP"},
        {"port": 443, "targetPort": 8443},
    ]


def test_three_way_removed_container_disappears() -> None:
    original = manifest()
    live = live_from(original)
    modified = manifest()
    containers(modified).pop()  # drop the sidecar
    patch = create_three_way_merge_patch(original, modified, live, "Deployment")
    items = patch["spec"]["template"]["spec"]["containers"]
    assert {"name": "sidecar", "$patch": "delete"} in items
    result = strategic_merge_patch(live, patch, "Deployment")
    assert [c["name"] for c in containers(result)] == ["app"]


def test_three_way_recreate_strategy_drops_defaulted_rolling_update() -> None:
    original = manifest()
    live = live_from(original)
    modified = manifest()
    modified["spec"]["strategy"] = {"type": "Recreate"}
    patch = create_three_way_merge_patch(original, modified, live, "Deployment")
    assert patch["spec"]["strategy"] == {"type": "Recreate", "$retainKeys": ["type"]}
    assert apply(original, modified, live)["spec"]["strategy"] == {"type": "Recreate"}


def test_three_way_first_apply_without_original() -> None:
    live = live_from(manifest())
    live["metadata"]["labels"]["extra"] = "kept"
    modified = manifest()
    modified["metadata"]["labels"]["new"] = "1"
    result = apply(None, modified, live)
    assert result["metadata"]["labels"] == {"app": "web", "tier": "fe", "extra": "kept", "new": "1"}


def test_three_way_env_change_reorder_and_finalizers() -> None:
    original = manifest()
    live = live_from(original)
    live["metadata"]["finalizers"].append("controller")
    modified = manifest()
    modified["metadata"]["finalizers"] = ["z"]
    app = containers(modified)[0]
    app["env"] = [{"name": "B", "value": "changed"}, {"name": "C", "value": "3"}]
    containers(modified).reverse()
    patch = create_three_way_merge_patch(original, modified, live, "Deployment")
    assert patch["metadata"]["$deleteFromPrimitiveList/finalizers"] == ["a"]
    result = strategic_merge_patch(live, patch, "Deployment")
    assert result["metadata"]["finalizers"] == ["controller", "z"]
    assert [c["name"] for c in containers(result)] == ["sidecar", "app"]
    assert containers(result)[1]["env"] == app["env"]


def test_three_way_replaces_atomic_lists_and_result_matches_manifest() -> None:
    original = manifest()
    live = live_from(original)
    modified = manifest()
    modified["spec"]["template"]["spec"]["tolerations"] = [{"key": "x", "operator": "Exists"}]
    modified["spec"]["template"]["spec"]["nodeSelector"] = {"disk": "ssd"}
    result = apply(original, modified, live)
    spec = result["spec"]["template"]["spec"]
    assert spec["tolerations"] == [{"key": "x", "operator": "Exists"}]
    assert spec["nodeSelector"] == {"disk": "ssd"}


def test_three_way_does_not_mutate_inputs() -> None:
    original = manifest()
    live = live_from(original)
    modified = manifest()
    del modified["metadata"]["labels"]["tier"]
    containers(modified).pop()
    copies = copy.deepcopy((original, modified, live))
    patch = create_three_way_merge_patch(original, modified, live, "Deployment")
    strategic_merge_patch(live, patch, "Deployment")
    assert (original, modified, live) == copies
