"""NodeMetrics and PodMetrics (metrics.k8s.io/v1beta1): resource usage from the kubelets.

Read-only and never stored: the API server asks the kubelets' `/stats/summary` on every
request (`apiserver/metricsapi.py`); `kubectl top` reads these.
"""

from __future__ import annotations

from minik8s.api.kind import READ_VERBS, ResourceInfo
from minik8s.api.schema import QUANTITY_MAP, Array, Field, KindSchema, Ref, Struct

GROUP = "metrics.k8s.io"
VERSION = "v1beta1"
_PREFIX = "io.k8s.metrics.pkg.apis.metrics.v1beta1."

_USAGE = Field(QUANTITY_MAP, "The memory and CPU usage.")
_WINDOW = Field("string", "The time window over which the usage was measured, e.g. 10s.")
_TIMESTAMP = Field("string", "The end of the window over which the usage was measured.")

NODE_METRICS = ResourceInfo(
    GROUP,
    VERSION,
    "NodeMetrics",
    "nodes",
    "",
    False,
    verbs=READ_VERBS,
    schema=KindSchema(
        "NodeMetrics sets resource usage metrics of a node.",
        {"timestamp": _TIMESTAMP, "window": _WINDOW, "usage": _USAGE},
    ),
    stored=False,
)
POD_METRICS = ResourceInfo(
    GROUP,
    VERSION,
    "PodMetrics",
    "pods",
    "",
    True,
    verbs=READ_VERBS,
    schema=KindSchema(
        "PodMetrics sets resource usage metrics of a pod.",
        {
            "timestamp": _TIMESTAMP,
            "window": _WINDOW,
            "containers": Field(
                Array(Ref(_PREFIX + "ContainerMetrics")),
                "Metrics for all containers are collected within the same time window.",
            ),
        },
        {
            _PREFIX + "ContainerMetrics": Struct(
                {"name": Field("string", "Name of the container."), "usage": _USAGE},
                "The resource usage of one container.",
            )
        },
    ),
    stored=False,
)
