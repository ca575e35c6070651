"""Pod (core/v1): its declaration."""

from __future__ import annotations

from typing import Any

from minik8s.api import defaults, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import CORE, Field, KindSchema, Ref

from .podschema import DEFINITIONS

# ---------------------------------------------------------------- pod templates
# What every kind with a pod template (workloads, jobs) shares with the Pod itself.


def validate_template(
    value: Any,
    path: str,
    errs: Errs,
    *,
    restart: list[str],
    restart_required: bool = False,
) -> Obj | None:
    """A PodTemplateSpec at `path`; returns its labels when they are a well-formed map."""
    return validation._validate_template(
        value, path, errs, restart=restart, restart_required=restart_required
    )


def check_template_matches(selector: Obj | None, labels: Obj | None, path: str, errs: Errs) -> None:
    """The `selector` must select the template's `labels`."""
    validation._check_template_matches(selector, labels, path, errs)


def default_template(parent: Obj, *, restart_policy: str | None = "Always") -> None:
    """Kubernetes' defaults for `parent["template"]` (a PodTemplateSpec), in place."""
    defaults._default_template(parent, restart_policy=restart_policy)


class PodStrategy(Strategy):
    reset_status_on_create = True

    def default(self, obj: Obj) -> None:
        defaults._default_pod(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_pod(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validation._validate_pod_update(new, old, errs)

    def grace_period(self, obj: Obj, requested: int | None) -> int:
        """0 means delete now: a pod not yet on a node, or already finished, has no kubelet
        to wait for."""
        spec = obj.get("spec") or {}
        if not spec.get("nodeName"):
            return 0
        if (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return 0
        if requested is not None:
            return max(0, requested)
        grace = spec.get("terminationGracePeriodSeconds")
        return grace if isinstance(grace, int) and grace >= 0 else 30


POD = ResourceInfo(
    "",
    "v1",
    "Pod",
    "pods",
    "pod",
    True,
    ("po",),
    ("status", "binding", "log", "eviction", "exec"),
    ("all",),
    schema=KindSchema(
        (
            "Pod is a collection of containers that can run on a host. This resource is created by "
            "clients and scheduled onto hosts."
        ),
        {
            "spec": Field(
                Ref(CORE + "PodSpec"),
                "What the pod should run: its containers, volumes, scheduling constraints and "
                "security settings. Most of it cannot change once the pod exists.",
            ),
            "status": Field(
                Ref(CORE + "PodStatus"),
                "What was last observed of the pod: its phase, conditions, IPs and the state of "
                "each container. Written by the scheduler and the kubelet, read-only for users.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(tuple(printing._POD_COLUMNS), printing._pod_row, printing._pod_conditions),
    selectable={
        "spec.nodeName": ("spec.nodeName", ""),
        "spec.restartPolicy": ("spec.restartPolicy", ""),
        "spec.schedulerName": ("spec.schedulerName", ""),
        "spec.serviceAccountName": ("spec.serviceAccountName", ""),
        "spec.hostNetwork": ("spec.hostNetwork", "false"),
        "status.phase": ("status.phase", ""),
        "status.podIP": ("status.podIP", ""),
        "status.nominatedNodeName": ("status.nominatedNodeName", ""),
    },
    strategy=PodStrategy(),
)
