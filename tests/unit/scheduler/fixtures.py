"""Node and pod builders for the scheduler's unit tests (plain dicts, as the API has them)."""

from __future__ import annotations

from typing import Any

from scheduler.nodeinfo import NodeInfo, PodInfo


def pod(
    name: str = "p",
    cpu: str | None = None,
    memory: str | None = None,
    *,
    namespace: str = "default",
    labels: dict[str, str] | None = None,
    priority: int | None = None,
    node: str | None = None,
    ports: list[dict[str, Any]] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    container: dict[str, Any] = {"name": "c", "image": "img"}
    if requests:
        container["resources"] = {"requests": requests}
    if ports:
        container["ports"] = ports
    body: dict[str, Any] = {"containers": [container], **spec}
    if priority is not None:
        body["priority"] = priority
    if node:
        body["nodeName"] = node
    return {
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": labels or {},
            "uid": f"uid-{name}",
        },
        "spec": body,
    }


def pinfo(*args: Any, **kw: Any) -> PodInfo:
    return PodInfo(pod(*args, **kw))


def node(
    name: str = "n",
    cpu: str = "4",
    memory: str = "8Gi",
    pods: int = 110,
    *,
    labels: dict[str, str] | None = None,
    taints: list[dict[str, Any]] | None = None,
    unschedulable: bool = False,
    ready: str | None = None,
    images: list[dict[str, Any]] | None = None,
) -> NodeInfo:
    status: dict[str, Any] = {"allocatable": {"cpu": cpu, "memory": memory, "pods": str(pods)}}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": ready}]
    if images:
        status["images"] = images
    return NodeInfo(
        {
            "metadata": {
                "name": name,
                "labels": {"kubernetes.io/hostname": name, **(labels or {})},
            },
            "spec": {"taints": taints or [], "unschedulable": unschedulable},
            "status": status,
        }
    )


def place(n: NodeInfo, *pods: PodInfo) -> NodeInfo:
    for p in pods:
        n.add_pod(p)
    return n
