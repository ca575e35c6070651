"""Server-side Table output: what `kubectl get` prints.

`kubectl get` does not format objects itself. It asks the API server for a
`meta.k8s.io/v1` Table with the header (one line, split here)

    Accept: application/json;as=Table;v=v1;g=meta.k8s.io,
            application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json

and prints the columns it receives: it upper-cases the column names, hides the columns of
`priority` 1 unless `-o wide` is given, and takes NAMESPACE (`-A`) and LABELS
(`--show-labels`) from each row's `object`. So the columns and cells here must be the ones
kube-apiserver's printers produce (`pkg/printers/internalversion/printers.go`), or users see
a different `kubectl get` from the one they know. Like kube-apiserver, a row always carries
every column, wide ones included.

Everything here is a pure function of the objects and a clock, so it is unit-tested without
a server. Stored objects can be partial or odd (a pod before the kubelet reported anything,
a hand-written status); every accessor tolerates missing fields and wrong types rather than
fail a whole `kubectl get`. Where kube-apiserver relies on a default it always applies
(`spec.replicas` = 1, a Service's `type` = ClusterIP, a port's protocol = TCP, ...), a
missing field prints as that default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from minik8s.api import errors
from minik8s.api.resources import ResourceInfo

__all__ = ["column_definitions", "table_row", "to_table", "human_duration"]

Obj = dict[str, Any]
Cells = list[Any]

TABLE_API_VERSION = "meta.k8s.io/v1"
INCLUDE_OBJECT_VALUES = ("None", "Metadata", "Object")

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


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in _list(value) if isinstance(item, dict)]


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _int(value: Any, default: int = 0) -> int:
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


def _at(obj: Any, *path: str) -> Any:
    """`obj[path[0]][path[1]]...`, or None as soon as a step is missing or not a dict."""
    current = obj
    for key in path:
        if not isinstance(current, dict):
            return None
        current = current.get(key)
    return current


def _name(obj: Obj) -> str:
    return _str(_at(obj, "metadata", "name"))


_FRACTION = re.compile(r"\.(\d+)")


def _parse_time(value: Any) -> datetime | None:
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


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _since(value: Any, now: datetime) -> str:
    moment = _parse_time(value)
    if moment is None:
        return "<unknown>"
    return human_duration(_aware(now) - moment)


def _age(obj: Obj, now: datetime) -> str:
    return _since(_at(obj, "metadata", "creationTimestamp"), now)


# --------------------------------------------------------------------------- shared formats


def _format_labels(labels: Any) -> str:
    """`labels.FormatLabels`: `a=b,c=d` sorted by key, `<none>` when empty."""
    pairs = sorted(f"{k}={_str(v)}" for k, v in _dict(labels).items())
    return ",".join(pairs) if pairs else "<none>"


def _selector_string(selector: Any) -> str:
    """A LabelSelector as `labels.Selector.String()`: requirements sorted by key."""
    requirements: list[tuple[str, str]] = []
    for key, value in _dict(_dict(selector).get("matchLabels")).items():
        requirements.append((key, f"{key}={_str(value)}"))
    for expr in _dicts(_dict(selector).get("matchExpressions")):
        key = _str(expr.get("key"))
        values = ",".join(sorted(_str(v) for v in _list(expr.get("values"))))
        operator = _str(expr.get("operator"))
        rendered = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }.get(operator, f"{key} {operator} ({values})")
        requirements.append((key, rendered))
    requirements.sort(key=lambda r: r[0])
    return ",".join(text for _, text in requirements)


def _format_selector(selector: Any) -> str:
    """`metav1.FormatLabelSelector`: the selector string, `<none>` when it selects all."""
    return _selector_string(selector) or "<none>"


def _containers_and_images(pod_spec: Any) -> tuple[str, str]:
    containers = _dicts(_dict(pod_spec).get("containers"))
    names = ",".join(_str(c.get("name")) for c in containers)
    images = ",".join(_str(c.get("image")) for c in containers)
    return names, images


def _template_spec(obj: Obj) -> Any:
    return _at(obj, "spec", "template", "spec")


def _with_more(items: list[str], total: int, limit: int, separator: str = ",") -> str:
    text = separator.join(items[:limit])
    if total > limit:
        return f"{text} + {total - limit} more..."
    return text


def _bool_text(value: Any) -> str:
    if value is None:
        return "False"  # the API server defaults booleans such as `suspend` to false
    return "True" if value is True else "False"


# --------------------------------------------------------------------------- columns


def _column(
    name: str, description: str, *, type_: str = "string", priority: int = 0, fmt: str = ""
) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "format": fmt,
        "description": description,
        "priority": priority,
    }


_NAME = _column(
    "Name",
    "Name must be unique within a namespace. Cannot be updated.",
    fmt="name",
)
_AGE = _column(
    "Age",
    "CreationTimestamp is the time the server created this object, shown as its age.",
)
_CONTAINERS = _column("Containers", "Names of each container in the template.", priority=1)
_IMAGES = _column("Images", "Images referenced by each container in the template.", priority=1)


def _selector_column(what: str) -> dict[str, Any]:
    return _column("Selector", f"Label query over the {what} this object selects.", priority=1)


# --------------------------------------------------------------------------- pods


def _is_restartable_init(container: Any) -> bool:
    return _dict(container).get("restartPolicy") == "Always"


def _condition_true(conditions: Any, type_: str) -> bool:
    for condition in _dicts(conditions):
        if condition.get("type") == type_:
            return condition.get("status") == "True"
    return False


def _terminated_reason(terminated: dict[str, Any], prefix: str) -> str:
    reason = _str(terminated.get("reason"))
    if reason:
        return prefix + reason
    signal = _int(terminated.get("signal"))
    if signal:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{_int(terminated.get('exitCode'))}"


def _last_termination(status: dict[str, Any]) -> datetime | None:
    finished = _at(status, "lastState", "terminated", "finishedAt")
    return _parse_time(finished) if _at(status, "lastState", "terminated") is not None else None


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
    spec, status = _dict(pod.get("spec")), _dict(pod.get("status"))
    init_specs = {_str(c.get("name")): c for c in _dicts(spec.get("initContainers"))}
    init_statuses = _dicts(status.get("initContainerStatuses"))
    total_inits = len(_list(spec.get("initContainers")))
    sidecar_restarts, sidecar_last = 0, None
    for index, container in enumerate(init_statuses):
        count = _int(container.get("restartCount"))
        summary.restarts += count
        summary.last_restart = _later(summary.last_restart, _last_termination(container))
        sidecar = _is_restartable_init(init_specs.get(_str(container.get("name"))))
        if sidecar:
            sidecar_restarts += count
            sidecar_last = _later(sidecar_last, _last_termination(container))
        state = _dict(container.get("state"))
        terminated = state.get("terminated")
        waiting_reason = _str(_dict(state.get("waiting")).get("reason"))
        if isinstance(terminated, dict) and _int(terminated.get("exitCode")) == 0:
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
    status = _dict(pod.get("status"))
    has_running = False
    for container in reversed(_dicts(status.get("containerStatuses"))):
        summary.restarts += _int(container.get("restartCount"))
        summary.last_restart = _later(summary.last_restart, _last_termination(container))
        state = _dict(container.get("state"))
        waiting_reason = _str(_dict(state.get("waiting")).get("reason"))
        terminated = state.get("terminated")
        if waiting_reason:
            summary.reason = waiting_reason
        elif isinstance(terminated, dict):
            summary.reason = _terminated_reason(terminated, "")
        elif container.get("ready") is True and isinstance(state.get("running"), dict):
            has_running = True
            summary.ready += 1
    if summary.reason == "Completed" and has_running:
        ready = _condition_true(status.get("conditions"), "Ready")
        summary.reason = "Running" if ready else "NotReady"


def _summarize_pod(pod: Obj) -> _PodSummary:
    spec, status = _dict(pod.get("spec")), _dict(pod.get("status"))
    phase = _str(status.get("phase")) or "Pending"
    total = len(_list(spec.get("containers"))) + sum(
        1 for c in _list(spec.get("initContainers")) if _is_restartable_init(c)
    )
    summary = _PodSummary(_str(status.get("reason")) or phase, 0, total, 0, None)
    for condition in _dicts(status.get("conditions")):
        if condition.get("type") == "PodScheduled" and condition.get("reason") == (
            "SchedulingGated"
        ):
            summary.reason = "SchedulingGated"
    initializing, sidecar_restarts, sidecar_last = _summarize_init(pod, summary)
    if not initializing or _condition_true(status.get("conditions"), "Initialized"):
        summary.restarts, summary.last_restart = sidecar_restarts, sidecar_last
        _summarize_containers(pod, summary)
    deleting = _at(pod, "metadata", "deletionTimestamp") is not None
    if deleting and status.get("reason") == "NodeLost":
        summary.reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        summary.reason = "Terminating"
    return summary


def _pod_ip(status: dict[str, Any]) -> str:
    ips = _dicts(status.get("podIPs"))
    ip = _str(ips[0].get("ip")) if ips else _str(status.get("podIP"))
    return ip or "<none>"


def _readiness_gates(spec: dict[str, Any], status: dict[str, Any]) -> str:
    gates = _dicts(spec.get("readinessGates"))
    if not gates:
        return "<none>"
    passed = sum(
        1
        for gate in gates
        if _condition_true(status.get("conditions"), _str(gate.get("conditionType")))
    )
    return f"{passed}/{len(gates)}"


def _pod_row(pod: Obj, now: datetime) -> Cells:
    spec, status = _dict(pod.get("spec")), _dict(pod.get("status"))
    summary = _summarize_pod(pod)
    restarts = str(summary.restarts)
    if summary.restarts and summary.last_restart is not None:
        restarts += f" ({human_duration(_aware(now) - summary.last_restart)} ago)"
    return [
        _name(pod),
        f"{summary.ready}/{summary.total}",
        summary.reason,
        restarts,
        _age(pod, now),
        _pod_ip(status),
        _str(spec.get("nodeName")) or "<none>",
        _str(status.get("nominatedNodeName")) or "<none>",
        _readiness_gates(spec, status),
    ]


def _pod_conditions(pod: Obj) -> list[dict[str, Any]]:
    """Row conditions kube-apiserver attaches to finished pods (`Completed`)."""
    phase = _at(pod, "status", "phase")
    if phase == "Succeeded":
        message = "The pod has completed successfully."
    elif phase == "Failed":
        message = "The pod failed."
    else:
        return []
    return [{"type": "Completed", "status": "True", "reason": phase, "message": message}]


_POD_COLUMNS = [
    _NAME,
    _column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    _column("Status", "The aggregate status of the containers in this pod."),
    _column(
        "Restarts",
        "The number of times the containers in this pod have been restarted and when the "
        "last container in this pod has restarted.",
    ),
    _AGE,
    _column("IP", "The IP address allocated to the pod.", priority=1),
    _column("Node", "The node the pod is bound to.", priority=1),
    _column("Nominated Node", "The node the scheduler nominated for preemption.", priority=1),
    _column("Readiness Gates", "Readiness gates that are true, of all declared.", priority=1),
]

# --------------------------------------------------------------------------- workloads


def _replicas(obj: Obj) -> int:
    """`spec.replicas`, which the API server defaults to 1 when it is absent."""
    return _int(_at(obj, "spec", "replicas"), 1)


def _deployment_row(obj: Obj, now: datetime) -> Cells:
    status = _dict(obj.get("status"))
    names, images = _containers_and_images(_template_spec(obj))
    return [
        _name(obj),
        f"{_int(status.get('readyReplicas'))}/{_replicas(obj)}",
        _int(status.get("updatedReplicas")),
        _int(status.get("availableReplicas")),
        _age(obj, now),
        names,
        images,
        _selector_string(_at(obj, "spec", "selector")),
    ]


_DEPLOYMENT_COLUMNS = [
    _NAME,
    _column("Ready", "Number of the pod with ready state"),
    _column("Up-to-date", "Total number of non-terminated pods that have the desired template."),
    _column("Available", "Total number of available pods (ready for at least minReadySeconds)."),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _selector_column("pods"),
]


def _replicaset_row(obj: Obj, now: datetime) -> Cells:
    status = _dict(obj.get("status"))
    names, images = _containers_and_images(_template_spec(obj))
    return [
        _name(obj),
        _replicas(obj),
        _int(status.get("replicas")),
        _int(status.get("readyReplicas")),
        _age(obj, now),
        names,
        images,
        _format_selector(_at(obj, "spec", "selector")),
    ]


_REPLICASET_COLUMNS = [
    _NAME,
    _column("Desired", "Number of desired pods.", type_="integer"),
    _column("Current", "The most recently observed number of replicas.", type_="integer"),
    _column("Ready", "The number of pods with a Ready condition.", type_="integer"),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _selector_column("pods"),
]


def _daemonset_row(obj: Obj, now: datetime) -> Cells:
    status = _dict(obj.get("status"))
    names, images = _containers_and_images(_template_spec(obj))
    return [
        _name(obj),
        _int(status.get("desiredNumberScheduled")),
        _int(status.get("currentNumberScheduled")),
        _int(status.get("numberReady")),
        _int(status.get("updatedNumberScheduled")),
        _int(status.get("numberAvailable")),
        _format_labels(_dict(_template_spec(obj)).get("nodeSelector")),
        _age(obj, now),
        names,
        images,
        _format_selector(_at(obj, "spec", "selector")),
    ]


_DAEMONSET_COLUMNS = [
    _NAME,
    _column("Desired", "The number of nodes that should run the daemon pod.", type_="integer"),
    _column("Current", "The number of nodes running at least one daemon pod.", type_="integer"),
    _column("Ready", "The number of nodes whose daemon pod is ready.", type_="integer"),
    _column("Up-to-date", "The number of nodes running the updated pod.", type_="integer"),
    _column("Available", "The number of nodes whose daemon pod is available.", type_="integer"),
    _column("Node Selector", "The node selector of the pod template."),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _selector_column("pods"),
]


def _statefulset_row(obj: Obj, now: datetime) -> Cells:
    names, images = _containers_and_images(_template_spec(obj))
    ready = _int(_at(obj, "status", "readyReplicas"))
    return [_name(obj), f"{ready}/{_replicas(obj)}", _age(obj, now), names, images]


_STATEFULSET_COLUMNS = [
    _NAME,
    _column("Ready", "Number of the pod with ready state"),
    _AGE,
    _CONTAINERS,
    _IMAGES,
]


def _job_status(obj: Obj) -> str:
    conditions = _at(obj, "status", "conditions")
    if _condition_true(conditions, "Complete"):
        return "Complete"
    if _condition_true(conditions, "Failed"):
        return "Failed"
    if _at(obj, "metadata", "deletionTimestamp") is not None:
        return "Terminating"
    if _condition_true(conditions, "Suspended"):
        return "Suspended"
    if _condition_true(conditions, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def _job_completions(obj: Obj) -> str:
    succeeded = _int(_at(obj, "status", "succeeded"))
    completions = _at(obj, "spec", "completions")
    if completions is not None:
        return f"{succeeded}/{_int(completions)}"
    parallelism = _int(_at(obj, "spec", "parallelism"))
    if parallelism > 1:
        return f"{succeeded}/1 of {parallelism}"
    return f"{succeeded}/1"


def _job_duration(obj: Obj, now: datetime) -> str:
    start = _parse_time(_at(obj, "status", "startTime"))
    if start is None:
        return ""
    end = _parse_time(_at(obj, "status", "completionTime"))
    return human_duration((end if end is not None else _aware(now)) - start)


def _job_row(obj: Obj, now: datetime) -> Cells:
    names, images = _containers_and_images(_template_spec(obj))
    return [
        _name(obj),
        _job_status(obj),
        _job_completions(obj),
        _job_duration(obj, now),
        _age(obj, now),
        names,
        images,
        _format_selector(_at(obj, "spec", "selector")),
    ]


_JOB_COLUMNS = [
    _NAME,
    _column("Status", "Status of the job."),
    _column("Completions", "The number of pods which reached phase Succeeded."),
    _column("Duration", "Time required to complete the job."),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _selector_column("pods"),
]


def _cronjob_row(obj: Obj, now: datetime) -> Cells:
    spec, status = _dict(obj.get("spec")), _dict(obj.get("status"))
    job_spec = _at(spec, "jobTemplate", "spec")
    names, images = _containers_and_images(_at(job_spec, "template", "spec"))
    last = status.get("lastScheduleTime")
    return [
        _name(obj),
        _str(spec.get("schedule")),
        _str(spec.get("timeZone")) or "<none>",
        _bool_text(spec.get("suspend")),
        len(_list(status.get("active"))),
        _since(last, now) if last is not None else "<none>",
        _age(obj, now),
        names,
        images,
        _format_selector(_dict(job_spec).get("selector")),
    ]


_CRONJOB_COLUMNS = [
    _NAME,
    _column("Schedule", "The schedule in Cron format."),
    _column("Timezone", "The time zone name for the given schedule."),
    _column("Suspend", "Whether subsequent executions are suspended.", type_="boolean"),
    _column("Active", "The number of currently running jobs.", type_="integer"),
    _column("Last Schedule", "When the job was last successfully scheduled."),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _selector_column("pods"),
]

# --------------------------------------------------------------------------- services


def _service_external_ip(spec: dict[str, Any], status: dict[str, Any]) -> str:
    svc_type = _str(spec.get("type")) or "ClusterIP"
    external = [_str(ip) for ip in _list(spec.get("externalIPs"))]
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if svc_type == "LoadBalancer":
        ingress = set()
        for entry in _dicts(_at(status, "loadBalancer", "ingress")):
            address = _str(entry.get("ip")) or _str(entry.get("hostname"))
            if address:
                ingress.add(address)
        addresses = sorted(ingress) + external
        return ",".join(addresses) if addresses else "<pending>"
    if svc_type == "ExternalName":
        return _str(spec.get("externalName"))
    return "<unknown>"


def _service_ports(spec: dict[str, Any]) -> str:
    pieces = []
    for port in _dicts(spec.get("ports")):
        protocol = _str(port.get("protocol")) or "TCP"
        node_port = _int(port.get("nodePort"))
        if node_port > 0:
            pieces.append(f"{_int(port.get('port'))}:{node_port}/{protocol}")
        else:
            pieces.append(f"{_int(port.get('port'))}/{protocol}")
    return ",".join(pieces) or "<none>"


def _service_row(obj: Obj, now: datetime) -> Cells:
    spec, status = _dict(obj.get("spec")), _dict(obj.get("status"))
    cluster_ips = _list(spec.get("clusterIPs"))
    cluster_ip = _str(cluster_ips[0]) if cluster_ips else _str(spec.get("clusterIP"))
    return [
        _name(obj),
        _str(spec.get("type")) or "ClusterIP",
        cluster_ip or "<none>",
        _service_external_ip(spec, status),
        _service_ports(spec),
        _age(obj, now),
        _format_labels(spec.get("selector")),
    ]


_SERVICE_COLUMNS = [
    _NAME,
    _column(
        "Type", "How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName."
    ),
    _column("Cluster-IP", "The IP address of the service inside the cluster."),
    _column("External-IP", "The addresses the service is reachable at from outside."),
    _column("Port(s)", "The ports the service exposes."),
    _AGE,
    _column("Selector", "The labels of the pods the service sends traffic to.", priority=1),
]


def _endpoints_text(obj: Obj) -> str:
    """`formatEndpoints`: up to three `ip:port`, then ` + N more...`."""
    subsets = _dicts(obj.get("subsets"))
    if not subsets:
        return "<none>"
    shown: list[str] = []
    total = 0
    for subset in subsets:
        addresses = [_str(a.get("ip")) for a in _dicts(subset.get("addresses"))]
        ports = _dicts(subset.get("ports"))
        if not ports:
            total += len(addresses)
            shown.extend(addresses)
            continue
        for port in ports:
            total += len(addresses)
            number = _int(port.get("port"))
            shown.extend(_join_host_port(ip, number) for ip in addresses)
    return _with_more(shown, total, 3)


def _join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _endpoints_row(obj: Obj, now: datetime) -> Cells:
    return [_name(obj), _endpoints_text(obj), _age(obj, now)]


_ENDPOINTS_COLUMNS = [
    _NAME,
    _column("Endpoints", "The ready addresses and ports of the service's pods."),
    _AGE,
]

# --------------------------------------------------------------------------- nodes


_ROLE_LABEL_PREFIX = "node-role.kubernetes.io/"
_ROLE_LABEL = "kubernetes.io/role"


def _node_roles(obj: Obj) -> str:
    roles = set()
    for key, value in _dict(_at(obj, "metadata", "labels")).items():
        if key.startswith(_ROLE_LABEL_PREFIX) and key[len(_ROLE_LABEL_PREFIX) :]:
            roles.add(key[len(_ROLE_LABEL_PREFIX) :])
        elif key == _ROLE_LABEL and _str(value):
            roles.add(_str(value))
    return ",".join(sorted(roles)) or "<none>"


def _node_status(obj: Obj) -> str:
    states = []
    for condition in _dicts(_at(obj, "status", "conditions")):
        if condition.get("type") == "Ready":
            states = ["Ready" if condition.get("status") == "True" else "NotReady"]
    if not states:
        states = ["Unknown"]
    if _at(obj, "spec", "unschedulable") is True:
        states.append("SchedulingDisabled")
    return ",".join(states)


def _node_address(obj: Obj, type_: str) -> str:
    for address in _dicts(_at(obj, "status", "addresses")):
        if address.get("type") == type_:
            return _str(address.get("address"))
    return "<none>"


def _node_row(obj: Obj, now: datetime) -> Cells:
    info = _dict(_at(obj, "status", "nodeInfo"))
    return [
        _name(obj),
        _node_status(obj),
        _node_roles(obj),
        _age(obj, now),
        _str(info.get("kubeletVersion")),
        _node_address(obj, "InternalIP"),
        _node_address(obj, "ExternalIP"),
        _str(info.get("osImage")) or "<unknown>",
        _str(info.get("kernelVersion")) or "<unknown>",
        _str(info.get("containerRuntimeVersion")) or "<unknown>",
    ]


_NODE_COLUMNS = [
    _NAME,
    _column("Status", "The status of the node"),
    _column("Roles", "The roles of the node"),
    _AGE,
    _column("Version", "Kubelet version reported by the node."),
    _column("Internal-IP", "The node's InternalIP address.", priority=1),
    _column("External-IP", "The node's ExternalIP address.", priority=1),
    _column("OS-Image", "OS image reported by the node.", priority=1),
    _column("Kernel-Version", "Kernel version reported by the node.", priority=1),
    _column("Container-Runtime", "Container runtime version reported by the node.", priority=1),
]

# --------------------------------------------------------------------------- config & misc


def _namespace_row(obj: Obj, now: datetime) -> Cells:
    return [_name(obj), _str(_at(obj, "status", "phase")) or "Active", _age(obj, now)]


_NAMESPACE_COLUMNS = [_NAME, _column("Status", "The status of the namespace"), _AGE]


def _configmap_row(obj: Obj, now: datetime) -> Cells:
    count = len(_dict(obj.get("data"))) + len(_dict(obj.get("binaryData")))
    return [_name(obj), count, _age(obj, now)]


_CONFIGMAP_COLUMNS = [_NAME, _column("Data", "Number of data entries.", type_="integer"), _AGE]


def _secret_row(obj: Obj, now: datetime) -> Cells:
    secret_type = _str(obj.get("type")) or "Opaque"
    return [_name(obj), secret_type, len(_dict(obj.get("data"))), _age(obj, now)]


_SECRET_COLUMNS = [
    _NAME,
    _column("Type", "Used to facilitate programmatic handling of secret data."),
    _column("Data", "Number of data entries.", type_="integer"),
    _AGE,
]


def _serviceaccount_row(obj: Obj, now: datetime) -> Cells:
    return [_name(obj), len(_list(obj.get("secrets"))), _age(obj, now)]


_SERVICEACCOUNT_COLUMNS = [
    _NAME,
    _column("Secrets", "Number of secrets pods of this service account may use.", type_="integer"),
    _AGE,
]


def _controllerrevision_row(obj: Obj, now: datetime) -> Cells:
    refs = _at(obj, "metadata", "ownerReferences")
    owners = [r for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []
    owner = next((r for r in owners if r.get("controller")), None)
    controller = "<none>"
    if owner is not None:
        group = str(owner.get("apiVersion") or "").rpartition("/")[0]
        kind = str(owner.get("kind") or "").lower()
        controller = f"{kind}.{group}" if group else kind
        controller += f"/{owner.get('name', '')}"
    return [_name(obj), controller, obj.get("revision", 0), _age(obj, now)]


_CONTROLLERREVISION_COLUMNS = [
    _NAME,
    _column("Controller", "The object that owns this revision."),
    _column("Revision", "The revision number.", type_="integer"),
    _AGE,
]


def _lease_row(obj: Obj, now: datetime) -> Cells:
    return [_name(obj), _str(_at(obj, "spec", "holderIdentity")), _age(obj, now)]


_LEASE_COLUMNS = [_NAME, _column("Holder", "The identity of the current lease holder."), _AGE]


def _priorityclass_row(obj: Obj, now: datetime) -> Cells:
    default = obj.get("globalDefault") is True
    return [
        _name(obj),
        obj.get("value", 0),
        str(default).lower(),
        _age(obj, now),
        _str(obj.get("preemptionPolicy")),
    ]


_PRIORITYCLASS_COLUMNS = [
    _NAME,
    _column("Value", "The priority of pods of this class.", type_="integer"),
    _column("Global-Default", "Whether pods without a class get this one."),
    _AGE,
    _column("PreemptionPolicy", "Whether pods of this class may preempt others."),
]

_ACCESS_MODE_SHORT = {
    "ReadWriteOnce": "RWO",
    "ReadOnlyMany": "ROX",
    "ReadWriteMany": "RWX",
    "ReadWriteOncePod": "RWOP",
}


def _access_modes(modes: Any) -> str:
    return ",".join(_ACCESS_MODE_SHORT.get(_str(m), _str(m)) for m in _list(modes))


def _persistentvolume_row(obj: Obj, now: datetime) -> Cells:
    spec = _dict(obj.get("spec"))
    claim = _dict(spec.get("claimRef"))
    claim_text = f"{_str(claim.get('namespace'))}/{_str(claim.get('name'))}" if claim else ""
    return [
        _name(obj),
        _str(_at(spec, "capacity", "storage")),
        _access_modes(spec.get("accessModes")),
        _str(spec.get("persistentVolumeReclaimPolicy")),
        _str(_at(obj, "status", "phase")),
        claim_text,
        _str(spec.get("storageClassName")),
        _age(obj, now),
    ]


_PERSISTENTVOLUME_COLUMNS = [
    _NAME,
    _column("Capacity", "The storage capacity of the volume."),
    _column("Access Modes", "All ways the volume can be mounted."),
    _column("Reclaim Policy", "What happens to the volume when released from its claim."),
    _column("Status", "The phase of the volume."),
    _column("Claim", "The claim bound to the volume, as namespace/name."),
    _column("StorageClass", "The name of the StorageClass the volume belongs to."),
    _AGE,
]


def _persistentvolumeclaim_row(obj: Obj, now: datetime) -> Cells:
    spec, status = _dict(obj.get("spec")), _dict(obj.get("status"))
    return [  # capacity and access modes are the bound volume's, as the binder records them
        _name(obj),
        _str(status.get("phase")),
        _str(spec.get("volumeName")),
        _str(_at(status, "capacity", "storage")),
        _access_modes(status.get("accessModes")),
        _str(spec.get("storageClassName")),
        _age(obj, now),
    ]


_PERSISTENTVOLUMECLAIM_COLUMNS = [
    _NAME,
    _column("Status", "The phase of the claim."),
    _column("Volume", "The name of the PersistentVolume bound to the claim."),
    _column("Capacity", "The storage capacity of the claim."),
    _column("Access Modes", "All ways the volume can be mounted."),
    _column("StorageClass", "The name of the StorageClass the claim asks for."),
    _AGE,
]

# --------------------------------------------------------------------------- events


def _event_source(obj: Obj) -> str:
    source = _dict(obj.get("source"))
    component = _str(source.get("component")) or _str(obj.get("reportingController"))
    host = _str(source.get("host")) or _str(obj.get("reportingInstance"))
    return f"{component}, {host}" if host else component


def _event_row(obj: Obj, now: datetime) -> Cells:
    first = obj.get("firstTimestamp")
    first_seen = _since(first if first else obj.get("eventTime"), now)
    last = obj.get("lastTimestamp")
    last_seen = _since(last, now) if last else first_seen
    count = _int(obj.get("count"))
    series = obj.get("series")
    if isinstance(series, dict):
        last_seen = _since(series.get("lastObservedTime"), now)
        count = _int(series.get("count"))
    elif count == 0:
        count = 1  # singleton events of the events.k8s.io API carry no count
    involved = _dict(obj.get("involvedObject"))
    kind, name = _str(involved.get("kind")).lower(), _str(involved.get("name"))
    return [
        last_seen,
        _str(obj.get("type")),
        _str(obj.get("reason")),
        f"{kind}/{name}" if name else kind,
        _str(involved.get("fieldPath")),
        _event_source(obj),
        _str(obj.get("message")).strip(),
        first_seen,
        count,
        _name(obj),
    ]


_EVENT_COLUMNS = [
    _column(
        "Last Seen", "The time at which the most recent occurrence of this event was recorded."
    ),
    _column("Type", "Type of this event (Normal, Warning)."),
    _column("Reason", "A short, machine understandable string for the event."),
    _column("Object", "The object that this event is about."),
    _column("Subobject", "The part of the object the event is about.", priority=1),
    _column("Source", "The component reporting this event.", priority=1),
    _column("Message", "A human-readable description of the event."),
    _column("First Seen", "The time at which the event was first recorded.", priority=1),
    _column("Count", "The number of times this event has occurred.", priority=1),
    _column("Name", "Name must be unique within a namespace.", priority=1, fmt="name"),
]

# --------------------------------------------------------------------------- autoscaling


def _current(statuses: list[Any], index: int, source: str) -> dict[str, Any] | None:
    if index < len(statuses) and isinstance(statuses[index], dict):
        block = statuses[index].get(source)
        if isinstance(block, dict):
            return _dict(block.get("current"))
    return None


def _percent(value: Any) -> str:
    return f"{_int(value)}%"


def _hpa_metric(spec: dict[str, Any], statuses: list[Any], index: int) -> str:
    """One entry of the TARGETS column, `formatHPAMetrics` style."""
    metric_type = _str(spec.get("type"))
    source = {
        "Resource": "resource",
        "ContainerResource": "containerResource",
        "Pods": "pods",
        "Object": "object",
        "External": "external",
    }.get(metric_type)
    if source is None:
        return "<unknown type>"
    block = _dict(spec.get(source))
    target = _dict(block.get("target"))
    current = _current(statuses, index, source)
    unknown = "<unknown>"
    if source == "pods":
        value = _str(_dict(current).get("averageValue")) if current is not None else unknown
        return f"{value or unknown}/{_str(target.get('averageValue'))}"
    if source in ("object", "external"):
        if target.get("averageValue") is not None:
            value = _str(_dict(current).get("averageValue")) if current is not None else ""
            return f"{value or unknown}/{_str(target.get('averageValue'))} (avg)"
        value = _str(_dict(current).get("value")) if current is not None else ""
        return f"{value or unknown}/{_str(target.get('value'))}"
    resource_name = _str(block.get("name"))
    if target.get("averageValue") is not None:
        value = _str(_dict(current).get("averageValue")) if current is not None else ""
        return f"{resource_name}: {value or unknown}/{_str(target.get('averageValue'))}"
    utilization = _dict(current).get("averageUtilization") if current is not None else None
    value = _percent(utilization) if utilization is not None else unknown
    goal = target.get("averageUtilization")
    return f"{resource_name}: {value}/{_percent(goal) if goal is not None else '<auto>'}"


def _hpa_targets(obj: Obj) -> str:
    specs = _dicts(_at(obj, "spec", "metrics"))
    if not specs:
        return "<none>"
    statuses = _list(_at(obj, "status", "currentMetrics"))
    shown = [_hpa_metric(spec, statuses, i) for i, spec in enumerate(specs)]
    return _with_more(shown, len(shown), 2, separator=", ")


def _hpa_row(obj: Obj, now: datetime) -> Cells:
    spec = _dict(obj.get("spec"))
    target = _dict(spec.get("scaleTargetRef"))
    min_replicas = spec.get("minReplicas")
    return [
        _name(obj),
        f"{_str(target.get('kind'))}/{_str(target.get('name'))}",
        _hpa_targets(obj),
        str(_int(min_replicas, 1)),  # minReplicas defaults to 1
        _int(spec.get("maxReplicas")),
        _int(_at(obj, "status", "currentReplicas")),
        _age(obj, now),
    ]


_HPA_COLUMNS = [
    _NAME,
    _column("Reference", "The workload being scaled."),
    _column("Targets", "Current and target values of the metrics."),
    _column("MinPods", "The lower limit for the number of replicas."),
    _column("MaxPods", "The upper limit for the number of replicas."),
    _column("Replicas", "Current number of replicas of the scaled workload."),
    _AGE,
]

# --------------------------------------------------------------------------- fallback


def _default_row(obj: Obj, now: datetime) -> Cells:
    return [_name(obj), _str(_at(obj, "metadata", "creationTimestamp"))]


_DEFAULT_COLUMNS = [
    _NAME,
    _column("Created At", "The time the server created this object.", type_="date"),
]

# --------------------------------------------------------------------------- dispatch

RowFunc = Callable[[Obj, datetime], Cells]
ConditionsFunc = Callable[[Obj], list[dict[str, Any]]]


@dataclass(frozen=True)
class _Printer:
    columns: list[dict[str, Any]]
    row: RowFunc
    conditions: ConditionsFunc | None = None


_PRINTERS: dict[tuple[str, str], _Printer] = {
    ("", "Pod"): _Printer(_POD_COLUMNS, _pod_row, _pod_conditions),
    ("", "Service"): _Printer(_SERVICE_COLUMNS, _service_row),
    ("", "Endpoints"): _Printer(_ENDPOINTS_COLUMNS, _endpoints_row),
    ("", "Node"): _Printer(_NODE_COLUMNS, _node_row),
    ("", "Namespace"): _Printer(_NAMESPACE_COLUMNS, _namespace_row),
    ("", "ConfigMap"): _Printer(_CONFIGMAP_COLUMNS, _configmap_row),
    ("", "Secret"): _Printer(_SECRET_COLUMNS, _secret_row),
    ("", "Event"): _Printer(_EVENT_COLUMNS, _event_row),
    ("", "ServiceAccount"): _Printer(_SERVICEACCOUNT_COLUMNS, _serviceaccount_row),
    ("", "PersistentVolume"): _Printer(_PERSISTENTVOLUME_COLUMNS, _persistentvolume_row),
    ("", "PersistentVolumeClaim"): _Printer(
        _PERSISTENTVOLUMECLAIM_COLUMNS, _persistentvolumeclaim_row
    ),
    ("apps", "Deployment"): _Printer(_DEPLOYMENT_COLUMNS, _deployment_row),
    ("apps", "ReplicaSet"): _Printer(_REPLICASET_COLUMNS, _replicaset_row),
    ("apps", "DaemonSet"): _Printer(_DAEMONSET_COLUMNS, _daemonset_row),
    ("apps", "StatefulSet"): _Printer(_STATEFULSET_COLUMNS, _statefulset_row),
    ("batch", "Job"): _Printer(_JOB_COLUMNS, _job_row),
    ("batch", "CronJob"): _Printer(_CRONJOB_COLUMNS, _cronjob_row),
    ("coordination.k8s.io", "Lease"): _Printer(_LEASE_COLUMNS, _lease_row),
    ("apps", "ControllerRevision"): _Printer(_CONTROLLERREVISION_COLUMNS, _controllerrevision_row),
    ("scheduling.k8s.io", "PriorityClass"): _Printer(_PRIORITYCLASS_COLUMNS, _priorityclass_row),
    ("autoscaling", "HorizontalPodAutoscaler"): _Printer(_HPA_COLUMNS, _hpa_row),
}
_DEFAULT_PRINTER = _Printer(_DEFAULT_COLUMNS, _default_row)


def _printer(info: ResourceInfo) -> _Printer:
    return _PRINTERS.get((info.group, info.kind), _DEFAULT_PRINTER)


def has_printer(info: ResourceInfo) -> bool:
    """True when the kind has its own columns (otherwise: Name and Created At)."""
    return (info.group, info.kind) in _PRINTERS


# --------------------------------------------------------------------------- public API


def column_definitions(info: ResourceInfo) -> list[dict[str, Any]]:
    """The `columnDefinitions` of a Table of this kind; priority 1 = only with `-o wide`."""
    return [dict(column) for column in _printer(info).columns]


def table_row(info: ResourceInfo, obj: dict[str, Any], now: datetime) -> list[Any]:
    """The cells of one object, one per column of `column_definitions(info)`.

    Never raises on a partial or malformed object: a cell it cannot compute is empty.
    """
    if not isinstance(obj, dict):
        obj = {}
    return _printer(info).row(obj, now)


def _row_object(info: ResourceInfo, obj: Obj, include_object: str) -> dict[str, Any] | None:
    if include_object == "None":
        return None
    if include_object == "Metadata":
        return {
            "kind": "PartialObjectMetadata",
            "apiVersion": TABLE_API_VERSION,
            "metadata": _dict(obj.get("metadata")),
        }
    # kubectl decodes the embedded object as Unstructured, which needs kind and apiVersion.
    full = dict(obj)
    full.setdefault("kind", info.kind)
    full.setdefault("apiVersion", info.api_version)
    return full


def _table_row_entry(info: ResourceInfo, obj: Obj, now: datetime, include: str) -> Obj:
    row: Obj = {"cells": table_row(info, obj, now)}
    conditions = _printer(info).conditions
    if conditions is not None:
        found = conditions(obj)
        if found:
            row["conditions"] = found
    embedded = _row_object(info, obj, include)
    if embedded is not None:
        row["object"] = embedded
    return row


def _check_include_object(include_object: str) -> str:
    value = include_object or "Metadata"
    if value not in INCLUDE_OBJECT_VALUES:
        raise errors.BadRequest(f"unrecognized includeObject value: {include_object!r}")
    return value


def to_table(
    info: ResourceInfo,
    objs: Iterable[dict[str, Any]],
    *,
    include_object: str = "Metadata",
    list_metadata: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A `meta.k8s.io/v1` Table of `objs` (one object for a GET, the items of a LIST).

    `include_object` is the `includeObject` query parameter: `None` (no object), `Metadata`
    (the default: a PartialObjectMetadata, enough for `-A` and `--show-labels`) or `Object`
    (the whole object; kubectl asks for it with `--sort-by`). Anything else is a 400.
    `list_metadata` becomes the Table's ListMeta (`resourceVersion`, `continue`,
    `remainingItemCount`).
    """
    include = _check_include_object(include_object)
    moment = now if now is not None else datetime.now(UTC)
    rows = [
        _table_row_entry(info, obj if isinstance(obj, dict) else {}, moment, include)
        for obj in objs
    ]
    return {
        "kind": "Table",
        "apiVersion": TABLE_API_VERSION,
        "metadata": dict(list_metadata or {}),
        "columnDefinitions": column_definitions(info),
        "rows": rows,
    }
