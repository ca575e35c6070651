"""Server-side defaulting: the values Kubernetes fills in when a manifest leaves them out.

Clients read back what the server stored (`kubectl get -o yaml`, controllers comparing
templates, the kubelet deciding when to pull), so the stored object must carry the same
defaults a real cluster would add: a Deployment gets `replicas: 1` and a 25% rolling update,
a container gets an `imagePullPolicy`, a Service port gets `protocol: TCP`, a new Pod gets
`status.phase: Pending` and its QoS class.

Defaulting runs before validation and must therefore survive anything a client sends: every
access is guarded, a field of the wrong type is left untouched for validation to report,
and applying the defaults twice changes nothing.

Not done here, because the API server or a controller owns them: `metadata.namespace`,
`metadata.name` from `generateName`, Service `clusterIP`/`nodePort` allocation, the Job
`controller-uid` selector and template labels.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from minik8s.api.kind import ResourceInfo
from minik8s.api.quantity import parse_quantity

__all__ = ["apply_defaults", "pod_qos_class"]

Obj = dict[str, Any]


# --------------------------------------------------------------------------- guarded access


def child(obj: Obj, key: str, *, create: bool = True) -> Obj | None:
    """`obj[key]` when it is an object; created empty when absent and `create` is set.

    Returns None when the field holds something other than an object: that is a
    validation error, not ours to repair.
    """
    value = obj.get(key)
    if value is None:
        if not create:
            return None
        value = obj[key] = {}
    return value if isinstance(value, dict) else None


def dicts_at(obj: Obj, key: str) -> list[Obj]:
    """The object elements of the list `obj[key]` (nothing when it is absent or not a list)."""
    value = obj.get(key)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def set_default(obj: Obj, key: str, value: Any) -> None:
    """Like `dict.setdefault`, but an explicit JSON null also counts as absent."""
    if obj.get(key) is None:
        obj[key] = value


# --------------------------------------------------------------------------- pods


def _image_pull_policy(image: Any) -> str:
    """`Always` for `:latest` or an untagged image, `IfNotPresent` for a tag or a digest."""
    if not isinstance(image, str) or "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]  # a registry host may carry a port: "reg:5000/app"
    if ":" not in last:
        return "Always"
    return "Always" if last.rsplit(":", 1)[1] == "latest" else "IfNotPresent"


def _default_probe(probe: Obj) -> None:
    set_default(probe, "timeoutSeconds", 1)
    set_default(probe, "periodSeconds", 10)
    set_default(probe, "successThreshold", 1)
    set_default(probe, "failureThreshold", 3)
    http_get = child(probe, "httpGet", create=False)
    if http_get is not None:
        set_default(http_get, "scheme", "HTTP")


def _default_lifecycle(container: Obj) -> None:
    lifecycle = child(container, "lifecycle", create=False)
    if lifecycle is None:
        return
    for hook in ("postStart", "preStop"):
        handler = child(lifecycle, hook, create=False)
        http_get = child(handler, "httpGet", create=False) if handler is not None else None
        if http_get is not None:
            set_default(http_get, "scheme", "HTTP")


def _default_container(container: Obj) -> None:
    if container.get("image") is not None:
        set_default(container, "imagePullPolicy", _image_pull_policy(container.get("image")))
    set_default(container, "terminationMessagePath", "/dev/termination-log")
    set_default(container, "terminationMessagePolicy", "File")
    set_default(container, "resources", {})
    for port in dicts_at(container, "ports"):
        set_default(port, "protocol", "TCP")
    for env in dicts_at(container, "env"):
        value_from = child(env, "valueFrom", create=False)
        field_ref = child(value_from, "fieldRef", create=False) if value_from else None
        if field_ref is not None:
            set_default(field_ref, "apiVersion", "v1")
    for probe_key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = child(container, probe_key, create=False)
        if probe is not None:
            _default_probe(probe)
    _default_lifecycle(container)


_VOLUME_MODE_SOURCES = ("configMap", "secret", "downwardAPI", "projected")


def _default_volume(volume: Obj) -> None:
    for source_key in _VOLUME_MODE_SOURCES:
        source = child(volume, source_key, create=False)
        if source is not None:
            set_default(source, "defaultMode", 0o644)
    host_path = child(volume, "hostPath", create=False)
    if host_path is not None:
        set_default(host_path, "type", "")


def _default_pod_spec(spec: Obj, *, restart_policy: str | None = "Always") -> None:
    """PodSpec defaults, shared by Pods and every pod template.

    `restart_policy` is None for Job templates: Kubernetes makes the user choose
    OnFailure or Never there, and validation reports a missing one.
    """
    if restart_policy is not None:
        set_default(spec, "restartPolicy", restart_policy)
    set_default(spec, "dnsPolicy", "ClusterFirst")
    set_default(spec, "schedulerName", "default-scheduler")
    set_default(spec, "terminationGracePeriodSeconds", 30)
    set_default(spec, "securityContext", {})
    set_default(spec, "enableServiceLinks", True)
    for key in ("containers", "initContainers"):
        for container in dicts_at(spec, key):
            _default_container(container)
    for volume in dicts_at(spec, "volumes"):
        _default_volume(volume)


def _default_template(parent: Obj, *, restart_policy: str | None = "Always") -> None:
    """Defaults of `parent.template.spec`; the template itself must already be written."""
    template = child(parent, "template", create=False)
    if template is None:
        return
    spec = child(template, "spec")
    if spec is not None:
        _default_pod_spec(spec, restart_policy=restart_policy)


def _requests_from_limits(spec: Obj) -> None:
    """A container with a limit but no request for a resource requests its limit."""
    for key in ("containers", "initContainers"):
        for container in dicts_at(spec, key):
            resources = child(container, "resources", create=False)
            if resources is None:
                continue
            limits = resources.get("limits")
            if not isinstance(limits, dict) or not limits:
                continue
            requests = child(resources, "requests")
            if requests is None:
                continue
            for name, value in limits.items():
                if name not in requests:
                    requests[name] = copy.deepcopy(value)


_QOS_RESOURCES = ("cpu", "memory")


def _quantity(value: Any) -> Decimal | None:
    try:
        return parse_quantity(value)
    except ValueError:
        return None


def _sum_resources(block: Any, totals: dict[str, Decimal]) -> set[str]:
    """Add the non-zero cpu/memory amounts of `block` to `totals`; the names found."""
    found: set[str] = set()
    if not isinstance(block, dict):
        return found
    for name in _QOS_RESOURCES:
        amount = _quantity(block.get(name)) if name in block else None
        if amount is not None and amount != 0:
            totals[name] = totals.get(name, Decimal(0)) + amount
            found.add(name)
    return found


def pod_qos_class(spec: Any) -> str:
    """Kubernetes' QoS class of a pod spec: BestEffort, Burstable or Guaranteed.

    Guaranteed: every container limits both cpu and memory and requests equal limits.
    BestEffort: no container requests or limits cpu or memory. Burstable: anything else.
    """
    requests: dict[str, Decimal] = {}
    limits: dict[str, Decimal] = {}
    guaranteed = True
    containers: list[Obj] = []
    if isinstance(spec, dict):
        containers = dicts_at(spec, "containers") + dicts_at(spec, "initContainers")
    for container in containers:
        resources = container.get("resources")
        if not isinstance(resources, dict):
            resources = {}
        _sum_resources(resources.get("requests"), requests)
        limited = _sum_resources(resources.get("limits"), limits)
        if limited != set(_QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    same = requests.keys() == limits.keys() and all(requests[n] == limits[n] for n in requests)
    return "Guaranteed" if guaranteed and same else "Burstable"


# --------------------------------------------------------------------------- per kind


def _default_pod(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    _default_pod_spec(spec)
    _requests_from_limits(spec)
    set_default(spec, "priority", 0)
    status = child(obj, "status")
    if status is not None and status.get("phase") is None:
        status["phase"] = "Pending"
        status["qosClass"] = pod_qos_class(spec)


def _default_rolling_update(
    spec: Obj, key: str, default_type: str, rolling: dict[str, Any]
) -> None:
    """`spec[key]` = {type, rollingUpdate}; the rollingUpdate fields only for RollingUpdate."""
    strategy = child(spec, key)
    if strategy is None:
        return
    set_default(strategy, "type", default_type)
    if strategy.get("type") != "RollingUpdate":
        return
    params = child(strategy, "rollingUpdate")
    if params is None:
        return
    for field, value in rolling.items():
        set_default(params, field, value)


def _default_deployment(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    set_default(spec, "replicas", 1)
    _default_rolling_update(
        spec, "strategy", "RollingUpdate", {"maxUnavailable": "25%", "maxSurge": "25%"}
    )
    set_default(spec, "revisionHistoryLimit", 10)
    set_default(spec, "progressDeadlineSeconds", 600)
    _default_template(spec)


def _default_replicaset(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    set_default(spec, "replicas", 1)
    _default_template(spec)


def _default_statefulset(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    set_default(spec, "replicas", 1)
    set_default(spec, "podManagementPolicy", "OrderedReady")
    _default_rolling_update(spec, "updateStrategy", "RollingUpdate", {"partition": 0})
    set_default(spec, "revisionHistoryLimit", 10)
    retention = child(spec, "persistentVolumeClaimRetentionPolicy")
    if retention is not None:
        set_default(retention, "whenDeleted", "Retain")
        set_default(retention, "whenScaled", "Retain")
    _default_template(spec)


def _default_daemonset(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    _default_rolling_update(
        spec, "updateStrategy", "RollingUpdate", {"maxUnavailable": 1, "maxSurge": 0}
    )
    set_default(spec, "revisionHistoryLimit", 10)
    _default_template(spec)


def _default_job_spec(spec: Obj) -> None:
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    set_default(spec, "parallelism", 1)
    set_default(spec, "backoffLimit", 6)
    set_default(spec, "completionMode", "NonIndexed")
    set_default(spec, "suspend", False)
    replacement = "TerminatingOrFailed" if spec.get("podFailurePolicy") is None else "Failed"
    set_default(spec, "podReplacementPolicy", replacement)
    _default_template(spec, restart_policy=None)


def _default_job(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is not None:
        _default_job_spec(spec)


def _default_cronjob(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    set_default(spec, "concurrencyPolicy", "Allow")
    set_default(spec, "suspend", False)
    set_default(spec, "successfulJobsHistoryLimit", 3)
    set_default(spec, "failedJobsHistoryLimit", 1)
    # Kubernetes defaults only the pod template inside the job template; the Job fields
    # (backoffLimit, completions ...) are defaulted when the controller creates the Job.
    job_template = child(spec, "jobTemplate", create=False)
    job_spec = child(job_template, "spec", create=False) if job_template is not None else None
    if job_spec is not None:
        _default_template(job_spec, restart_policy=None)


def _default_secret(obj: Obj) -> None:
    set_default(obj, "type", "Opaque")


def _default_persistent_volume(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is not None:
        set_default(spec, "persistentVolumeReclaimPolicy", "Retain")
        set_default(spec, "volumeMode", "Filesystem")
    status = child(obj, "status")
    if status is not None:
        set_default(status, "phase", "Available")


def _default_persistent_volume_claim(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is not None:
        set_default(spec, "volumeMode", "Filesystem")
    status = child(obj, "status")
    if status is not None:
        set_default(status, "phase", "Pending")


_DEFAULT_HPA_METRIC: Obj = {
    "type": "Resource",
    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
}


def _default_hpa(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    set_default(spec, "minReplicas", 1)
    if spec.get("metrics") is None or spec.get("metrics") == []:
        spec["metrics"] = [copy.deepcopy(_DEFAULT_HPA_METRIC)]


def _default_priority_class(obj: Obj) -> None:
    obj.setdefault("preemptionPolicy", "PreemptLowerPriority")


def apply_defaults(info: ResourceInfo, obj: dict[str, Any]) -> None:
    """Fill Kubernetes' defaults into `obj` in place. Idempotent; never raises."""
    if not isinstance(obj, dict):
        return
    info.strategy.default(obj)
