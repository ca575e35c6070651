"""Pod (core/v1): its declaration."""

from __future__ import annotations

from typing import Any

from minik8s.api import defaults, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    CORE,
    OBJECT_META,
    QUANTITY_MAP,
    STRING_MAP,
    STRINGS,
    TIME,
    Array,
    Field,
    KindSchema,
    Ref,
    Struct,
    condition,
    keyed,
    merged_by_type,
)

DEFINITIONS = {
    CORE + "PodTemplateSpec": Struct({"metadata": OBJECT_META, "spec": Ref(CORE + "PodSpec")}),
    CORE + "PodSpec": Struct(
        {
            "containers": keyed(CORE + "Container", "name"),
            "initContainers": keyed(CORE + "Container", "name"),
            "ephemeralContainers": keyed(CORE + "Container", "name"),
            "volumes": keyed(CORE + "Volume", "name", "merge,retainKeys"),
            "imagePullSecrets": keyed(CORE + "LocalObjectReference", "name"),
            "hostAliases": keyed(CORE + "HostAlias", "ip"),
            "topologySpreadConstraints": keyed(
                "object", "topologyKey", "merge", "topologyKey", "whenUnsatisfiable"
            ),
            "tolerations": Array("object", list_type="atomic"),
            "readinessGates": Array("object", list_type="atomic"),
            "nodeSelector": STRING_MAP,
            "nodeName": "string",
            "serviceAccountName": "string",
            "serviceAccount": "string",
            "automountServiceAccountToken": "boolean",
            "restartPolicy": "string",
            "terminationGracePeriodSeconds": "integer",
            "activeDeadlineSeconds": "integer",
            "dnsPolicy": "string",
            "hostNetwork": "boolean",
            "hostname": "string",
            "subdomain": "string",
            "schedulerName": "string",
            "priorityClassName": "string",
            "priority": "integer",
            "affinity": "object",
            "securityContext": "object",
            "resourceClaims": keyed("object", "name", "merge,retainKeys"),
            "schedulingGates": keyed("object", "name"),
        }
    ),
    CORE + "Container": Struct(
        {
            "name": "string",
            "image": "string",
            "imagePullPolicy": "string",
            "command": Array("string", list_type="atomic"),
            "args": Array("string", list_type="atomic"),
            "workingDir": "string",
            "ports": keyed(
                CORE + "ContainerPort", "containerPort", "merge", "containerPort", "protocol"
            ),
            "env": keyed(CORE + "EnvVar", "name"),
            "envFrom": Array("object", list_type="atomic"),
            "resources": Ref(CORE + "ResourceRequirements"),
            "volumeMounts": keyed(CORE + "VolumeMount", "mountPath"),
            "volumeDevices": keyed("object", "devicePath"),
            "livenessProbe": "object",
            "readinessProbe": "object",
            "startupProbe": "object",
            "lifecycle": "object",
            "securityContext": "object",
            "restartPolicy": "string",
            "stdin": "boolean",
            "tty": "boolean",
            "resizePolicy": Array("object", list_type="atomic"),
        }
    ),
    CORE + "ContainerPort": Struct(
        {
            "name": "string",
            "containerPort": "integer",
            "hostPort": "integer",
            "hostIP": "string",
            "protocol": "string",
        }
    ),
    CORE + "EnvVar": Struct({"name": "string", "value": "string", "valueFrom": "object"}),
    CORE + "VolumeMount": Struct(
        {
            "name": "string",
            "mountPath": "string",
            "subPath": "string",
            "readOnly": "boolean",
        }
    ),
    CORE + "Volume": Struct({"name": "string"}),
    CORE + "LocalObjectReference": Struct({"name": "string"}),
    CORE + "HostAlias": Struct({"ip": "string", "hostnames": STRINGS}),
    CORE + "ResourceRequirements": Struct({"limits": QUANTITY_MAP, "requests": QUANTITY_MAP}),
    CORE + "PodStatus": Struct(
        {
            "phase": "string",
            "conditions": merged_by_type(CORE + "PodCondition"),
            "message": "string",
            "reason": "string",
            "nominatedNodeName": "string",
            "hostIP": "string",
            "podIP": "string",
            "podIPs": keyed(CORE + "PodIP", "ip"),
            "hostIPs": keyed("object", "ip"),
            "resourceClaimStatuses": keyed("object", "name", "merge,retainKeys"),
            "startTime": TIME,
            "initContainerStatuses": Array("object", list_type="atomic"),
            "containerStatuses": Array("object", list_type="atomic"),
            "qosClass": "string",
        }
    ),
    CORE + "PodCondition": condition(("lastProbeTime", "lastTransitionTime")),
    CORE + "PodIP": Struct({"ip": "string"}),
    CORE + "Binding": Struct(
        {
            "apiVersion": "string",
            "kind": "string",
            "metadata": OBJECT_META,
            "target": Ref(CORE + "ObjectReference"),
        }
    ),
    CORE + "ObjectReference": Struct(
        {
            "apiVersion": "string",
            "kind": "string",
            "namespace": "string",
            "name": "string",
            "uid": "string",
            "resourceVersion": "string",
            "fieldPath": "string",
        }
    ),
}


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
                "Specification of the desired behavior of the pod.",
            ),
            "status": Field(
                Ref(CORE + "PodStatus"),
                "Most recently observed status of the pod. Populated by the system.",
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
