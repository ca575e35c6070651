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

from datetime import UTC, datetime, timedelta
from typing import Any

from minik8s.api import times
from minik8s.api.dig import dig
from minik8s.api.kind import Cells, Column, Printer

Obj = dict[str, Any]

# --------------------------------------------------------------------------- durations


def human_duration(delta: timedelta) -> str:
    """Kubernetes' `duration.HumanDuration` (see `minik8s.api.times`)."""
    return times.human_duration(delta)


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
    return dig(obj, path)


def name_of(obj: Obj) -> str:
    return text(at(obj, "metadata", "name"))


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (`Time` or `MicroTime`) as an aware datetime; None if unusable."""
    return times.parse_rfc3339(value)


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


# --------------------------------------------------------------------------- conditions


def condition_true(conditions: Any, type_: str) -> bool:
    for condition in dicts(conditions):
        if condition.get("type") == type_:
            return condition.get("status") == "True"
    return False


# --------------------------------------------------------------------------- workloads


def replicas_of(obj: Obj) -> int:
    """`spec.replicas`, which the API server defaults to 1 when it is absent."""
    return integer(at(obj, "spec", "replicas"), 1)


# --------------------------------------------------------------------------- services


def _service_external_ip(spec: dict[str, Any], status: dict[str, Any]) -> str:
    svc_type = text(spec.get("type")) or "ClusterIP"
    external = [text(ip) for ip in as_list(spec.get("externalIPs"))]
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if svc_type == "LoadBalancer":
        ingress = set()
        for entry in dicts(at(status, "loadBalancer", "ingress")):
            address = text(entry.get("ip")) or text(entry.get("hostname"))
            if address:
                ingress.add(address)
        addresses = sorted(ingress) + external
        return ",".join(addresses) if addresses else "<pending>"
    if svc_type == "ExternalName":
        return text(spec.get("externalName"))
    return "<unknown>"


def _service_ports(spec: dict[str, Any]) -> str:
    pieces = []
    for port in dicts(spec.get("ports")):
        protocol = text(port.get("protocol")) or "TCP"
        node_port = integer(port.get("nodePort"))
        if node_port > 0:
            pieces.append(f"{integer(port.get('port'))}:{node_port}/{protocol}")
        else:
            pieces.append(f"{integer(port.get('port'))}/{protocol}")
    return ",".join(pieces) or "<none>"


def _service_row(obj: Obj, now: datetime) -> Cells:
    spec, status = as_dict(obj.get("spec")), as_dict(obj.get("status"))
    cluster_ips = as_list(spec.get("clusterIPs"))
    cluster_ip = text(cluster_ips[0]) if cluster_ips else text(spec.get("clusterIP"))
    return [
        name_of(obj),
        text(spec.get("type")) or "ClusterIP",
        cluster_ip or "<none>",
        _service_external_ip(spec, status),
        _service_ports(spec),
        age(obj, now),
        format_labels(spec.get("selector")),
    ]


_SERVICE_COLUMNS = [
    NAME,
    column(
        "Type", "How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName."
    ),
    column("Cluster-IP", "The IP address of the service inside the cluster."),
    column("External-IP", "The addresses the service is reachable at from outside."),
    column("Port(s)", "The ports the service exposes."),
    AGE,
    column("Selector", "The labels of the pods the service sends traffic to.", priority=1),
]


def _endpoints_text(obj: Obj) -> str:
    """`formatEndpoints`: up to three `ip:port`, then ` + N more...`."""
    subsets = dicts(obj.get("subsets"))
    if not subsets:
        return "<none>"
    shown: list[str] = []
    total = 0
    for subset in subsets:
        addresses = [text(a.get("ip")) for a in dicts(subset.get("addresses"))]
        ports = dicts(subset.get("ports"))
        if not ports:
            total += len(addresses)
            shown.extend(addresses)
            continue
        for port in ports:
            total += len(addresses)
            number = integer(port.get("port"))
            shown.extend(_join_host_port(ip, number) for ip in addresses)
    return with_more(shown, total, 3)


def _join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _endpoints_row(obj: Obj, now: datetime) -> Cells:
    return [name_of(obj), _endpoints_text(obj), age(obj, now)]


_ENDPOINTS_COLUMNS = [
    NAME,
    column("Endpoints", "The ready addresses and ports of the service's pods."),
    AGE,
]

# --------------------------------------------------------------------------- nodes


_ROLE_LABEL_PREFIX = "node-role.kubernetes.io/"
_ROLE_LABEL = "kubernetes.io/role"


def _node_roles(obj: Obj) -> str:
    roles = set()
    for key, value in as_dict(at(obj, "metadata", "labels")).items():
        if key.startswith(_ROLE_LABEL_PREFIX) and key[len(_ROLE_LABEL_PREFIX) :]:
            roles.add(key[len(_ROLE_LABEL_PREFIX) :])
        elif key == _ROLE_LABEL and text(value):
            roles.add(text(value))
    return ",".join(sorted(roles)) or "<none>"


def _node_status(obj: Obj) -> str:
    states = []
    for condition in dicts(at(obj, "status", "conditions")):
        if condition.get("type") == "Ready":
            states = ["Ready" if condition.get("status") == "True" else "NotReady"]
    if not states:
        states = ["Unknown"]
    if at(obj, "spec", "unschedulable") is True:
        states.append("SchedulingDisabled")
    return ",".join(states)


def _node_address(obj: Obj, type_: str) -> str:
    for address in dicts(at(obj, "status", "addresses")):
        if address.get("type") == type_:
            return text(address.get("address"))
    return "<none>"


def _node_row(obj: Obj, now: datetime) -> Cells:
    info = as_dict(at(obj, "status", "nodeInfo"))
    return [
        name_of(obj),
        _node_status(obj),
        _node_roles(obj),
        age(obj, now),
        text(info.get("kubeletVersion")),
        _node_address(obj, "InternalIP"),
        _node_address(obj, "ExternalIP"),
        text(info.get("osImage")) or "<unknown>",
        text(info.get("kernelVersion")) or "<unknown>",
        text(info.get("containerRuntimeVersion")) or "<unknown>",
    ]


_NODE_COLUMNS = [
    NAME,
    column("Status", "The status of the node"),
    column("Roles", "The roles of the node"),
    AGE,
    column("Version", "Kubelet version reported by the node."),
    column("Internal-IP", "The node's InternalIP address.", priority=1),
    column("External-IP", "The node's ExternalIP address.", priority=1),
    column("OS-Image", "OS image reported by the node.", priority=1),
    column("Kernel-Version", "Kernel version reported by the node.", priority=1),
    column("Container-Runtime", "Container runtime version reported by the node.", priority=1),
]

# --------------------------------------------------------------------------- config & misc


def _namespace_row(obj: Obj, now: datetime) -> Cells:
    return [name_of(obj), text(at(obj, "status", "phase")) or "Active", age(obj, now)]


_NAMESPACE_COLUMNS = [NAME, column("Status", "The status of the namespace"), AGE]


# --------------------------------------------------------------------------- events


def _event_source(obj: Obj) -> str:
    source = as_dict(obj.get("source"))
    component = text(source.get("component")) or text(obj.get("reportingController"))
    host = text(source.get("host")) or text(obj.get("reportingInstance"))
    return f"{component}, {host}" if host else component


def _event_row(obj: Obj, now: datetime) -> Cells:
    first = obj.get("firstTimestamp")
    first_seen = since(first if first else obj.get("eventTime"), now)
    last = obj.get("lastTimestamp")
    last_seen = since(last, now) if last else first_seen
    count = integer(obj.get("count"))
    series = obj.get("series")
    if isinstance(series, dict):
        last_seen = since(series.get("lastObservedTime"), now)
        count = integer(series.get("count"))
    elif count == 0:
        count = 1  # singleton events of the events.k8s.io API carry no count
    involved = as_dict(obj.get("involvedObject"))
    kind, name = text(involved.get("kind")).lower(), text(involved.get("name"))
    return [
        last_seen,
        text(obj.get("type")),
        text(obj.get("reason")),
        f"{kind}/{name}" if name else kind,
        text(involved.get("fieldPath")),
        _event_source(obj),
        text(obj.get("message")).strip(),
        first_seen,
        count,
        name_of(obj),
    ]


_EVENT_COLUMNS = [
    column("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
    column("Type", "Type of this event (Normal, Warning)."),
    column("Reason", "A short, machine understandable string for the event."),
    column("Object", "The object that this event is about."),
    column("Subobject", "The part of the object the event is about.", priority=1),
    column("Source", "The component reporting this event.", priority=1),
    column("Message", "A human-readable description of the event."),
    column("First Seen", "The time at which the event was first recorded.", priority=1),
    column("Count", "The number of times this event has occurred.", priority=1),
    column("Name", "Name must be unique within a namespace.", priority=1, fmt="name"),
]

# --------------------------------------------------------------------------- autoscaling


# --------------------------------------------------------------------------- fallback


def _default_row(obj: Obj, now: datetime) -> Cells:
    return [name_of(obj), text(at(obj, "metadata", "creationTimestamp"))]


_DEFAULT_COLUMNS = [
    NAME,
    column("Created At", "The time the server created this object.", type_="date"),
]
DEFAULT_PRINTER = Printer(tuple(_DEFAULT_COLUMNS), _default_row)
