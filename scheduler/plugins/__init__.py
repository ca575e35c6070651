"""The in-tree plugins, one module each, and the default profile's plugin sets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import (
    balanced_allocation,
    image_locality,
    inter_pod_affinity,
    node_affinity,
    node_name,
    node_ports,
    node_ready,
    node_resources_fit,
    node_unschedulable,
    pod_topology_spread,
    taint_toleration,
)

Factory = Callable[[dict[str, Any]], Any]

REGISTRY: dict[str, Factory] = {
    node_unschedulable.NAME: node_unschedulable.factory,
    node_name.NAME: node_name.factory,
    node_ready.NAME: node_ready.factory,
    taint_toleration.NAME: taint_toleration.factory,
    node_affinity.NAME: node_affinity.factory,
    node_ports.NAME: node_ports.factory,
    node_resources_fit.NAME: node_resources_fit.factory,
    pod_topology_spread.NAME: pod_topology_spread.factory,
    inter_pod_affinity.NAME: inter_pod_affinity.factory,
    balanced_allocation.NAME: balanced_allocation.factory,
    image_locality.NAME: image_locality.factory,
}

# Filter order: cheap, unresolvable checks first (a node that fails one is out whatever
# else holds), then resources, then the checks that look at other pods (the costliest).
DEFAULT_FILTERS = [
    node_unschedulable.NAME,
    node_name.NAME,
    node_ready.NAME,
    taint_toleration.NAME,
    node_affinity.NAME,
    node_ports.NAME,
    node_resources_fit.NAME,
    pod_topology_spread.NAME,
    inter_pod_affinity.NAME,
]

# Score plugins and weights (kube-scheduler's defaults).
DEFAULT_SCORES: list[tuple[str, int]] = [
    (taint_toleration.NAME, 3),
    (node_affinity.NAME, 2),
    (node_resources_fit.NAME, 1),
    (pod_topology_spread.NAME, 2),
    (inter_pod_affinity.NAME, 2),
    (balanced_allocation.NAME, 1),
    (image_locality.NAME, 1),
]

DEFAULT_PREEMPTION = "DefaultPreemption"
