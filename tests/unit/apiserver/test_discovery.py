"""Discovery and OpenAPI documents: their shape, and what kubectl looks for in them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from apiserver import componentstatus, discovery, metricsapi
from apiserver.discovery import (
    api_group,
    api_group_list,
    api_resource_list,
    api_versions,
    definition_name,
    openapi_v2,
    openapi_v3_group_version,
    openapi_v3_root,
    version_info,
)
from minik8s.api.resources import RESOURCES

SERVED_GVS = sorted({(r.group, r.version) for r in RESOURCES})
DISCOVERED_GVS = [*SERVED_GVS, (metricsapi.GROUP, metricsapi.VERSION)]
KUBECTL_132_DISCOVERY_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)
KUBECTL_127_DISCOVERY_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)


def by_name(resource_list: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in resource_list["resources"]}


def walk(value: Any) -> Iterator[dict[str, Any]]:
    """Every dict nested in `value`."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from walk(child)


# --------------------------------------------------------------------------- legacy discovery


def test_api_versions() -> None:
    assert api_versions("10.0.0.1:6443") == {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:6443"}
        ],
    }


def test_api_group_list_has_every_named_group() -> None:
    doc = api_group_list()
    assert (doc["kind"], doc["apiVersion"]) == ("APIGroupList", "v1")
    names = [g["name"] for g in doc["groups"]]
    assert names == [g.name for g in discovery.groups()]
    assert names[-1] == "metrics.k8s.io"  # served without storage
    assert "" not in names
    for entry in doc["groups"]:
        versions = [v["version"] for v in entry["versions"]]
        assert entry["preferredVersion"] == entry["versions"][0]
        for version in entry["versions"]:
            assert version["groupVersion"] == f"{entry['name']}/{version['version']}"
        assert all((entry["name"], v) in DISCOVERED_GVS for v in versions)
        assert "kind" not in entry


def test_api_group() -> None:
    apps = api_group("apps")
    assert apps == {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": "apps",
        "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
        "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
    }
    assert api_group("autoscaling")["preferredVersion"]["groupVersion"] == "autoscaling/v2"  # type: ignore[index]
    assert api_group("nope.example.com") is None
    assert api_group("") is None


def test_every_resource_appears_in_its_group_version() -> None:
    for resource in RESOURCES:
        doc = api_resource_list(resource.group, resource.version)
        assert doc is not None
        assert (doc["kind"], doc["apiVersion"]) == ("APIResourceList", "v1")
        assert doc["groupVersion"] == resource.api_version
        entry = by_name(doc)[resource.plural]
        assert entry["singularName"] == resource.singular
        assert entry["namespaced"] is resource.namespaced
        assert entry["kind"] == resource.kind
        assert entry["verbs"] == list(resource.verbs)
        assert entry.get("shortNames", []) == list(resource.short_names)
        assert entry.get("categories", []) == list(resource.categories)
        assert "group" not in entry and "version" not in entry
        for sub in resource.subresources:
            assert f"{resource.plural}/{sub}" in by_name(doc)


def test_resource_lists_are_sorted_and_complete() -> None:
    for group, version in SERVED_GVS:
        doc = api_resource_list(group, version)
        assert doc is not None
        names = [e["name"] for e in doc["resources"]]
        assert names == sorted(names)
        expected = {r.plural for r in RESOURCES if (r.group, r.version) == (group, version)}
        if (group, version) == ("", "v1"):
            expected.add("componentstatuses")  # probed on request, not stored
        assert {n for n in names if "/" not in n} == expected


def test_pod_subresources() -> None:
    core = by_name(api_resource_list("", "v1"))  # type: ignore[arg-type]
    assert core["pods/status"] == {
        "name": "pods/status",
        "singularName": "",
        "namespaced": True,
        "kind": "Pod",
        "verbs": ["get", "patch", "update"],
    }
    assert core["pods/binding"] == {
        "name": "pods/binding",
        "singularName": "",
        "namespaced": True,
        "kind": "Binding",
        "verbs": ["create"],
    }
    assert (core["pods/log"]["kind"], core["pods/log"]["verbs"]) == ("Pod", ["get"])
    assert core["pods/eviction"] == {
        "name": "pods/eviction",
        "singularName": "",
        "namespaced": True,
        "group": "policy",
        "version": "v1",
        "kind": "Eviction",
        "verbs": ["create"],
    }
    assert core["nodes/status"]["namespaced"] is False


def test_scale_subresource_is_an_autoscaling_v1_scale() -> None:
    apps = by_name(api_resource_list("apps", "v1"))  # type: ignore[arg-type]
    for plural in ("deployments", "replicasets", "statefulsets"):
        entry = apps[f"{plural}/scale"]
        assert (entry["group"], entry["version"], entry["kind"]) == ("autoscaling", "v1", "Scale")
        assert entry["verbs"] == ["get", "patch", "update"]
    assert apps["deployments/status"]["kind"] == "Deployment"
    assert "daemonsets/scale" not in apps


def test_unknown_group_version() -> None:
    assert api_resource_list("apps", "v1beta1") is None
    assert api_resource_list("policy", "v1beta1") is None  # policy/v1 is served (PDBs)
    assert api_resource_list("", "v2") is None


# --------------------------------------------------------------------------- aggregated


def test_wants_aggregated_discovery() -> None:
    assert discovery.wants_aggregated_discovery(KUBECTL_132_DISCOVERY_ACCEPT)
    assert not discovery.wants_aggregated_discovery(KUBECTL_127_DISCOVERY_ACCEPT)
    assert not discovery.wants_aggregated_discovery("application/json, */*")
    assert not discovery.wants_aggregated_discovery("")
    spaced = "application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io"
    assert discovery.wants_aggregated_discovery(spaced)


def test_aggregated_discovery_documents() -> None:
    core = discovery.aggregated_discovery(legacy=True)
    assert (core["kind"], core["apiVersion"]) == ("APIGroupDiscoveryList", "apidiscovery.k8s.io/v2")
    assert [item["metadata"]["name"] for item in core["items"]] == [""]
    named = discovery.aggregated_discovery(legacy=False)
    assert [item["metadata"]["name"] for item in named["items"]] == [
        g.name for g in discovery.groups()
    ]
    found = set()
    for doc in (core, named):
        for item in doc["items"]:
            for version in item["versions"]:
                assert version["freshness"] == "Current"
                for res in version["resources"]:
                    found.add((res["responseKind"]["group"], version["version"], res["resource"]))
                    assert res["scope"] in ("Namespaced", "Cluster")
    served = [*RESOURCES, *metricsapi.RESOURCES, componentstatus.RESOURCE]
    assert found == {(r.group, r.version, r.plural) for r in served}
    pods = next(r for r in core["items"][0]["versions"][0]["resources"] if r["resource"] == "pods")
    subs = {s["subresource"]: s for s in pods["subresources"]}
    assert subs["eviction"]["responseKind"] == {
        "group": "policy",
        "version": "v1",
        "kind": "Eviction",
    }
    assert subs["status"]["verbs"] == ["get", "patch", "update"]
    assert discovery.AGGREGATED_DISCOVERY_CONTENT_TYPE.startswith("application/json;")


# --------------------------------------------------------------------------- version


def test_version_info() -> None:
    info = version_info()
    assert set(info) == {
        "major",
        "minor",
        "gitVersion",
        "gitCommit",
        "gitTreeState",
        "buildDate",
        "goVersion",
        "compiler",
        "platform",
    }
    assert all(isinstance(v, str) for v in info.values())
    assert (info["major"], info["minor"]) == ("1", "32")
    assert info["gitVersion"].startswith("v1.32.")
    assert info["platform"].count("/") == 1


# --------------------------------------------------------------------------- OpenAPI v2


@pytest.fixture(scope="module")
def v2() -> dict[str, Any]:
    return openapi_v2()


def test_definition_names() -> None:
    assert definition_name("apps", "v1", "Deployment") == "io.k8s.api.apps.v1.Deployment"
    assert definition_name("", "v1", "Pod") == "io.k8s.api.core.v1.Pod"
    assert definition_name("coordination.k8s.io", "v1", "Lease") == (
        "io.k8s.api.coordination.v1.Lease"
    )


def test_v2_document_header(v2: dict[str, Any]) -> None:
    assert v2["swagger"] == "2.0"
    assert v2["info"]["version"] == version_info()["gitVersion"]
    json.dumps(v2)


def test_v2_every_kind_has_a_definition_with_its_gvk(v2: dict[str, Any]) -> None:
    definitions = v2["definitions"]
    for resource in RESOURCES:
        gvk = {"group": resource.group, "version": resource.version, "kind": resource.kind}
        schema = definitions[definition_name(resource.group, resource.version, resource.kind)]
        assert schema["x-kubernetes-group-version-kind"] == [gvk]
        assert schema["type"] == "object"
        assert {"apiVersion", "kind", "metadata"} <= set(schema["properties"])
        listed = definitions[definition_name(resource.group, resource.version, resource.list_kind)]
        assert listed["x-kubernetes-group-version-kind"] == [{**gvk, "kind": resource.list_kind}]
        assert listed["properties"]["items"]["items"]["$ref"].endswith(resource.kind)


def test_v2_meta_definitions(v2: dict[str, Any]) -> None:
    meta = "io.k8s.apimachinery.pkg.apis.meta.v1."
    for name in ("ObjectMeta", "ListMeta", "Status", "DeleteOptions", "Time", "LabelSelector",
                 "Patch", "WatchEvent", "OwnerReference"):  # fmt: skip
        assert meta + name in v2["definitions"], name
    status_gvks = v2["definitions"][meta + "Status"]["x-kubernetes-group-version-kind"]
    assert {"group": "", "version": "v1", "kind": "Status"} in status_gvks
    delete_gvks = v2["definitions"][meta + "DeleteOptions"]["x-kubernetes-group-version-kind"]
    for group, version in SERVED_GVS:
        assert {"group": group, "version": version, "kind": "DeleteOptions"} in delete_gvks
    for name in ("io.k8s.api.autoscaling.v1.Scale", "io.k8s.api.policy.v1.Eviction",
                 "io.k8s.api.core.v1.Binding"):  # fmt: skip
        assert v2["definitions"][name]["x-kubernetes-group-version-kind"]


def test_v2_refs_resolve(v2: dict[str, Any]) -> None:
    for node in walk(v2):
        ref = node.get("$ref")
        if isinstance(ref, str):
            assert ref.startswith("#/definitions/")
            assert ref.removeprefix("#/definitions/") in v2["definitions"], ref


def test_v2_schemas_are_permissive(v2: dict[str, Any]) -> None:
    for node in walk(v2["definitions"]):
        assert "required" not in node or not isinstance(node["required"], list)
        if node.get("type") == "object" and "properties" in node:
            assert node["additionalProperties"] is True


def prop(v2: dict[str, Any], definition: str, field: str) -> dict[str, Any]:
    result: dict[str, Any] = v2["definitions"][definition]["properties"][field]
    return result


@pytest.mark.parametrize(
    ("definition", "field", "key", "strategy"),
    [
        ("io.k8s.api.core.v1.PodSpec", "containers", "name", "merge"),
        ("io.k8s.api.core.v1.PodSpec", "initContainers", "name", "merge"),
        ("io.k8s.api.core.v1.PodSpec", "volumes", "name", "merge,retainKeys"),
        ("io.k8s.api.core.v1.PodSpec", "imagePullSecrets", "name", "merge"),
        ("io.k8s.api.core.v1.Container", "env", "name", "merge"),
        ("io.k8s.api.core.v1.Container", "ports", "containerPort", "merge"),
        ("io.k8s.api.core.v1.Container", "volumeMounts", "mountPath", "merge"),
        ("io.k8s.api.core.v1.ServiceSpec", "ports", "port", "merge"),
        ("io.k8s.api.core.v1.PodStatus", "conditions", "type", "merge"),
        ("io.k8s.api.core.v1.NodeStatus", "conditions", "type", "merge"),
        ("io.k8s.api.core.v1.NodeStatus", "addresses", "type", "merge"),
        ("io.k8s.api.apps.v1.DeploymentStatus", "conditions", "type", "merge"),
        ("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "ownerReferences", "uid", "merge"),
    ],
)
def test_v2_patch_strategy_extensions(
    v2: dict[str, Any], definition: str, field: str, key: str, strategy: str
) -> None:
    schema = prop(v2, definition, field)
    assert schema["type"] == "array"
    assert schema["x-kubernetes-patch-merge-key"] == key
    assert schema["x-kubernetes-patch-strategy"] == strategy


def test_v2_other_patch_extensions(v2: dict[str, Any]) -> None:
    meta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    assert prop(v2, meta, "finalizers")["x-kubernetes-patch-strategy"] == "merge"
    strategy = prop(v2, "io.k8s.api.apps.v1.DeploymentSpec", "strategy")
    assert strategy["x-kubernetes-patch-strategy"] == "retainKeys"
    assert strategy["$ref"].endswith("DeploymentStrategy")
    assert prop(v2, "io.k8s.api.core.v1.Container", "args")["x-kubernetes-list-type"] == "atomic"


def test_v2_kind_structure(v2: dict[str, Any]) -> None:
    deployment = v2["definitions"]["io.k8s.api.apps.v1.Deployment"]["properties"]
    assert deployment["spec"]["$ref"] == "#/definitions/io.k8s.api.apps.v1.DeploymentSpec"
    template = prop(v2, "io.k8s.api.apps.v1.DeploymentSpec", "template")
    assert template["$ref"] == "#/definitions/io.k8s.api.core.v1.PodTemplateSpec"
    config = v2["definitions"]["io.k8s.api.core.v1.ConfigMap"]["properties"]
    assert config["data"]["type"] == "object"
    assert config["data"]["additionalProperties"] == {"type": "string"}
    assert "spec" not in config
    lease = v2["definitions"]["io.k8s.api.coordination.v1.Lease"]["properties"]
    assert lease["spec"]["$ref"].endswith("coordination.v1.LeaseSpec")


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method in ("get", "put", "post", "patch", "delete"):
            if method in item:
                yield path, method, item[method]


def test_v2_paths_for_every_resource(v2: dict[str, Any]) -> None:
    for resource in RESOURCES:
        collection = resource.path(namespace="{namespace}" if resource.namespaced else None)
        item = v2["paths"][collection + "/{name}"]
        gvk = {"group": resource.group, "version": resource.version, "kind": resource.kind}
        actions = {
            (collection, "get"): "list",
            (collection, "post"): "post",
            (collection, "delete"): "deletecollection",
            (collection + "/{name}", "get"): "get",
            (collection + "/{name}", "put"): "put",
            (collection + "/{name}", "patch"): "patch",
            (collection + "/{name}", "delete"): "delete",
        }
        for (path, method), action in actions.items():
            op = v2["paths"][path][method]
            assert op["x-kubernetes-action"] == action
            assert op["x-kubernetes-group-version-kind"] == gvk
            assert op["operationId"]
        names = {p["name"] for p in item["parameters"]}
        assert "name" in names and ("namespace" in names) is resource.namespaced
        if resource.namespaced:
            everywhere = v2["paths"][resource.path()]["get"]
            assert everywhere["operationId"].endswith("ForAllNamespaces")


def test_v2_patch_operations(v2: dict[str, Any]) -> None:
    patches = [op for _, method, op in operations(v2) if method == "patch"]
    assert patches
    for op in patches:
        query = {p["name"] for p in op["parameters"] if p["in"] == "query"}
        assert {"fieldValidation", "fieldManager", "dryRun", "force"} <= query
        assert "application/strategic-merge-patch+json" in op["consumes"]
        body = [p for p in op["parameters"] if p["in"] == "body"]
        assert body[0]["schema"]["$ref"].endswith("meta.v1.Patch")


def test_v2_subresource_paths(v2: dict[str, Any]) -> None:
    pod = "/api/v1/namespaces/{namespace}/pods/{name}"
    assert v2["paths"][pod + "/status"]["patch"]["x-kubernetes-group-version-kind"]["kind"] == "Pod"
    binding = v2["paths"][pod + "/binding"]["post"]
    assert binding["x-kubernetes-group-version-kind"]["kind"] == "Binding"
    eviction = v2["paths"][pod + "/eviction"]["post"]
    assert eviction["x-kubernetes-group-version-kind"] == {
        "group": "policy",
        "version": "v1",
        "kind": "Eviction",
    }
    log = v2["paths"][pod + "/log"]["get"]
    assert log["responses"]["200"]["schema"] == {"type": "string"}
    assert {"container", "follow", "tailLines"} <= {p["name"] for p in log["parameters"]}
    scale = v2["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]
    assert scale["get"]["x-kubernetes-group-version-kind"]["kind"] == "Scale"
    assert scale["put"]["responses"]["200"]["schema"]["$ref"].endswith("autoscaling.v1.Scale")


def test_operation_ids_are_unique(v2: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(v2)]
    assert len(ids) == len(set(ids))
    assert "patchAppsV1NamespacedDeployment" in ids
    assert "listCoreV1NamespacedPod" in ids
    assert "readCoordinationV1NamespacedLease" in ids
    assert "replaceCoreV1NodeStatus" in ids


# --------------------------------------------------------------------------- protobuf v2


def pb_fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """A protobuf message's top-level fields (wire types 0 and 2 only, as encoded here)."""
    fields: list[tuple[int, int | bytes]] = []
    pos = 0

    def varint() -> int:
        nonlocal pos
        shift = result = 0
        while True:
            byte = data[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return result

    while pos < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            fields.append((number, varint()))
        elif wire == 2:
            length = varint()
            fields.append((number, data[pos : pos + length]))
            pos += length
        else:
            raise AssertionError(f"unexpected wire type {wire}")
    assert pos == len(data)
    return fields


def pb_get(data: bytes, number: int) -> list[bytes]:
    return [v for n, v in pb_fields(data) if n == number and isinstance(v, bytes)]


def test_v2_protobuf_document() -> None:
    doc = discovery.openapi_v2_protobuf()
    assert pb_get(doc, 1) == [b"2.0"]  # Document.swagger
    info = pb_get(doc, 2)[0]
    assert pb_get(info, 2) == [version_info()["gitVersion"].encode()]
    paths = {pb_get(entry, 1)[0].decode(): pb_get(entry, 2)[0] for entry in
             pb_get(pb_get(doc, 8)[0], 2)}  # fmt: skip
    assert set(paths) == set(openapi_v2()["paths"])
    item = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]
    patch = pb_get(item, 8)[0]  # PathItem.patch
    assert pb_get(patch, 5) == [b"patchAppsV1NamespacedDeployment"]
    consumes = pb_get(patch, 7)
    assert b"application/merge-patch+json" in consumes
    query_names = []
    for parameters_item in pb_get(patch, 8):
        non_body = pb_get(pb_get(parameters_item, 1)[0], 2)[0]
        query = pb_get(non_body, 3)[0]
        assert pb_get(query, 2) == [b"query"]
        query_names.append(pb_get(query, 4)[0])
    assert b"fieldValidation" in query_names
    extensions = {pb_get(e, 1)[0]: pb_get(pb_get(e, 2)[0], 2)[0] for e in pb_get(patch, 13)}
    assert extensions[b"x-kubernetes-action"] == b"patch\n"
    assert extensions[b"x-kubernetes-group-version-kind"] == (
        b'group: "apps"\nkind: "Deployment"\nversion: "v1"\n'
    )
    path_params = pb_get(item, 9)
    assert len(path_params) == 3  # name, namespace, pretty


def test_v2_protobuf_core_gvk_has_empty_group() -> None:
    doc = discovery.openapi_v2_protobuf()
    assert b'group: ""\nkind: "Pod"\nversion: "v1"\n' in doc


# --------------------------------------------------------------------------- OpenAPI v3


def test_v3_root_lists_every_served_group_version() -> None:
    root = openapi_v3_root()
    expected = {f"apis/{g}/{v}" if g else f"api/{v}" for g, v in DISCOVERED_GVS}
    assert set(root["paths"]) == expected
    for key, entry in root["paths"].items():
        url = entry["serverRelativeURL"]
        assert url.startswith(f"/openapi/v3/{key}?hash=")
        assert len(url.partition("hash=")[2]) == 128
    assert openapi_v3_root() == root
    assert discovery.openapi_v3_path("", "v1") == "api/v1"
    assert discovery.openapi_v3_path("apps", "v1") == "apis/apps/v1"


@pytest.mark.parametrize(("group", "version"), SERVED_GVS)
def test_v3_group_version_documents(group: str, version: str) -> None:
    doc = openapi_v3_group_version(group, version)
    assert doc is not None
    assert doc["openapi"].startswith("3.0")
    schemas = doc["components"]["schemas"]
    for node in walk(doc):
        ref = node.get("$ref")
        if isinstance(ref, str):
            assert ref.removeprefix("#/components/schemas/") in schemas, ref
    kinds = [r for r in RESOURCES if (r.group, r.version) == (group, version)]
    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
    assert all(path.startswith(prefix) for path in doc["paths"])
    for resource in kinds:
        gvk = {"group": resource.group, "version": resource.version, "kind": resource.kind}
        schema = schemas[definition_name(resource.group, resource.version, resource.kind)]
        assert schema["x-kubernetes-group-version-kind"] == [gvk]
        patch = [
            op
            for _, method, op in operations(doc)
            if method == "patch" and op["x-kubernetes-group-version-kind"] == gvk
        ]
        assert patch, resource.kind
        for op in patch:
            assert {"name": "fieldValidation", "in": "query"}.items() <= next(
                p for p in op["parameters"] if p["name"] == "fieldValidation"
            ).items()
            content = op["requestBody"]["content"]
            assert "application/merge-patch+json" in content
            assert ("application/strategic-merge-patch+json" in content) is (
                discovery.ADVERTISE_STRATEGIC_MERGE_V3
            )
    json.dumps(doc)


def test_v3_schemas_carry_patch_extensions() -> None:
    doc = openapi_v3_group_version("apps", "v1")
    assert doc is not None
    schemas = doc["components"]["schemas"]
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["items"] == {"$ref": "#/components/schemas/io.k8s.api.core.v1.Container"}
    strategy = schemas["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"]
    assert strategy["allOf"] == [
        {"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}
    ]
    assert strategy["x-kubernetes-patch-strategy"] == "retainKeys"
    # Only what the group-version's paths reference is included.
    assert "io.k8s.api.core.v1.Pod" not in schemas
    assert "io.k8s.api.autoscaling.v1.Scale" in schemas


def test_v3_unknown_group_version() -> None:
    assert openapi_v3_group_version("policy", "v1beta1") is None
    assert openapi_v3_group_version("", "v2") is None


def test_v3_core_document_subresources() -> None:
    doc = openapi_v3_group_version("", "v1")
    assert doc is not None
    binding = doc["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/binding"]["post"]
    assert binding["requestBody"]["content"]["*/*"]["schema"]["$ref"].endswith("core.v1.Binding")
    log = doc["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/log"]["get"]
    assert log["responses"]["200"]["content"]["text/plain"]["schema"] == {"type": "string"}
    nodes = doc["paths"]["/api/v1/nodes/{name}"]
    assert [p["name"] for p in nodes["parameters"]] == ["name", "pretty"]


def test_documents_are_fresh_copies() -> None:
    first = openapi_v3_group_version("apps", "v1")
    assert first is not None
    first["paths"].clear()
    again = openapi_v3_group_version("apps", "v1")
    assert again is not None and again["paths"]
    v2_doc = openapi_v2()
    v2_doc["definitions"].clear()
    assert openapi_v2()["definitions"]
