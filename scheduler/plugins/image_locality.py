"""ImageLocality: prefer nodes that already have the pod's images (by size, scaled by how
widely the image is spread, clamped like kube-scheduler: 23 MB … 1000 MB per container)."""

from __future__ import annotations

from typing import Any

from ..framework import MAX_NODE_SCORE, SKIP, CycleState, Status
from ..nodeinfo import NodeInfo, PodInfo, any_with_images

NAME = "ImageLocality"
MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB
_STATE = NAME + "/spread"


def image_names(pod: PodInfo) -> list[str]:
    return [
        str(c.get("image"))
        for c in (pod.pod.get("spec") or {}).get("containers") or []
        if c.get("image")
    ]


def _size(node: NodeInfo, image: str) -> int:
    size = node.images.get(image)
    if size is None and ":" not in image.rsplit("/", 1)[-1]:
        size = node.images.get(image + ":latest")
    return size or 0


def locality_score(images: list[str], node: NodeInfo, spread: dict[str, float]) -> int:
    total = sum(int(_size(node, i) * spread.get(i, 1.0)) for i in images)
    high = MAX_CONTAINER_THRESHOLD * max(1, len(images))
    total = min(max(total, MIN_THRESHOLD), high)
    return MAX_NODE_SCORE * (total - MIN_THRESHOLD) // (high - MIN_THRESHOLD)


class ImageLocality:
    name = NAME

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        if not any_with_images(nodes):
            return SKIP
        images = image_names(pod)
        state[_STATE] = {
            i: sum(1 for n in nodes if _size(n, i)) / max(1, len(nodes)) for i in images
        }
        return None

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        return locality_score(image_names(pod), node, state.get(_STATE) or {})


def factory(args: dict[str, Any]) -> ImageLocality:
    return ImageLocality()
