"""Discovery and OpenAPI documents, built from the resource registry.

Real clients do not know our kinds in advance: before anything else kubectl and client-go
ask the server what it serves (`/api`, `/apis`, `/api/v1`, `/apis/{group}/{version}`), map
`deploy` to `deployments.apps/v1` with those answers, and read `/version`. `kubectl apply`,
`create`, `replace` and `edit` also read OpenAPI before they write, to decide how to
validate a manifest. Every document here is derived from `minik8s.api.resources.RESOURCES`,
so a kind added there is discoverable without touching this module.

What kubectl (1.27 to 1.33) requests, and why the documents look the way they do (each
point was checked by running those kubectl binaries against these documents):

- Discovery. kubectl asks `/api` and `/apis` for *aggregated* discovery
  (`Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,...,
  application/json`; 1.27 to 1.29 offer only `v2beta1`) and decides by the response's
  Content-Type: plain `application/json` means legacy discovery, and it then fetches
  `/api/v1` and every `/apis/{g}/{v}`. `aggregated_discovery()` answers when the Accept
  header asks for `apidiscovery.k8s.io/v2` (`wants_aggregated_discovery()`), the legacy
  documents otherwise. kubectl caches discovery on disk (`~/.kube/cache`).
- `/openapi/v2`. client-go asks for it as protobuf only
  (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`) and feeds the body to
  `proto.Unmarshal`, with no JSON fallback. kubectl 1.27 and 1.28 need it: they look there
  for PATCH operations with a `fieldValidation` parameter, and without it `kubectl apply`
  and `create` fail ("failed to download openapi"). `openapi_v2_protobuf()` encodes the
  paths (no definitions) for them; `openapi_v2()` is the JSON swagger for other clients.
- `/openapi/v3`. kubectl 1.27+ reads it as JSON: the root (`openapi_v3_root()`) lists one
  document per group-version at its `serverRelativeURL`. (1) Field validation: before a
  write, kubectl 1.29+ looks there for the kind's PATCH operation (by its
  `x-kubernetes-group-version-kind`) with a `fieldValidation` query parameter; found, it
  sends `?fieldValidation=Strict` and leaves validation to the server, so every PATCH
  operation declares it. (2) `kubectl apply` computes its three-way strategic merge patch
  from the v3 schema when the PATCH operation accepts
  `application/strategic-merge-patch+json`. These permissive schemas do not list every
  field, and for any field they miss kubectl prints "warning: error calculating patch from
  openapi v3 spec: unable to find api field" on every apply; so they do not advertise it
  (`ADVERTISE_STRATEGIC_MERGE_V3`), and kubectl silently uses the patch metadata compiled
  into it for every built-in kind, which is Kubernetes' own. The schemas still carry
  `x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy` on the lists Kubernetes
  merges by key, for other tools.

Schemas are permissive on purpose: no required fields and `additionalProperties` allowed,
so no real manifest is ever rejected because this description is incomplete; the server's
own validation is the authority.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from minik8s.api.resources import BUILTIN_CATALOG, GroupInfo, ResourceInfo
from minik8s.api.schema import (
    AUTOSCALING_V1,
    CORE,
    META,
    OBJECT_META,
    POLICY,
    PRIMITIVES,
    Array,
    Field,
    MapOf,
    Member,
    Prop,
    Ref,
    Struct,
    definition_name,
    description_of,
    prop_of,
)

__all__ = [
    "SERVER_MAJOR",
    "SERVER_MINOR",
    "GIT_VERSION",
    "AGGREGATED_DISCOVERY_CONTENT_TYPE",
    "OPENAPI_V2_PROTOBUF",
    "OPENAPI_V2_PROTOBUF_CONTENT_TYPE",
    "api_versions",
    "api_group_list",
    "api_group",
    "api_resource_list",
    "aggregated_discovery",
    "wants_aggregated_discovery",
    "accepts",
    "version_info",
    "openapi_v2",
    "openapi_v2_bytes",
    "openapi_v2_protobuf",
    "openapi_v3_root",
    "openapi_v3_group_version",
    "openapi_v3_group_version_bytes",
    "openapi_v3_path",
]

Doc = dict[str, Any]

# The kinds every document here describes.
_CATALOG = BUILTIN_CATALOG

# kubectl's `version` command warns when client and server minors differ by more than one;
# 1.32 is silent for kubectl 1.31 to 1.33. The gcloud `kubectl` dispatcher also picks the
# kubectl binary that matches this version.
SERVER_MAJOR = "1"
SERVER_MINOR = "32"
GIT_VERSION = f"v{SERVER_MAJOR}.{SERVER_MINOR}.0-minik8s"
BUILD_DATE = "2025-01-01T00:00:00Z"

AGGREGATED_DISCOVERY_CONTENT_TYPE = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
)
# What client-go puts in Accept for /openapi/v2, and the Content-Type to answer with: Go's
# mime parser rejects the "@" of the request form in a response, so the server answers with
# kube-apiserver's dotted spelling.
OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
OPENAPI_V2_PROTOBUF_CONTENT_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

# See the module docstring: when False, kubectl apply uses its compiled-in patch metadata.
ADVERTISE_STRATEGIC_MERGE_V3 = False

# --------------------------------------------------------------------------- media types


def _media_ranges(accept: str) -> Iterator[tuple[str, dict[str, str]]]:
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        params = {}
        for piece in pieces[1:]:
            key, _, value = piece.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        yield pieces[0].lower(), params


def accepts(accept: str, *, group: str, version: str, kind: str) -> bool:
    """Whether an Accept header asks for `application/json;g=...;v=...;as=...`."""
    for media, params in _media_ranges(accept or ""):
        if (
            media == "application/json"
            and params.get("g") == group
            and params.get("v") == version
            and params.get("as") == kind
        ):
            return True
    return False


def wants_aggregated_discovery(accept: str) -> bool:
    """True when `/api` or `/apis` should answer `aggregated_discovery()` (v2 only).

    kubectl 1.27 to 1.29 ask for v2beta1 only and get the legacy documents, which they read.
    """
    return accepts(accept, group="apidiscovery.k8s.io", version="v2", kind="APIGroupDiscoveryList")


# --------------------------------------------------------------------------- subresources


@dataclass(frozen=True)
class _Subresource:
    """How a subresource appears in discovery: its verbs and, if not the parent's, its kind."""

    verbs: tuple[str, ...]
    kind: str = ""  # "" = the parent's kind; "{kind}" is replaced by the parent's kind
    group: str | None = None  # None = the parent's group and version
    version: str | None = None


_SUBRESOURCES: dict[str, _Subresource] = {
    "status": _Subresource(("get", "patch", "update")),
    "scale": _Subresource(("get", "patch", "update"), "Scale", "autoscaling", "v1"),
    "binding": _Subresource(("create",), "Binding"),
    "eviction": _Subresource(("create",), "Eviction", "policy", "v1"),
    "log": _Subresource(("get",)),
    "finalize": _Subresource(("update",)),
    "exec": _Subresource(("create", "get"), "PodExecOptions"),
    "attach": _Subresource(("create", "get"), "PodAttachOptions"),
    "portforward": _Subresource(("create", "get"), "PodPortForwardOptions"),
    "proxy": _Subresource(("create", "delete", "get", "patch", "update"), "{kind}ProxyOptions"),
}


def _subresource(name: str) -> _Subresource:
    return _SUBRESOURCES.get(name, _Subresource(("get",)))


def _sub_gvk(info: ResourceInfo, name: str) -> tuple[str, str, str]:
    sub = _subresource(name)
    kind = sub.kind.replace("{kind}", info.kind) if sub.kind else info.kind
    if sub.group is None:
        return info.group, info.version, kind
    return sub.group, sub.version or info.version, kind


# --------------------------------------------------------------------------- served groups


def groups() -> list[GroupInfo]:
    return _CATALOG.groups()


def in_group_version(group: str, version: str) -> list[ResourceInfo]:
    return _CATALOG.in_group_version(group, version)


# --------------------------------------------------------------------------- legacy discovery


def api_versions(server_address: str) -> Doc:
    """`GET /api`: the core group's versions."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def _group_body(name: str, versions: Iterable[str]) -> Doc:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def api_group_list() -> Doc:
    """`GET /apis`: every named group with its versions, the first one preferred."""
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group_body(g.name, g.versions) for g in groups() if g.versions],
    }


def api_group(group: str) -> Doc | None:
    """`GET /apis/{group}`, or None for a group the server does not serve."""
    for info in groups():
        if info.name == group and info.versions:
            return {"kind": "APIGroup", "apiVersion": "v1", **_group_body(group, info.versions)}
    return None


def _api_resource(info: ResourceInfo) -> Doc:
    entry: Doc = {
        "name": info.plural,
        "singularName": info.singular,
        "namespaced": info.namespaced,
        "kind": info.kind,
        "verbs": list(info.verbs),
    }
    if info.short_names:
        entry["shortNames"] = list(info.short_names)
    if info.categories:
        entry["categories"] = list(info.categories)
    return entry


def _api_subresource(info: ResourceInfo, name: str) -> Doc:
    group, version, kind = _sub_gvk(info, name)
    entry: Doc = {
        "name": f"{info.plural}/{name}",
        "singularName": "",
        "namespaced": info.namespaced,
    }
    if (group, version) != (info.group, info.version):
        entry["group"] = group
        entry["version"] = version
    entry["kind"] = kind
    entry["verbs"] = list(_subresource(name).verbs)
    return entry


def api_resource_list(group: str, version: str) -> Doc | None:
    """`GET /api/v1` (group "") or `/apis/{group}/{version}`; None when not served.

    Subresources appear as `pods/status`, `deployments/scale` (an autoscaling/v1 Scale),
    `pods/binding`, `pods/eviction` (a policy/v1 Eviction), `pods/log`, sorted by name as
    kube-apiserver sorts them.
    """
    served = in_group_version(group, version)
    if not served:
        return None
    entries = [_api_resource(info) for info in served]
    entries += [_api_subresource(info, sub) for info in served for sub in info.subresources]
    entries.sort(key=lambda e: e["name"])
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": entries,
    }


# --------------------------------------------------------------------------- aggregated


def _aggregated_resource(info: ResourceInfo) -> Doc:
    entry: Doc = {
        "resource": info.plural,
        "responseKind": {"group": info.group, "version": info.version, "kind": info.kind},
        "scope": "Namespaced" if info.namespaced else "Cluster",
        "singularResource": info.singular,
        "verbs": list(info.verbs),
    }
    if info.short_names:
        entry["shortNames"] = list(info.short_names)
    if info.categories:
        entry["categories"] = list(info.categories)
    subs = []
    for name in info.subresources:
        group, version, kind = _sub_gvk(info, name)
        subs.append(
            {
                "subresource": name,
                "responseKind": {"group": group, "version": version, "kind": kind},
                "verbs": list(_subresource(name).verbs),
            }
        )
    if subs:
        entry["subresources"] = subs
    return entry


def _aggregated_group(name: str, versions: Iterable[str]) -> Doc:
    return {
        "metadata": {"name": name, "creationTimestamp": None},
        "versions": [
            {
                "version": version,
                "resources": sorted(
                    (_aggregated_resource(i) for i in in_group_version(name, version)),
                    key=lambda e: e["resource"],
                ),
                "freshness": "Current",
            }
            for version in versions
        ],
    }


def aggregated_discovery(legacy: bool) -> Doc:
    """Aggregated discovery (apidiscovery.k8s.io/v2) for `/api` (legacy=True) or `/apis`.

    Serve it only when `wants_aggregated_discovery(accept)`, with the Content-Type
    `AGGREGATED_DISCOVERY_CONTENT_TYPE`: that header is how clients tell the two formats
    apart. One request then replaces the per-group-version fetches.
    """
    if legacy:
        items = [_aggregated_group("", ["v1"])]
    else:
        items = [_aggregated_group(g.name, g.versions) for g in groups() if g.versions]
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    }


# --------------------------------------------------------------------------- version


def _platform() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}.get(machine, machine)
    return f"{sys.platform}/{arch or 'amd64'}"


def version_info() -> Doc:
    """`GET /version`."""
    return {
        "major": SERVER_MAJOR,
        "minor": SERVER_MINOR,
        "gitVersion": GIT_VERSION,
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": BUILD_DATE,
        "goVersion": f"python{sys.version_info.major}.{sys.version_info.minor}",
        "compiler": "cpython",
        "platform": _platform(),
    }


# --------------------------------------------------------------------------- schema model
#
# Every kind declares its schema (`ResourceInfo.schema`, `minik8s.api.schema`); the
# documents render it twice: for swagger 2.0 (`#/definitions/...`) and for OpenAPI 3.0
# (`#/components/schemas/...`).

# Kinds that are not resources of the registry but appear in documents: gvk per definition.
_EXTRA_GVKS: dict[str, tuple[str, str, str]] = {
    CORE + "Binding": ("", "v1", "Binding"),
    AUTOSCALING_V1 + "Scale": ("autoscaling", "v1", "Scale"),
    POLICY + "Eviction": ("policy", "v1", "Eviction"),
    META + "Status": ("", "v1", "Status"),
}


def _gvk(group: str, version: str, kind: str) -> Doc:
    return {"group": group, "version": version, "kind": kind}


def _served_group_versions() -> list[tuple[str, str]]:
    return _CATALOG.group_versions()


def _kind_properties(info: ResourceInfo) -> dict[str, Member]:
    props: dict[str, Member] = {
        "apiVersion": Field(
            "string",
            "APIVersion defines the versioned schema of this representation of an object.",
        ),
        "kind": Field("string", "Kind is a string value representing the REST resource."),
        "metadata": Field(OBJECT_META, "Standard object's metadata."),
    }
    if info.schema is not None:
        props.update(info.schema.fields)
    return props


def _list_properties(info: ResourceInfo) -> dict[str, Member]:
    item = definition_name(info.group, info.version, info.kind)
    return {
        "apiVersion": "string",
        "kind": "string",
        "metadata": Ref(META + "ListMeta"),
        "items": Field(Array(Ref(item)), f"List of {info.plural}."),
    }


@dataclass
class _Definition:
    properties: Mapping[str, Member] | None = None  # None: a raw schema
    raw: Mapping[str, Any] = field(default_factory=dict)
    gvks: list[Doc] = field(default_factory=list)
    description: str = ""


def _all_definitions() -> dict[str, _Definition]:
    defs: dict[str, _Definition] = {}
    for name, declared in _CATALOG.definitions().items():
        if isinstance(declared, Struct):
            defs[name] = _Definition(declared.fields, description=declared.description)
        else:
            defs[name] = _Definition(raw=declared.schema)
    for name, (group, version, kind) in _EXTRA_GVKS.items():
        defs[name].gvks.append(_gvk(group, version, kind))
    for group, version in _served_group_versions():
        for meta_kind in ("DeleteOptions", "WatchEvent"):
            defs[META + meta_kind].gvks.append(_gvk(group, version, meta_kind))
    for info in _CATALOG:
        name = definition_name(info.group, info.version, info.kind)
        described = info.schema.description if info.schema is not None else ""
        defs[name] = _Definition(
            _kind_properties(info),
            gvks=[_gvk(info.group, info.version, info.kind)],
            description=described or f"{info.kind} ({info.group_resource}, {info.api_version}).",
        )
        defs[name + "List"] = _Definition(
            _list_properties(info),
            gvks=[_gvk(info.group, info.version, info.list_kind)],
            description=f"{info.list_kind} is a list of {info.kind} objects.",
        )
    return defs


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class _Style:
    """The differences between swagger 2.0 and OpenAPI 3.0 schema documents."""

    ref_prefix: str
    v3: bool


_V2 = _Style("#/definitions/", v3=False)
_V3 = _Style("#/components/schemas/", v3=True)


def _ref(target: str, style: _Style) -> Doc:
    return {"$ref": style.ref_prefix + target}


def _render_prop(prop: Prop, style: _Style) -> Doc:
    if isinstance(prop, str):
        return dict(PRIMITIVES[prop])
    if isinstance(prop, Ref):
        if not prop.strategy:
            return _ref(prop.target, style)
        return {**_ref(prop.target, style), "x-kubernetes-patch-strategy": prop.strategy}
    if isinstance(prop, MapOf):
        return {"type": "object", "additionalProperties": _render_prop(prop.values, style)}
    rendered: Doc = {"type": "array", "items": _render_prop(prop.items, style)}
    if prop.merge_key:
        rendered["x-kubernetes-patch-merge-key"] = prop.merge_key
    if prop.strategy:
        rendered["x-kubernetes-patch-strategy"] = prop.strategy
    if prop.list_type:
        rendered["x-kubernetes-list-type"] = prop.list_type
    if prop.map_keys:
        rendered["x-kubernetes-list-map-keys"] = list(prop.map_keys)
    return rendered


def _render_member(member: Member, style: _Style) -> Doc:
    rendered = _render_prop(prop_of(member), style)
    description = description_of(member)
    if description:
        rendered["description"] = description
    if style.v3 and "$ref" in rendered and len(rendered) > 1:
        # A $ref has no siblings in OpenAPI 3.0: Kubernetes wraps it in allOf.
        rendered = {"allOf": [{"$ref": rendered.pop("$ref")}], **rendered}
    return rendered


def _render_definition(definition: _Definition, style: _Style) -> Doc:
    if definition.properties is None:
        schema = dict(definition.raw)
    else:
        schema = {
            "type": "object",
            "properties": {
                key: _render_member(member, style) for key, member in definition.properties.items()
            },
            "additionalProperties": True,
        }
    if definition.description:
        schema["description"] = definition.description
    if definition.gvks:
        schema["x-kubernetes-group-version-kind"] = [dict(g) for g in definition.gvks]
    return schema


# --------------------------------------------------------------------------- operations

_PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)
_PATCH_TYPES_FOR_KUBECTL = tuple(
    t
    for t in _PATCH_TYPES
    if ADVERTISE_STRATEGIC_MERGE_V3 or t != "application/strategic-merge-patch+json"
)

# name -> (type, description)
_QUERY_PARAMS: dict[str, tuple[str, str]] = {
    "pretty": ("string", "If 'true', the output is pretty printed."),
    "dryRun": ("string", "When present (`All`), modifications are not persisted."),
    "fieldManager": ("string", "The name of the actor making these changes."),
    "fieldValidation": (
        "string",
        "How the server treats unknown or duplicate fields: Ignore, Warn or Strict.",
    ),
    "force": ("boolean", "Force an apply request to take over conflicting fields."),
    "labelSelector": ("string", "Restrict the list by labels."),
    "fieldSelector": ("string", "Restrict the list by fields."),
    "resourceVersion": ("string", "Which version of the resource to serve or watch from."),
    "resourceVersionMatch": ("string", "How resourceVersion applies to a list."),
    "limit": ("integer", "The maximum number of items in one page."),
    "continue": ("string", "The continue token of the previous page."),
    "timeoutSeconds": ("integer", "Timeout of the list or watch call."),
    "watch": ("boolean", "Watch for changes instead of listing."),
    "allowWatchBookmarks": ("boolean", "Ask for BOOKMARK watch events."),
    "sendInitialEvents": ("boolean", "Start a watch with the current state as ADDED events."),
    "gracePeriodSeconds": ("integer", "Seconds before the object is deleted."),
    "propagationPolicy": ("string", "Orphan, Background or Foreground garbage collection."),
    "orphanDependents": ("boolean", "Deprecated: use propagationPolicy."),
    "container": ("string", "The container whose logs to stream."),
    "follow": ("boolean", "Follow the log stream."),
    "previous": ("boolean", "The logs of the previous, terminated container."),
    "sinceSeconds": ("integer", "Only logs newer than this many seconds."),
    "tailLines": ("integer", "The number of lines from the end of the log."),
    "timestamps": ("boolean", "Prefix every line with an RFC3339 timestamp."),
    "limitBytes": ("integer", "The maximum number of bytes of log."),
}

_LIST_QUERY = (
    "allowWatchBookmarks",
    "continue",
    "fieldSelector",
    "labelSelector",
    "limit",
    "resourceVersion",
    "resourceVersionMatch",
    "sendInitialEvents",
    "timeoutSeconds",
    "watch",
)
_WRITE_QUERY = ("dryRun", "fieldManager", "fieldValidation")
_PATCH_QUERY = (*_WRITE_QUERY, "force")
_DELETE_QUERY = ("dryRun", "gracePeriodSeconds", "orphanDependents", "propagationPolicy")
_LOG_QUERY = (
    "container",
    "follow",
    "limitBytes",
    "previous",
    "sinceSeconds",
    "tailLines",
    "timestamps",
)


@dataclass(frozen=True)
class _Operation:
    path: str
    method: str  # get, post, put, patch, delete
    action: str  # x-kubernetes-action
    operation_id: str
    gvk: tuple[str, str, str]
    response: str | None  # definition name; None = text (logs)
    body: str | None = None  # request body definition name
    query: tuple[str, ...] = ()
    tag: str = ""
    patch: bool = False


def _camel(text: str) -> str:
    return text[:1].upper() + text[1:]


def _op_prefix(group: str, version: str) -> str:
    return _camel(group.split(".")[0] if group else "core") + _camel(version)


def _tag(group: str, version: str) -> str:
    return f"{group.split('.')[0] if group else 'core'}_{version}"


def _collection_path(info: ResourceInfo) -> str:
    return info.path(namespace="{namespace}" if info.namespaced else None)


@dataclass(frozen=True)
class _Verb:
    """How one API verb becomes an operation: method, action, path and bodies."""

    method: str
    action: str  # x-kubernetes-action
    id_prefix: str  # operationId prefix: list, create, read, replace, patch, delete, ...
    on_item: bool  # on `.../{name}` rather than on the collection
    response: str  # "item", "list", "status" or "text"
    body: str = ""  # "", "item", "patch" or "delete"
    query: tuple[str, ...] = ()


_VERBS: dict[str, _Verb] = {
    "list": _Verb("get", "list", "list", False, "list", query=_LIST_QUERY),
    "create": _Verb("post", "post", "create", False, "item", "item", _WRITE_QUERY),
    "deletecollection": _Verb(
        "delete",
        "deletecollection",
        "deletecollection",
        False,
        "status",
        "delete",
        _LIST_QUERY + _DELETE_QUERY,
    ),
    "get": _Verb("get", "get", "read", True, "item"),
    "update": _Verb("put", "put", "replace", True, "item", "item", _WRITE_QUERY),
    "patch": _Verb("patch", "patch", "patch", True, "item", "patch", _PATCH_QUERY),
    "delete": _Verb("delete", "delete", "delete", True, "status", "delete", _DELETE_QUERY),
}
# Subresources: `create` is a POST of the subresource's kind (binding, eviction).
_SUBRESOURCE_VERBS: dict[str, _Verb] = {
    "get": _VERBS["get"],
    "update": _VERBS["update"],
    "patch": _VERBS["patch"],
    "create": _Verb("post", "post", "create", True, "item", "item", _WRITE_QUERY),
}
_LOG_VERB = _Verb("get", "get", "read", True, "text", query=_LOG_QUERY)
# exec, attach, portforward, proxy: streaming "connect" operations, no object bodies.
_CONNECT_SUBRESOURCES = frozenset({"exec", "attach", "portforward", "proxy"})
_CONNECT_VERBS: dict[str, _Verb] = {
    verb: _Verb(method, "connect", f"connect{_camel(method)}", True, "text")
    for verb, method in (
        ("get", "get"),
        ("create", "post"),
        ("update", "put"),
        ("patch", "patch"),
        ("delete", "delete"),
    )
}


def _operation(
    verb: _Verb, path: str, op_name: str, gvk: tuple[str, str, str], item_def: str, tag: str
) -> _Operation:
    responses = {"item": item_def, "list": item_def + "List", "status": META + "Status"}
    bodies = {"item": item_def, "patch": META + "Patch", "delete": META + "DeleteOptions"}
    return _Operation(
        path=path,
        method=verb.method,
        action=verb.action,
        operation_id=verb.id_prefix + op_name,
        gvk=gvk,
        response=responses.get(verb.response),
        body=bodies.get(verb.body),
        query=verb.query,
        tag=tag,
        patch=verb.body == "patch",
    )


def _resource_operations(info: ResourceInfo) -> list[_Operation]:
    gvk = (info.group, info.version, info.kind)
    prefix = _op_prefix(info.group, info.version)
    name = f"{prefix}{'Namespaced' if info.namespaced else ''}{info.kind}"
    item_def = definition_name(*gvk)
    collection = _collection_path(info)
    tag = _tag(info.group, info.version)
    ops = [
        _operation(verb, collection + ("/{name}" if verb.on_item else ""), name, gvk, item_def, tag)
        for key, verb in _VERBS.items()
        if key in info.verbs
    ]
    if info.namespaced and "list" in info.verbs:
        everywhere = f"{prefix}{info.kind}ForAllNamespaces"
        ops.append(_operation(_VERBS["list"], info.path(), everywhere, gvk, item_def, tag))
    for sub in info.subresources:
        ops.extend(_subresource_operations(info, sub, collection + "/{name}", name, tag))
    return ops


def _subresource_operations(
    info: ResourceInfo, sub: str, item: str, name: str, tag: str
) -> list[_Operation]:
    gvk = _sub_gvk(info, sub)
    path, op_name = f"{item}/{sub}", f"{name}{_camel(sub)}"
    if sub == "log":
        return [_operation(_LOG_VERB, path, op_name, gvk, definition_name(*gvk), tag)]
    verbs = _CONNECT_VERBS if sub in _CONNECT_SUBRESOURCES else _SUBRESOURCE_VERBS
    return [
        _operation(verb, path, op_name, gvk, definition_name(*gvk), tag)
        for key, verb in verbs.items()
        if key in _subresource(sub).verbs
    ]


def _operations(group: str | None = None, version: str | None = None) -> list[_Operation]:
    selected = [
        info
        for info in _CATALOG
        if group is None or (info.group == group and info.version == version)
    ]
    return [op for info in selected for op in _resource_operations(info)]


def _path_parameters(path: str) -> list[tuple[str, str]]:
    params = []
    if "{name}" in path:
        params.append(("name", "name of the object"))
    if "{namespace}" in path:
        params.append(("namespace", "object name and auth scope, such as for teams and projects"))
    return params


def _description(op: _Operation) -> str:
    kind = op.gvk[2]
    return {
        "list": f"list or watch objects of kind {kind}",
        "post": f"create a {kind}",
        "deletecollection": f"delete collection of {kind}",
        "get": f"read the specified {kind}",
        "put": f"replace the specified {kind}",
        "patch": f"partially update the specified {kind}",
        "delete": f"delete a {kind}",
    }.get(op.action, op.action)


# --------------------------------------------------------------------------- swagger 2.0


def _v2_query(name: str) -> Doc:
    type_, description = _QUERY_PARAMS[name]
    return {
        "uniqueItems": True,
        "type": type_,
        "description": description,
        "name": name,
        "in": "query",
    }


def _v2_operation(op: _Operation) -> Doc:
    params = [_v2_query(q) for q in op.query]
    if op.body:
        params.insert(
            0, {"name": "body", "in": "body", "required": True, "schema": _ref(op.body, _V2)}
        )
    ok: Doc = {"description": "OK"}
    ok["schema"] = _ref(op.response, _V2) if op.response else {"type": "string"}
    responses: Doc = {"200": ok, "401": {"description": "Unauthorized"}}
    if op.method == "post":
        responses["201"] = {"description": "Created", "schema": ok["schema"]}
    produces = ["application/json", "application/yaml"]
    if op.action == "list":
        produces.append("application/json;stream=watch")
    if op.response is None:
        produces = ["text/plain", "application/json"]
    return {
        "description": _description(op),
        "consumes": list(_PATCH_TYPES) if op.patch else ["*/*"],
        "produces": produces,
        "schemes": ["https"],
        "tags": [op.tag],
        "operationId": op.operation_id,
        "parameters": params,
        "responses": responses,
        "x-kubernetes-action": op.action,
        "x-kubernetes-group-version-kind": _gvk(*op.gvk),
    }


def _v2_path_item(path: str) -> Doc:
    params = [
        {
            "uniqueItems": True,
            "type": "string",
            "description": description,
            "name": name,
            "in": "path",
            "required": True,
        }
        for name, description in _path_parameters(path)
    ]
    params.append(_v2_query("pretty"))
    return {"parameters": params}


def _paths(
    ops: list[_Operation],
    render_item: Callable[[str], Doc],
    render_op: Callable[[_Operation], Doc],
) -> Doc:
    paths: Doc = {}
    for op in ops:
        item = paths.setdefault(op.path, render_item(op.path))
        item[op.method] = render_op(op)
    return dict(sorted(paths.items()))


@functools.cache
def _openapi_v2() -> str:
    definitions = {
        name: _render_definition(d, _V2) for name, d in sorted(_all_definitions().items())
    }
    doc = {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": GIT_VERSION},
        "paths": _paths(_operations(), _v2_path_item, _v2_operation),
        "definitions": definitions,
        "security": [{"BearerToken": []}],
        "securityDefinitions": {
            "BearerToken": {
                "type": "apiKey",
                "name": "authorization",
                "in": "header",
                "description": "Bearer Token authentication",
            }
        },
    }
    return json.dumps(doc, sort_keys=True)


def openapi_v2() -> Doc:
    """`GET /openapi/v2` as JSON (swagger 2.0); see the module docstring about kubectl."""
    result: Doc = json.loads(_openapi_v2())
    return result


def openapi_v2_bytes() -> bytes:
    """`openapi_v2()` serialized once, to send as the response body."""
    return _openapi_v2().encode()


# --------------------------------------------------------------------------- swagger 2.0, protobuf
#
# kubectl 1.27 and 1.28 decide how to validate from `/openapi/v2` alone, and client-go reads
# it only as gnostic's `openapi.v2.Document` protobuf. This encodes the part those versions
# use: every operation with its query parameters, `consumes` and vendor extensions
# (`x-kubernetes-group-version-kind`), so that they find `fieldValidation` on PATCH and
# leave validation to the server. Definitions are left out: without them kubectl never
# validates client-side or computes a patch from this document, it uses its built-in types.
# Field numbers are those of gnostic's openapiv2/OpenAPIv2.proto.


def _pb_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _pb_bytes(number: int, payload: bytes) -> bytes:
    """A length-delimited field (strings, sub-messages); wire type 2."""
    return _pb_varint(number << 3 | 2) + _pb_varint(len(payload)) + payload


def _pb_str(number: int, text: str) -> bytes:
    return _pb_bytes(number, text.encode()) if text else b""


def _pb_true(number: int) -> bytes:
    return _pb_varint(number << 3) + b"\x01"


def _pb_named_any(name: str, yaml_text: str) -> bytes:
    # NamedAny{name=1, value=2: Any{yaml=2}}
    return _pb_str(1, name) + _pb_bytes(2, _pb_str(2, yaml_text))


def _pb_parameter(non_body: bytes) -> bytes:
    # ParametersItem{parameter=1: Parameter{non_body_parameter=2: NonBodyParameter{...}}}
    return _pb_bytes(1, _pb_bytes(2, non_body))


def _pb_query_parameter(name: str) -> bytes:
    type_, description = _QUERY_PARAMS[name]
    # QueryParameterSubSchema{in=2, description=3, name=4, type=6, unique_items=20}
    sub = _pb_str(2, "query") + _pb_str(3, description) + _pb_str(4, name)
    sub += _pb_str(6, type_) + _pb_true(20)
    return _pb_parameter(_pb_bytes(3, sub))


def _pb_path_parameter(name: str, description: str) -> bytes:
    # PathParameterSubSchema{required=1, in=2, description=3, name=4, type=5, unique_items=19}
    sub = _pb_true(1) + _pb_str(2, "path") + _pb_str(3, description) + _pb_str(4, name)
    sub += _pb_str(5, "string") + _pb_true(19)
    return _pb_parameter(_pb_bytes(4, sub))


def _pb_gvk_yaml(group: str, version: str, kind: str) -> str:
    return f"group: {json.dumps(group)}\nkind: {json.dumps(kind)}\nversion: {json.dumps(version)}\n"


def _pb_operation(op: _Operation) -> bytes:
    consumes = _PATCH_TYPES_FOR_KUBECTL if op.patch else ("*/*",)
    produces = ("application/json", "application/yaml") if op.response else ("text/plain",)
    out = _pb_str(1, op.tag) + _pb_str(3, _description(op)) + _pb_str(5, op.operation_id)
    out += b"".join(_pb_str(6, media) for media in produces)
    out += b"".join(_pb_str(7, media) for media in consumes)
    out += b"".join(_pb_bytes(8, _pb_query_parameter(q)) for q in op.query)
    # Responses{response_code=1: NamedResponseValue{name, value: ResponseValue{response=1}}}
    ok = _pb_str(1, "200") + _pb_bytes(2, _pb_bytes(1, _pb_str(1, "OK")))
    out += _pb_bytes(9, _pb_bytes(1, ok))
    out += _pb_str(10, "https")
    out += _pb_bytes(13, _pb_named_any("x-kubernetes-action", op.action + "\n"))
    out += _pb_bytes(13, _pb_named_any("x-kubernetes-group-version-kind", _pb_gvk_yaml(*op.gvk)))
    return out


# PathItem field numbers of each HTTP method.
_PB_METHODS = {"get": 2, "put": 3, "post": 4, "delete": 5, "patch": 8}


def _pb_path_item(path: str, ops: list[_Operation]) -> bytes:
    out = b"".join(_pb_bytes(_PB_METHODS[op.method], _pb_operation(op)) for op in ops)
    params = [_pb_path_parameter(n, d) for n, d in _path_parameters(path)]
    params.append(_pb_query_parameter("pretty"))
    return out + b"".join(_pb_bytes(9, param) for param in params)


@functools.cache
def openapi_v2_protobuf() -> bytes:
    """`GET /openapi/v2` as `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`.

    Serve it when the Accept header names `OPENAPI_V2_PROTOBUF` (what client-go sends), with
    the Content-Type `OPENAPI_V2_PROTOBUF_CONTENT_TYPE`; serve `openapi_v2()` (JSON) when
    the Accept header asks for application/json.
    """
    by_path: dict[str, list[_Operation]] = {}
    for op in _operations():
        by_path.setdefault(op.path, []).append(op)
    paths = b"".join(
        _pb_bytes(2, _pb_str(1, path) + _pb_bytes(2, _pb_path_item(path, ops)))
        for path, ops in sorted(by_path.items())
    )
    info = _pb_str(1, "Kubernetes") + _pb_str(2, GIT_VERSION)
    return _pb_str(1, "2.0") + _pb_bytes(2, info) + _pb_bytes(8, paths)


# --------------------------------------------------------------------------- OpenAPI 3.0


def _v3_query(name: str) -> Doc:
    type_, description = _QUERY_PARAMS[name]
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": {"type": type_, "uniqueItems": True},
    }


def _v3_content(schema: Doc, types: Iterable[str]) -> Doc:
    return {media: {"schema": schema} for media in types}


def _v3_operation(op: _Operation) -> Doc:
    result: Doc = {
        "tags": [op.tag],
        "description": _description(op),
        "operationId": op.operation_id,
    }
    if op.query:
        result["parameters"] = [_v3_query(q) for q in op.query]
    if op.body:
        types = _PATCH_TYPES_FOR_KUBECTL if op.patch else ("*/*",)
        result["requestBody"] = {
            "content": _v3_content(_ref(op.body, _V3), types),
            "required": True,
        }
    if op.response:
        produces: tuple[str, ...] = ("application/json", "application/yaml")
        if op.action == "list":
            produces += ("application/json;stream=watch",)
        ok = {"description": "OK", "content": _v3_content(_ref(op.response, _V3), produces)}
    else:
        ok = {"description": "OK", "content": _v3_content({"type": "string"}, ("text/plain",))}
    responses: Doc = {"200": ok, "401": {"description": "Unauthorized"}}
    if op.method == "post":
        responses["201"] = {**ok, "description": "Created"}
    result["responses"] = responses
    result["x-kubernetes-action"] = op.action
    result["x-kubernetes-group-version-kind"] = _gvk(*op.gvk)
    return result


def _v3_path_item(path: str) -> Doc:
    params = [
        {
            "name": name,
            "in": "path",
            "description": description,
            "required": True,
            "schema": {"type": "string", "uniqueItems": True},
        }
        for name, description in _path_parameters(path)
    ]
    params.append(_v3_query("pretty"))
    return {"parameters": params}


def _refs_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str):
            yield ref.rpartition("/")[2]
        for child in value.values():
            yield from _refs_in(child)
    elif isinstance(value, list):
        for child in value:
            yield from _refs_in(child)


def _closure(roots: Iterable[str], schemas: dict[str, Doc]) -> dict[str, Doc]:
    """The schemas `roots` reference, transitively."""
    wanted: dict[str, Doc] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in wanted or name not in schemas:
            continue
        wanted[name] = schemas[name]
        pending.extend(_refs_in(schemas[name]))
    return dict(sorted(wanted.items()))


def _group_version_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


@functools.cache
def _openapi_v3_group_version(group: str, version: str) -> str | None:
    ops = _operations(group, version)
    if not ops:
        return None
    paths = _paths(ops, _v3_path_item, _v3_operation)
    schemas = {name: _render_definition(d, _V3) for name, d in _all_definitions().items()}
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": GIT_VERSION},
        "paths": paths,
        "components": {
            "schemas": _closure(_refs_in(paths), schemas),
            "securitySchemes": {
                "BearerToken": {
                    "type": "apiKey",
                    "name": "authorization",
                    "in": "header",
                    "description": "Bearer Token authentication",
                }
            },
        },
        "security": [{"BearerToken": []}],
    }
    return json.dumps(doc, sort_keys=True)


def openapi_v3_group_version(group: str, version: str) -> Doc | None:
    """`GET /openapi/v3/api/v1` (group "") or `/openapi/v3/apis/{group}/{version}`.

    None for a group-version the server does not serve (answer 404). The `hash` query
    parameter of the URL in `openapi_v3_root()` can be ignored; answer with
    Content-Type `application/json`.
    """
    text = _openapi_v3_group_version(group, version)
    if text is None:
        return None
    result: Doc = json.loads(text)
    return result


def openapi_v3_group_version_bytes(group: str, version: str) -> bytes | None:
    """`openapi_v3_group_version()` serialized once; its SHA-512 is the URL's `hash`."""
    text = _openapi_v3_group_version(group, version)
    return None if text is None else text.encode()


def openapi_v3_path(group: str, version: str) -> str:
    """The root's key for a group-version: `api/v1`, `apis/apps/v1`."""
    return _group_version_path(group, version)


def _hash(text: str) -> str:
    return hashlib.sha512(text.encode()).hexdigest().upper()


def openapi_v3_root() -> Doc:
    """`GET /openapi/v3`: where the document of each group-version lives.

    The URL carries a content hash, as Kubernetes' does, so that clients caching by URL
    (kubectl caches OpenAPI on disk) fetch a new document when it changes.
    """
    paths: Doc = {}
    for group, version in _served_group_versions():
        text = _openapi_v3_group_version(group, version)
        if text is None:
            continue
        key = _group_version_path(group, version)
        paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={_hash(text)}"}
    return {"paths": paths}
