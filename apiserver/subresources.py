"""Subresources other than `status`: scale, pods/binding, pods/log, pods/eviction,
namespaces/finalize.

Each reads the parent object and writes it back through the registry, so the same
validation and optimistic concurrency apply as to a direct update.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from minik8s.api import errors
from minik8s.api.selectors import LabelSelector, SelectorError

from . import nodeproxy
from .registry import DeleteOptions, apply_patch, now_rfc3339, rv_of
from .storage.store import conflict

if TYPE_CHECKING:
    from .app import APIServer, Target


async def handle(server: APIServer, request: Request, t: Target, verb: str) -> Response:
    from .app import json_response, read_body, success_status

    sub = t.subresource
    assert t.name is not None and sub is not None
    reg = server.registry
    if sub == "scale":
        if verb == "get":
            return json_response(to_scale(await reg.get(t.info, t.namespace, t.name)))
        if verb in ("update", "patch"):
            body = await read_body(request)
            for _ in range(reg.max_patch_retries):
                parent = await reg.get(t.info, t.namespace, t.name)
                scale = to_scale(parent)
                if verb == "patch":
                    ptype = request.headers.get("content-type", "").split(";")[0].strip()
                    wanted = apply_patch(t.info, scale, ptype, body)
                else:
                    wanted = body
                replicas = (
                    (wanted.get("spec") or {}).get("replicas") if isinstance(wanted, dict) else None
                )
                if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
                    cause = errors.invalid(
                        "spec.replicas", replicas, "must be greater than or equal to 0"
                    )
                    raise errors.invalid_object("Scale", "autoscaling", t.name, [cause])
                rv = str((wanted.get("metadata") or {}).get("resourceVersion") or "")
                if rv and rv != parent["metadata"]["resourceVersion"]:
                    raise conflict(t.info, t.name)
                parent.setdefault("spec", {})["replicas"] = replicas
                try:
                    updated = await reg.update(t.info, t.namespace, t.name, parent)
                except errors.Conflict:
                    if rv:
                        raise
                    continue
                return json_response(to_scale(updated))
            raise conflict(t.info, t.name)
    if sub == "binding" and verb == "create":
        body = await read_body(request)
        await bind(server, t, body)
        return json_response(success_status(201), 201)
    if sub == "eviction" and verb == "create":
        body = await read_body(request)
        opts = DeleteOptions.from_body(
            (body or {}).get("deleteOptions") if isinstance(body, dict) else None, {}
        )
        await reg.delete(t.info, t.namespace, t.name, opts)
        return json_response(success_status(201), 201)
    if sub == "log" and verb == "get":
        assert t.namespace is not None
        return await nodeproxy.pod_log(reg, t.namespace, t.name, dict(request.query_params))
    if sub == "exec" and verb in ("create", "get"):
        assert t.namespace is not None
        return await nodeproxy.pod_exec(
            reg, t.namespace, t.name, list(request.query_params.multi_items())
        )
    if sub == "finalize" and verb == "update":
        body = await read_body(request)
        if not isinstance(body, dict):
            raise errors.BadRequest("the body of the request must be a JSON object")
        current = await reg.get(t.info, t.namespace, t.name)
        wanted = dict(current)
        wanted["spec"] = dict(current.get("spec") or {})
        wanted["spec"]["finalizers"] = (body.get("spec") or {}).get("finalizers") or []
        return json_response(await reg.update(t.info, None, t.name, wanted))
    raise errors.MethodNotAllowed(f"{verb} is not supported on {t.info.plural}/{sub}")


def to_scale(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata", {})
    spec = obj.get("spec") or {}
    try:
        selector = str(LabelSelector.from_dict(spec.get("selector")))
    except SelectorError:
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


async def bind(server: APIServer, t: Target, body: Any) -> None:
    """Set spec.nodeName once; a pod that is already bound answers 409.

    Like kube's GuaranteedUpdate with a cached suggestion: the first try starts from the
    watch cache's copy and writes only if etcd still holds that revision, so a binding
    usually costs one etcd transaction instead of a read and a transaction. A stale copy
    fails the compare and the next try reads etcd; a refusal is never decided on the
    cache alone (a pod deleted and re-created under the same name would look bound)."""
    reg = server.registry
    assert t.name is not None
    if not isinstance(body, dict):
        raise errors.BadRequest("the body of the request must be a Binding object")
    target = body.get("target") or {}
    node = target.get("name") if isinstance(target, dict) else None
    if not node or not isinstance(node, str):
        cause = errors.required("target.name")
        raise errors.invalid_object("Binding", "", t.name, [cause])
    if target.get("kind") not in (None, "", "Node"):
        cause = errors.not_supported("target.kind", target.get("kind"), ["Node"])
        raise errors.invalid_object("Binding", "", t.name, [cause])
    cache = reg.caches.get(t.info.plural)
    cached = cache.get(t.namespace, t.name) if cache is not None and cache.ready.is_set() else None
    for _ in range(reg.max_patch_retries):
        if cached is not None:
            pod, from_cache, cached = _editable(cached), True, None
        else:
            pod, from_cache = await reg.get(t.info, t.namespace, t.name), False
        spec = pod.setdefault("spec", {})
        refusal = ""
        if spec.get("nodeName"):
            refusal = f'is already assigned to node "{spec["nodeName"]}"'
        elif pod["metadata"].get("deletionTimestamp"):
            refusal = "is being deleted, cannot be assigned to a host"
        if refusal:
            if from_cache:
                continue  # confirm on etcd before refusing
            raise errors.Conflict(
                f'Operation cannot be fulfilled on pods/binding "{t.name}": pod {t.name} '
                + refusal,
                name=t.name,
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
        try:
            await reg.store.update(t.info, pod, rv_of(pod))
            return
        except errors.Conflict:
            continue
    raise conflict(t.info, t.name)


def _editable(shared: dict[str, Any]) -> dict[str, Any]:
    """A copy of a watch-cache pod whose metadata, spec and status may be changed (the
    rest stays shared and is only read)."""
    return {
        **shared,
        "metadata": dict(shared.get("metadata") or {}),
        "spec": dict(shared.get("spec") or {}),
        "status": dict(shared.get("status") or {}),
    }
