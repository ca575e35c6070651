"""What `kubectl get` prints for each built-in kind: columns and cells.

The columns and cells are kube-apiserver's (`pkg/printers/internalversion/printers.go`), so
users see the `kubectl get` they know. Everything here is a pure function of an object and
a clock. Stored objects can be partial or odd (a pod before the kubelet reported anything, a
hand-written status); every accessor tolerates missing fields and wrong types rather than
fail a whole `kubectl get`. Where kube-apiserver relies on a default it always applies
(`spec.replicas` = 1, a Service's `type` = ClusterIP, a port's protocol = TCP, ...), a
missing field prints as that default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from minik8s.api.kind import Cells, Column, Printer

Obj = dict[str, Any]

# --------------------------------------------------------------------------- durations


def human_duration(delta: timedelta) -> str:
    """Kubernetes' `duration.HumanDuration`: about two significant figures of a duration.

    Up to two seconds in the future counts as "now" (clocks differ between machines); more
    than that is `<invalid>`.
    """
    seconds = int(delta.total_seconds())  # truncates toward zero, like Go's int()
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        days, rest = divmod(hours, 24)
        return f"{days}d{rest}h" if rest else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = hours // 24
        years, rest = divmod(days, 365)
        return f"{years}y{rest}d" if rest else f"{years}y"
    return f"{hours // 24 // 365}y"


# --------------------------------------------------------------------------- safe access


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in as_list(value) if isinstance(item, dict)]


def text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def integer(value: Any, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return default
    return default


def at(obj: Any, *path: str) -> Any:
    """`obj[path[0]][path[1]]...`, or None as soon as a step is missing or not a dict."""
    current = obj
    for key in path:
        if not isinstance(current, dict):
            return None
        current = current.get(key)
    return current


def name_of(obj: Obj) -> str:
    return text(at(obj, "metadata", "name"))


_FRACTION = re.compile(r"\.(\d+)")


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (`Time` or `MicroTime`) as an aware datetime; None if unusable."""
    if not isinstance(value, str) or not value:
        return None
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), value, count=1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def since(value: Any, now: datetime) -> str:
    moment = parse_time(value)
    if moment is None:
        return "<unknown>"
    return human_duration(aware(now) - moment)


def age(obj: Obj, now: datetime) -> str:
    return since(at(obj, "metadata", "creationTimestamp"), now)


# --------------------------------------------------------------------------- shared formats


def format_labels(labels: Any) -> str:
    """`labels.FormatLabels`: `a=b,c=d` sorted by key, `<none>` when empty."""
    pairs = sorted(f"{k}={text(v)}" for k, v in as_dict(labels).items())
    return ",".join(pairs) if pairs else "<none>"


def selector_string(selector: Any) -> str:
    """A LabelSelector as `labels.Selector.String()`: requirements sorted by key."""
    requirements: list[tuple[str, str]] = []
    for key, value in as_dict(as_dict(selector).get("matchLabels")).items():
        requirements.append((key, f"{key}={text(value)}"))
    for expr in dicts(as_dict(selector).get("matchExpressions")):
        key = text(expr.get("key"))
        values = ",".join(sorted(text(v) for v in as_list(expr.get("values"))))
        operator = text(expr.get("operator"))
        rendered = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }.get(operator, f"{key} {operator} ({values})")
        requirements.append((key, rendered))
    requirements.sort(key=lambda r: r[0])
    return ",".join(text for _, text in requirements)


def format_selector(selector: Any) -> str:
    """`metav1.FormatLabelSelector`: the selector string, `<none>` when it selects all."""
    return selector_string(selector) or "<none>"


def containers_and_images(pod_spec: Any) -> tuple[str, str]:
    containers = dicts(as_dict(pod_spec).get("containers"))
    names = ",".join(text(c.get("name")) for c in containers)
    images = ",".join(text(c.get("image")) for c in containers)
    return names, images


def template_spec(obj: Obj) -> Any:
    return at(obj, "spec", "template", "spec")


def with_more(items: list[str], total: int, limit: int, separator: str = ",") -> str:
    text = separator.join(items[:limit])
    if total > limit:
        return f"{text} + {total - limit} more..."
    return text


def bool_text(value: Any) -> str:
    if value is None:
        return "False"  # the API server defaults booleans such as `suspend` to false
    return "True" if value is True else "False"


# --------------------------------------------------------------------------- columns


def column(
    name: str, description: str, *, type_: str = "string", priority: int = 0, fmt: str = ""
) -> Column:
    return Column(name, description, type_, fmt, priority)


NAME = column(
    "Name",
    "Name must be unique within a namespace. Cannot be updated.",
    fmt="name",
)
AGE = column(
    "Age",
    "CreationTimestamp is the time the server created this object, shown as its age.",
)
CONTAINERS = column("Containers", "Names of each container in the template.", priority=1)
IMAGES = column("Images", "Images referenced by each container in the template.", priority=1)


def selector_column(what: str) -> Column:
    return column("Selector", f"Label query over the {what} this object selects.", priority=1)


# --------------------------------------------------------------------------- pods


def _is_restartable_init(container: Any) -> bool:
    return as_dict(container).get("restartPolicy") == "Always"


def condition_true(conditions: Any, type_: str) -> bool:
    for condition in dicts(conditions):
        if condition.get("type") == type_:
            return condition.get("status") == "True"
    return False


def _terminated_reason(terminated: dict[str, Any], prefix: str) -> str:
    reason = text(terminated.get("reason"))
    if reason:
        return prefix + reason
    signal = integer(terminated.get("signal"))
    if signal:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{integer(terminated.get('exitCode'))}"


def _last_termination(status: dict[str, Any]) -> datetime | None:
    finished = at(status, "lastState", "terminated", "finishedAt")
    return parse_time(finished) if at(status, "lastState", "terminated") is not None else None


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


@dataclass
class _PodSummary:
    """What the READY, STATUS and RESTARTS columns of a pod show."""

    reason: str
    ready: int
    total: int
    restarts: int
    last_restart: datetime | None


def _summarize_init(pod: Obj, summary: _PodSummary) -> tuple[bool, int, datetime | None]:
    """Walk init containers; returns (initializing, sidecar restarts, last sidecar restart)."""
    spec, status = as_dict(pod.get("spec")), as_dict(pod.get("status"))
    init_specs = {text(c.get("name")): c for c in dicts(spec.get("initContainers"))}
    init_statuses = dicts(status.get("initContainerStatuses"))
    total_inits = len(as_list(spec.get("initContainers")))
    sidecar_restarts, sidecar_last = 0, None
    for index, container in enumerate(init_statuses):
        count = integer(container.get("restartCount"))
        summary.restarts += count
        summary.last_restart = _later(summary.last_restart, _last_termination(container))
        sidecar = _is_restartable_init(init_specs.get(text(container.get("name"))))
        if sidecar:
            sidecar_restarts += count
            sidecar_last = _later(sidecar_last, _last_termination(container))
        state = as_dict(container.get("state"))
        terminated = state.get("terminated")
        waiting_reason = text(as_dict(state.get("waiting")).get("reason"))
        if isinstance(terminated, dict) and integer(terminated.get("exitCode")) == 0:
            continue
        if sidecar and container.get("started") is True:
            summary.ready += 1 if container.get("ready") is True else 0
            continue
        if isinstance(terminated, dict):
            summary.reason = _terminated_reason(terminated, "Init:")
        elif waiting_reason and waiting_reason != "PodInitializing":
            summary.reason = "Init:" + waiting_reason
        else:
            summary.reason = f"Init:{index}/{total_inits}"
        return True, sidecar_restarts, sidecar_last
    return False, sidecar_restarts, sidecar_last


def _summarize_containers(pod: Obj, summary: _PodSummary) -> None:
    status = as_dict(pod.get("status"))
    has_running = False
    for container in reversed(dicts(status.get("containerStatuses"))):
        summary.restarts += integer(container.get("restartCount"))
        summary.last_restart = _later(summary.last_restart, _last_termination(container))
        state = as_dict(container.get("state"))
        waiting_reason = text(as_dict(state.get("waiting")).get("reason"))
        terminated = state.get("terminated")
        if waiting_reason:
            summary.reason = waiting_reason
        elif isinstance(terminated, dict):
            summary.reason = _terminated_reason(terminated, "")
        elif container.get("ready") is True and isinstance(state.get("running"), dict):
            has_running = True
            summary.ready += 1
    if summary.reason == "Completed" and has_running:
        ready = condition_true(status.get("conditions"), "Ready")
        summary.reason = "Running" if ready else "NotReady"


def _summarize_pod(pod: Obj) -> _PodSummary:
    spec, status = as_dict(pod.get("spec")), as_dict(pod.get("status"))
    phase = text(status.get("phase")) or "Pending"
    total = len(as_list(spec.get("containers"))) + sum(
        1 for c in as_list(spec.get("initContainers")) if _is_restartable_init(c)
    )
    summary = _PodSummary(text(status.get("reason")) or phase, 0, total, 0, None)
    for condition in dicts(status.get("conditions")):
        if condition.get("type") == "PodScheduled" and condition.get("reason") == (
            "SchedulingGated"
        ):
            summary.reason = "SchedulingGated"
    initializing, sidecar_restarts, sidecar_last = _summarize_init(pod, summary)
    if not initializing or condition_true(status.get("conditions"), "Initialized"):
        summary.restarts, summary.last_restart = sidecar_restarts, sidecar_last
        _summarize_containers(pod, summary)
    deleting = at(pod, "metadata", "deletionTimestamp") is not None
    if deleting and status.get("reason") == "NodeLost":
        summary.reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        summary.reason = "Terminating"
    return summary


def _pod_ip(status: dict[str, Any]) -> str:
    ips = dicts(status.get("podIPs"))
    ip = text(ips[0].get("ip")) if ips else text(status.get("podIP"))
    return ip or "<none>"


def _readiness_gates(spec: dict[str, Any], status: dict[str, Any]) -> str:
    gates = dicts(spec.get("readinessGates"))
    if not gates:
        return "<none>"
    passed = sum(
        1
        for gate in gates
        if condition_true(status.get("conditions"), text(gate.get("conditionType")))
    )
    return f"{passed}/{len(gates)}"


def _pod_row(pod: Obj, now: datetime) -> Cells:
    spec, status = as_dict(pod.get("spec")), as_dict(pod.get("status"))
    summary = _summarize_pod(pod)
    restarts = str(summary.restarts)
    if summary.restarts and summary.last_restart is not None:
        restarts += f" ({human_duration(aware(now) - summary.last_restart)} ago)"
    return [
        name_of(pod),
        f"{summary.ready}/{summary.total}",
        summary.reason,
        restarts,
        age(pod, now),
        _pod_ip(status),
        text(spec.get("nodeName")) or "<none>",
        text(status.get("nominatedNodeName")) or "<none>",
        _readiness_gates(spec, status),
    ]


def _pod_conditions(pod: Obj) -> list[dict[str, Any]]:
    """Row conditions kube-apiserver attaches to finished pods (`Completed`)."""
    phase = at(pod, "status", "phase")
    if phase == "Succeeded":
        message = "The pod has completed successfully."
    elif phase == "Failed":
        message = "The pod failed."
    else:
        return []
    return [{"type": "Completed", "status": "True", "reason": phase, "message": message}]


_POD_COLUMNS = [
    NAME,
    column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "The aggregate status of the containers in this pod."),
    column(
        "Restarts",
        "The number of times the containers in this pod have been restarted and when the "
        "last container in this pod has restarted.",
    ),
    AGE,
    column("IP", "The IP address allocated to the pod.", priority=1),
    column("Node", "The node the pod is bound to.", priority=1),
    column("Nominated Node", "The node the scheduler nominated for preemption.", priority=1),
    column("Readiness Gates", "Readiness gates that are true, of all declared.", priority=1),
]

# --------------------------------------------------------------------------- workloads


def replicas_of(obj: Obj) -> int:
    """`spec.replicas`, which the API server defaults to 1 when it is absent."""
    return integer(at(obj, "spec", "replicas"), 1)


def _deployment_row(obj: Obj, now: datetime) -> Cells:
    status = as_dict(obj.get("status"))
    names, images = containers_and_images(template_spec(obj))
    return [
        name_of(obj),
        f"{integer(status.get('readyReplicas'))}/{replicas_of(obj)}",
        integer(status.get("updatedReplicas")),
        integer(status.get("availableReplicas")),
        age(obj, now),
        names,
        images,
        selector_string(at(obj, "spec", "selector")),
    ]


_DEPLOYMENT_COLUMNS = [
    NAME,
    column("Ready", "Number of the pod with ready state"),
    column("Up-to-date", "Total number of non-terminated pods that have the desired template."),
    column("Available", "Total number of available pods (ready for at least minReadySeconds)."),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("pods"),
]


def _replicaset_row(obj: Obj, now: datetime) -> Cells:
    status = as_dict(obj.get("status"))
    names, images = containers_and_images(template_spec(obj))
    return [
        name_of(obj),
        replicas_of(obj),
        integer(status.get("replicas")),
        integer(status.get("readyReplicas")),
        age(obj, now),
        names,
        images,
        format_selector(at(obj, "spec", "selector")),
    ]


_REPLICASET_COLUMNS = [
    NAME,
    column("Desired", "Number of desired pods.", type_="integer"),
    column("Current", "The most recently observed number of replicas.", type_="integer"),
    column("Ready", "The number of pods with a Ready condition.", type_="integer"),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("pods"),
]


def _daemonset_row(obj: Obj, now: datetime) -> Cells:
    status = as_dict(obj.get("status"))
    names, images = containers_and_images(template_spec(obj))
    return [
        name_of(obj),
        integer(status.get("desiredNumberScheduled")),
        integer(status.get("currentNumberScheduled")),
        integer(status.get("numberReady")),
        integer(status.get("updatedNumberScheduled")),
        integer(status.get("numberAvailable")),
        format_labels(as_dict(template_spec(obj)).get("nodeSelector")),
        age(obj, now),
        names,
        images,
        format_selector(at(obj, "spec", "selector")),
    ]


_DAEMONSET_COLUMNS = [
    NAME,
    column("Desired", "The number of nodes that should run the daemon pod.", type_="integer"),
    column("Current", "The number of nodes running at least one daemon pod.", type_="integer"),
    column("Ready", "The number of nodes whose daemon pod is ready.", type_="integer"),
    column("Up-to-date", "The number of nodes running the updated pod.", type_="integer"),
    column("Available", "The number of nodes whose daemon pod is available.", type_="integer"),
    column("Node Selector", "The node selector of the pod template."),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("pods"),
]


def _statefulset_row(obj: Obj, now: datetime) -> Cells:
    names, images = containers_and_images(template_spec(obj))
    ready = integer(at(obj, "status", "readyReplicas"))
    return [name_of(obj), f"{ready}/{replicas_of(obj)}", age(obj, now), names, images]


_STATEFULSET_COLUMNS = [
    NAME,
    column("Ready", "Number of the pod with ready state"),
    AGE,
    CONTAINERS,
    IMAGES,
]


def _job_status(obj: Obj) -> str:
    conditions = at(obj, "status", "conditions")
    if condition_true(conditions, "Complete"):
        return "Complete"
    if condition_true(conditions, "Failed"):
        return "Failed"
    if at(obj, "metadata", "deletionTimestamp") is not None:
        return "Terminating"
    if condition_true(conditions, "Suspended"):
        return "Suspended"
    if condition_true(conditions, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def _job_completions(obj: Obj) -> str:
    succeeded = integer(at(obj, "status", "succeeded"))
    completions = at(obj, "spec", "completions")
    if completions is not None:
        return f"{succeeded}/{integer(completions)}"
    parallelism = integer(at(obj, "spec", "parallelism"))
    if parallelism > 1:
        return f"{succeeded}/1 of {parallelism}"
    return f"{succeeded}/1"


def _job_duration(obj: Obj, now: datetime) -> str:
    start = parse_time(at(obj, "status", "startTime"))
    if start is None:
        return ""
    end = parse_time(at(obj, "status", "completionTime"))
    return human_duration((end if end is not None else aware(now)) - start)


def _job_row(obj: Obj, now: datetime) -> Cells:
    names, images = containers_and_images(template_spec(obj))
    return [
        name_of(obj),
        _job_status(obj),
        _job_completions(obj),
        _job_duration(obj, now),
        age(obj, now),
        names,
        images,
        format_selector(at(obj, "spec", "selector")),
    ]


_JOB_COLUMNS = [
    NAME,
    column("Status", "Status of the job."),
    column("Completions", "The number of pods which reached phase Succeeded."),
    column("Duration", "Time required to complete the job."),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("pods"),
]


def _cronjob_row(obj: Obj, now: datetime) -> Cells:
    spec, status = as_dict(obj.get("spec")), as_dict(obj.get("status"))
    job_spec = at(spec, "jobTemplate", "spec")
    names, images = containers_and_images(at(job_spec, "template", "spec"))
    last = status.get("lastScheduleTime")
    return [
        name_of(obj),
        text(spec.get("schedule")),
        text(spec.get("timeZone")) or "<none>",
        bool_text(spec.get("suspend")),
        len(as_list(status.get("active"))),
        since(last, now) if last is not None else "<none>",
        age(obj, now),
        names,
        images,
        format_selector(as_dict(job_spec).get("selector")),
    ]


_CRONJOB_COLUMNS = [
    NAME,
    column("Schedule", "The schedule in Cron format."),
    column("Timezone", "The time zone name for the given schedule."),
    column("Suspend", "Whether subsequent executions are suspended.", type_="boolean"),
    column("Active", "The number of currently running jobs.", type_="integer"),
    column("Last Schedule", "When the job was last successfully scheduled."),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("pods"),
]

# --------------------------------------------------------------------------- config & misc


def _configmap_row(obj: Obj, now: datetime) -> Cells:
    count = len(as_dict(obj.get("data"))) + len(as_dict(obj.get("binaryData")))
    return [name_of(obj), count, age(obj, now)]


_CONFIGMAP_COLUMNS = [NAME, column("Data", "Number of data entries.", type_="integer"), AGE]


def _secret_row(obj: Obj, now: datetime) -> Cells:
    secret_type = text(obj.get("type")) or "Opaque"
    return [name_of(obj), secret_type, len(as_dict(obj.get("data"))), age(obj, now)]


_SECRET_COLUMNS = [
    NAME,
    column("Type", "Used to facilitate programmatic handling of secret data."),
    column("Data", "Number of data entries.", type_="integer"),
    AGE,
]


def _serviceaccount_row(obj: Obj, now: datetime) -> Cells:
    return [name_of(obj), len(as_list(obj.get("secrets"))), age(obj, now)]


_SERVICEACCOUNT_COLUMNS = [
    NAME,
    column("Secrets", "Number of secrets pods of this service account may use.", type_="integer"),
    AGE,
]


def _controllerrevision_row(obj: Obj, now: datetime) -> Cells:
    refs = at(obj, "metadata", "ownerReferences")
    owners = [r for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []
    owner = next((r for r in owners if r.get("controller")), None)
    controller = "<none>"
    if owner is not None:
        group = str(owner.get("apiVersion") or "").rpartition("/")[0]
        kind = str(owner.get("kind") or "").lower()
        controller = f"{kind}.{group}" if group else kind
        controller += f"/{owner.get('name', '')}"
    return [name_of(obj), controller, obj.get("revision", 0), age(obj, now)]


_CONTROLLERREVISION_COLUMNS = [
    NAME,
    column("Controller", "The object that owns this revision."),
    column("Revision", "The revision number.", type_="integer"),
    AGE,
]


def _lease_row(obj: Obj, now: datetime) -> Cells:
    return [name_of(obj), text(at(obj, "spec", "holderIdentity")), age(obj, now)]


_LEASE_COLUMNS = [NAME, column("Holder", "The identity of the current lease holder."), AGE]


def _priorityclass_row(obj: Obj, now: datetime) -> Cells:
    default = obj.get("globalDefault") is True
    return [
        name_of(obj),
        obj.get("value", 0),
        str(default).lower(),
        age(obj, now),
        text(obj.get("preemptionPolicy")),
    ]


_PRIORITYCLASS_COLUMNS = [
    NAME,
    column("Value", "The priority of pods of this class.", type_="integer"),
    column("Global-Default", "Whether pods without a class get this one."),
    AGE,
    column("PreemptionPolicy", "Whether pods of this class may preempt others."),
]

_ACCESS_MODE_SHORT = {
    "ReadWriteOnce": "RWO",
    "ReadOnlyMany": "ROX",
    "ReadWriteMany": "RWX",
    "ReadWriteOncePod": "RWOP",
}


def _access_modes(modes: Any) -> str:
    return ",".join(_ACCESS_MODE_SHORT.get(text(m), text(m)) for m in as_list(modes))


def _persistentvolume_row(obj: Obj, now: datetime) -> Cells:
    spec = as_dict(obj.get("spec"))
    claim = as_dict(spec.get("claimRef"))
    claim_text = f"{text(claim.get('namespace'))}/{text(claim.get('name'))}" if claim else ""
    return [
        name_of(obj),
        text(at(spec, "capacity", "storage")),
        _access_modes(spec.get("accessModes")),
        text(spec.get("persistentVolumeReclaimPolicy")),
        text(at(obj, "status", "phase")),
        claim_text,
        text(spec.get("storageClassName")),
        age(obj, now),
    ]


_PERSISTENTVOLUME_COLUMNS = [
    NAME,
    column("Capacity", "The storage capacity of the volume."),
    column("Access Modes", "All ways the volume can be mounted."),
    column("Reclaim Policy", "What happens to the volume when released from its claim."),
    column("Status", "The phase of the volume."),
    column("Claim", "The claim bound to the volume, as namespace/name."),
    column("StorageClass", "The name of the StorageClass the volume belongs to."),
    AGE,
]


def _persistentvolumeclaim_row(obj: Obj, now: datetime) -> Cells:
    spec, status = as_dict(obj.get("spec")), as_dict(obj.get("status"))
    return [  # capacity and access modes are the bound volume's, as the binder records them
        name_of(obj),
        text(status.get("phase")),
        text(spec.get("volumeName")),
        text(at(status, "capacity", "storage")),
        _access_modes(status.get("accessModes")),
        text(spec.get("storageClassName")),
        age(obj, now),
    ]


_PERSISTENTVOLUMECLAIM_COLUMNS = [
    NAME,
    column("Status", "The phase of the claim."),
    column("Volume", "The name of the PersistentVolume bound to the claim."),
    column("Capacity", "The storage capacity of the claim."),
    column("Access Modes", "All ways the volume can be mounted."),
    column("StorageClass", "The name of the StorageClass the claim asks for."),
    AGE,
]

# --------------------------------------------------------------------------- autoscaling


def _current(statuses: list[Any], index: int, source: str) -> dict[str, Any] | None:
    if index < len(statuses) and isinstance(statuses[index], dict):
        block = statuses[index].get(source)
        if isinstance(block, dict):
            return as_dict(block.get("current"))
    return None


def _percent(value: Any) -> str:
    return f"{integer(value)}%"


def _hpa_metric(spec: dict[str, Any], statuses: list[Any], index: int) -> str:
    """One entry of the TARGETS column, `formatHPAMetrics` style."""
    metric_type = text(spec.get("type"))
    source = {
        "Resource": "resource",
        "ContainerResource": "containerResource",
        "Pods": "pods",
        "Object": "object",
        "External": "external",
    }.get(metric_type)
    if source is None:
        return "<unknown type>"
    block = as_dict(spec.get(source))
    target = as_dict(block.get("target"))
    current = _current(statuses, index, source)
    unknown = "<unknown>"
    if source == "pods":
        value = text(as_dict(current).get("averageValue")) if current is not None else unknown
        return f"{value or unknown}/{text(target.get('averageValue'))}"
    if source in ("object", "external"):
        if target.get("averageValue") is not None:
            value = text(as_dict(current).get("averageValue")) if current is not None else ""
            return f"{value or unknown}/{text(target.get('averageValue'))} (avg)"
        value = text(as_dict(current).get("value")) if current is not None else ""
        return f"{value or unknown}/{text(target.get('value'))}"
    resource_name = text(block.get("name"))
    if target.get("averageValue") is not None:
        value = text(as_dict(current).get("averageValue")) if current is not None else ""
        return f"{resource_name}: {value or unknown}/{text(target.get('averageValue'))}"
    utilization = as_dict(current).get("averageUtilization") if current is not None else None
    value = _percent(utilization) if utilization is not None else unknown
    goal = target.get("averageUtilization")
    return f"{resource_name}: {value}/{_percent(goal) if goal is not None else '<auto>'}"


def _hpa_targets(obj: Obj) -> str:
    specs = dicts(at(obj, "spec", "metrics"))
    if not specs:
        return "<none>"
    statuses = as_list(at(obj, "status", "currentMetrics"))
    shown = [_hpa_metric(spec, statuses, i) for i, spec in enumerate(specs)]
    return with_more(shown, len(shown), 2, separator=", ")


def _hpa_row(obj: Obj, now: datetime) -> Cells:
    spec = as_dict(obj.get("spec"))
    target = as_dict(spec.get("scaleTargetRef"))
    min_replicas = spec.get("minReplicas")
    return [
        name_of(obj),
        f"{text(target.get('kind'))}/{text(target.get('name'))}",
        _hpa_targets(obj),
        str(integer(min_replicas, 1)),  # minReplicas defaults to 1
        integer(spec.get("maxReplicas")),
        integer(at(obj, "status", "currentReplicas")),
        age(obj, now),
    ]


_HPA_COLUMNS = [
    NAME,
    column("Reference", "The workload being scaled."),
    column("Targets", "Current and target values of the metrics."),
    column("MinPods", "The lower limit for the number of replicas."),
    column("MaxPods", "The upper limit for the number of replicas."),
    column("Replicas", "Current number of replicas of the scaled workload."),
    AGE,
]

# --------------------------------------------------------------------------- fallback


def _default_row(obj: Obj, now: datetime) -> Cells:
    return [name_of(obj), text(at(obj, "metadata", "creationTimestamp"))]


_DEFAULT_COLUMNS = [
    NAME,
    column("Created At", "The time the server created this object.", type_="date"),
]
DEFAULT_PRINTER = Printer(tuple(_DEFAULT_COLUMNS), _default_row)
