"""Subresources other than `status`: scale, pods/binding, pods/log, pods/eviction,
pods/exec (and the refusal of attach and portforward without a WebSocket),
namespaces/finalize.

Each writes through the registry: scale and finalize as an update of the parent (the same
strategy, validation and optimistic concurrency as a direct update), a binding as a
guaranteed update with preconditions, an eviction as a delete that the pod's
PodDisruptionBudget must allow (`eviction.py`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from minik8s.api import errors
from minik8s.api.selectors import LabelSelector, SelectorError
from minik8s.api.times import now_rfc3339

from . import eviction, nodeproxy
from .http import METHOD_NOT_ALLOWED, json_response, query_of, read_body, success_status
from .registry import Registry, WriteOptions, apply_patch, patch_resource_version
from .routes import Target
from .storage.cached import Preconditions

Obj = dict[str, Any]


async def handle(reg: Registry, request: Request, t: Target, verb: str) -> Response:
    sub = t.subresource
    assert t.name is not None and sub is not None
    if sub == "scale":
        if verb == "get":
            return json_response(to_scale(await reg.get(t.info, t.namespace, t.name)))
        if verb in ("update", "patch"):
            writer = WriteOptions.from_query(
                request.query_params,
                request.headers.get("user-agent", ""),
                verb,
                subresource="scale",
            )
            body = await read_body(request)
            ptype = request.headers.get("content-type", "").split(";")[0].strip()
            return json_response(to_scale(await scale(reg, t, verb, ptype, body, writer)))
    if sub == "binding" and verb == "create":
        await bind(reg, t, await read_body(request))
        return json_response(success_status(201), 201)
    if sub == "eviction" and verb == "create":
        await eviction.evict(reg, t, await read_body(request))
        return json_response(success_status(201), 201)
    if sub == "log" and verb == "get":
        assert t.namespace is not None
        return await nodeproxy.pod_log(reg, t.namespace, t.name, query_of(request))
    if sub in nodeproxy.STREAMS and verb in ("create", "get"):
        assert t.namespace is not None
        if sub != "exec" or "upgrade" in request.headers:  # streams come as WebSockets
            return await nodeproxy.refuse_spdy(reg, request, t)
        return await nodeproxy.pod_exec(
            reg, t.namespace, t.name, list(request.query_params.multi_items())
        )
    if sub == "finalize" and verb == "update":
        writer = WriteOptions.from_query(
            request.query_params,
            request.headers.get("user-agent", ""),
            verb,
            subresource="finalize",
        )
        return json_response(await finalize(reg, t, await read_body(request), writer))
    # The server routes only the methods a subresource serves; this is a safety net.
    raise errors.MethodNotAllowed(METHOD_NOT_ALLOWED)


async def scale(
    reg: Registry,
    t: Target,
    verb: str,
    ptype: str,
    body: Any,
    options: WriteOptions | None = None,
) -> Obj:
    """PUT or PATCH of `…/scale`: the parent's `spec.replicas` changes, through the same
    strategy (validation, optimistic concurrency) as a direct update of the parent, and
    its writer owns `spec.replicas` through the subresource `scale`."""
    assert t.name is not None
    precondition = patch_resource_version(body) if verb == "patch" else ""
    if verb == "update" and isinstance(body, dict):
        meta = body.get("metadata")
        precondition = str((meta if isinstance(meta, dict) else {}).get("resourceVersion") or "")

    def set_replicas(parent: Obj) -> Obj:
        wanted = apply_patch(t.info, to_scale(parent), ptype, body) if verb == "patch" else body
        spec = wanted.get("spec", {}) if isinstance(wanted, dict) else None
        # Go writes `replicas: 0` by leaving it out (omitempty), as it does an empty spec.
        replicas = (spec or {}).get("replicas", 0) if isinstance(spec, dict | None) else None
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            cause = errors.invalid("spec.replicas", replicas, "must be greater than or equal to 0")
            raise errors.invalid_object("Scale", "autoscaling", str(t.name), [cause])
        parent_spec = parent.get("spec")
        if not isinstance(parent_spec, dict):
            parent_spec = parent["spec"] = {}
        parent_spec["replicas"] = replicas
        return parent

    return await reg.update_with(
        t.info, t.namespace, t.name, set_replicas, precondition_rv=precondition, options=options
    )


async def finalize(reg: Registry, t: Target, body: Any, options: WriteOptions | None = None) -> Obj:
    """PUT `namespaces/{name}/finalize`: only `spec.finalizers` changes."""
    assert t.name is not None
    if not isinstance(body, dict):
        raise errors.BadRequest("the body of the request must be a JSON object")
    spec = body.get("spec") or {}
    if not isinstance(spec, dict):
        raise errors.BadRequest("spec must be an object")
    finalizers = spec.get("finalizers") or []

    def set_finalizers(current: Obj) -> Obj:
        current_spec = current.get("spec")
        if not isinstance(current_spec, dict):
            current_spec = current["spec"] = {}
        current_spec["finalizers"] = finalizers
        return current

    return await reg.update_with(t.info, None, t.name, set_finalizers, options=options)


def to_scale(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata", {})
    spec = obj.get("spec") or {}
    raw = spec.get("selector")
    try:
        if isinstance(raw, dict) and raw and not {"matchLabels", "matchExpressions"} & set(raw):
            selector = str(LabelSelector.from_set(raw))  # a ReplicationController's label map
        else:
            selector = str(LabelSelector.from_dict(raw))
    except (SelectorError, TypeError, AttributeError):
        selector = ""
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": spec.get("replicas", 0)},
        "status": {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": selector,
        },
    }


async def bind(reg: Registry, t: Target, body: Any) -> None:
    """Set spec.nodeName once; a pod that is already bound, or being deleted, answers 409.

    The Binding's `metadata.uid` and `metadata.resourceVersion`, when given, are
    preconditions (Kubernetes' BindingREST): a binding meant for a pod that was deleted and
    re-created under the same name fails instead of placing the new pod. The write starts
    from the watch cache's copy (see `CachedStorage.guaranteed_update`): usually one etcd
    transaction, and a refusal is never decided on the cache alone."""
    name = t.name
    assert name is not None
    if not isinstance(body, dict):
        raise errors.BadRequest("the body of the request must be a Binding object")
    meta = body.get("metadata") or {}
    target = body.get("target") or {}
    node = target.get("name") if isinstance(target, dict) else None
    if not isinstance(meta, dict) or not node or not isinstance(node, str):
        cause = errors.required("target.name")
        raise errors.invalid_object("Binding", "", name, [cause])
    if target.get("kind") not in (None, "", "Node"):
        cause = errors.not_supported("target.kind", target.get("kind"), ["Node"])
        raise errors.invalid_object("Binding", "", name, [cause])
    preconditions = Preconditions(
        str(meta.get("uid") or "") or None, str(meta.get("resourceVersion") or "") or None
    )

    def assign(pod: Obj) -> Obj:
        spec = pod.setdefault("spec", {})
        refusal = ""
        if spec.get("nodeName"):
            refusal = f'is already assigned to node "{spec["nodeName"]}"'
        elif pod["metadata"].get("deletionTimestamp"):
            refusal = "is being deleted, cannot be assigned to a host"
        if refusal:
            raise errors.Conflict(
                f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} ' + refusal,
                name=name,
                kind="pods/binding",
            )
        spec["nodeName"] = node
        status = pod.setdefault("status", {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        conditions.append(
            {
                "type": "PodScheduled",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": now_rfc3339(),
            }
        )
        status["conditions"] = conditions
        return pod

    await reg.guaranteed_update(
        t.info, t.namespace, name, assign, preconditions=preconditions, use_cache=True
    )
