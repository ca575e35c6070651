"""The building blocks of `mkctl describe` output, shared by the per-kind describers.

`Writer` collects tab-separated cells at indentation levels and aligns them with Go's
tabwriter rules (padding 2), exactly as kubectl's describe output is aligned: a key column
is as wide as the widest key of the run of consecutive lines that have one. `Related` is
what the command fetched besides the object. The section writers here (labels,
containers, pod templates, conditions, events, ...) are pure and tolerate objects with any
field missing; the accessors (`dict_of`, `text_of`, ...) are how they stay tolerant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import printers

__all__ = [
    "LAST_APPLIED",
    "Obj",
    "Related",
    "Writer",
    "annotations_lines",
    "condition_table",
    "container_section",
    "controlled_by_line",
    "dict_of",
    "dicts_of",
    "events_section",
    "header_lines",
    "labels_lines",
    "list_of",
    "meta_of",
    "pod_template_section",
    "selector_string",
    "text_of",
    "tolerations_section",
    "node_selector_line",
    "owned_pods",
    "pods_status",
    "volumes_section",
]

Obj = dict[str, Any]
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class Writer:
    """Lines of tab-separated cells at indentation levels (two spaces each)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, level: int, *cells: Any) -> None:
        self.lines.append("  " * level + "\t".join(str(c) for c in cells))

    def raw(self, text: str) -> None:
        self.lines.append(text)

    def render(self) -> str:
        rows = [text.split("\t") for text in self.lines]
        return "\n".join(printers.tabwrite(rows, minwidth=0, padding=2)) + "\n"


@dataclass
class Related:
    """What describe fetched besides the object."""

    events: list[Obj] | None = None  # None: not looked up (no Events section)
    pods: list[Obj] = field(default_factory=list)  # selected by a workload / on a node
    replica_sets: list[Obj] = field(default_factory=list)  # of a deployment
    endpoints: Obj | None = None  # of a service
    lease: Obj | None = None  # of a node (kube-node-lease/<node>)
    lease_error: str = ""  # why the node's lease could not be read
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


# --------------------------------------------------------------------------- helpers


def dict_of(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def list_of(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def dicts_of(value: Any) -> list[dict[str, Any]]:
    return [v for v in list_of(value) if isinstance(v, dict)]


def text_of(value: Any, default: str = "") -> str:
    if value is None:
        return default
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def meta_of(obj: Obj) -> dict[str, Any]:
    return dict_of(obj.get("metadata"))


def map_lines(w: Writer, title: str, values: Any, sep: str, skip: tuple[str, ...] = ()) -> None:
    """`Labels:\ta=b` then `\tc=d` on the next lines; `<none>` when empty."""
    items = [(k, v) for k, v in sorted(dict_of(values).items()) if k not in skip]
    if not items:
        w.line(0, f"{title}:", "<none>")
        return
    for i, (k, v) in enumerate(items):
        w.line(0, f"{title}:" if i == 0 else "", f"{k}{sep}{v}")


def labels_lines(w: Writer, obj: Obj) -> None:
    map_lines(w, "Labels", meta_of(obj).get("labels"), "=")


def annotations_lines(w: Writer, obj: Obj) -> None:
    map_lines(w, "Annotations", meta_of(obj).get("annotations"), ": ", (LAST_APPLIED,))


def selector_string(selector: Any) -> str:
    """A LabelSelector as the string form the API accepts (`app=web,tier in (a,b)`)."""
    parts = [f"{k}={v}" for k, v in sorted(dict_of(dict_of(selector).get("matchLabels")).items())]
    for expr in dicts_of(dict_of(selector).get("matchExpressions")):
        key = text_of(expr.get("key"))
        values = ",".join(sorted(text_of(v) for v in list_of(expr.get("values"))))
        op = text_of(expr.get("operator"))
        parts.append(
            {
                "In": f"{key} in ({values})",
                "NotIn": f"{key} notin ({values})",
                "Exists": key,
                "DoesNotExist": f"!{key}",
            }.get(op, f"{key} {op} ({values})")
        )
    return ",".join(parts)


def condition_table(
    w: Writer, conditions: Any, columns: list[tuple[str, str]], spaced: int = 1
) -> None:
    """A conditions table; the first `spaced` cells of each row end with a space, which
    widens those columns by one, as kubectl's format strings do."""
    rows = dicts_of(conditions)
    if not rows:
        return
    w.line(0, "Conditions:")
    w.line(1, *[title for title, _ in columns])
    w.line(1, *["-" * len(title) for title, _ in columns])
    for c in rows:
        cells = []
        for i, (_, key) in enumerate(columns):
            value = c.get(key)
            text = printers.format_time(value) if key.endswith("Time") else text_of(value)
            cells.append(text + " " if i < spaced else text)
        w.line(1, *cells)


# --------------------------------------------------------------------------- containers


def _port_text(port: dict[str, Any], key: str) -> str:
    number = port.get(key)
    return f"{number if number is not None else 0}/{text_of(port.get('protocol'), 'TCP')}"


def _state_lines(w: Writer, title: str, state: Any) -> None:
    state = dict_of(state)
    if "running" in state:
        w.line(2, f"{title}:", "Running")
        w.line(3, "Started:", printers.format_time(dict_of(state["running"]).get("startedAt")))
    elif "waiting" in state:
        w.line(2, f"{title}:", "Waiting")
        reason = dict_of(state["waiting"]).get("reason")
        if reason:
            w.line(3, "Reason:", reason)
    elif "terminated" in state:
        t = dict_of(state["terminated"])
        w.line(2, f"{title}:", "Terminated")
        if t.get("reason"):
            w.line(3, "Reason:", t["reason"])
        if t.get("message"):
            w.line(3, "Message:", t["message"])
        w.line(3, "Exit Code:", text_of(t.get("exitCode"), "0"))
        if t.get("signal"):
            w.line(3, "Signal:", t["signal"])
        w.line(3, "Started:", printers.format_time(t.get("startedAt")))
        w.line(3, "Finished:", printers.format_time(t.get("finishedAt")))
    elif title == "State":
        w.line(2, f"{title}:", "Waiting")


def _env_lines(w: Writer, level: int, env: Any) -> None:
    items = dicts_of(env)
    if not items:
        w.line(level, "Environment:", "<none>")
        return
    w.line(level, "Environment:")
    for e in items:
        source = dict_of(e.get("valueFrom"))
        if "value" in e or not source:
            w.line(level + 1, f"{text_of(e.get('name'))}:", text_of(e.get("value")))
        elif "configMapKeyRef" in source:
            ref = dict_of(source["configMapKeyRef"])
            w.line(
                level + 1,
                f"{text_of(e.get('name'))}:",
                f"<set to the key '{text_of(ref.get('key'))}' of config map "
                f"'{text_of(ref.get('name'))}'>",
            )
        elif "secretKeyRef" in source:
            ref = dict_of(source["secretKeyRef"])
            w.line(
                level + 1,
                f"{text_of(e.get('name'))}:",
                f"<set to the key '{text_of(ref.get('key'))}' in secret "
                f"'{text_of(ref.get('name'))}'>",
            )
        elif "fieldRef" in source:
            ref = dict_of(source["fieldRef"])
            w.line(
                level + 1,
                f"{text_of(e.get('name'))}:",
                f" ({text_of(ref.get('apiVersion'), 'v1')}:{text_of(ref.get('fieldPath'))})",
            )
        else:
            w.line(level + 1, f"{text_of(e.get('name'))}:", "<set from a source>")


def container_section(
    w: Writer, c: dict[str, Any], status: dict[str, Any] | None, name_prefix: str
) -> None:
    """One container; level 1 is its name line, level 2 its fields."""
    w.raw(f"{name_prefix}{text_of(c.get('name'))}:")
    if status is not None and status.get("containerID"):
        w.line(2, "Container ID:", status["containerID"])
    w.line(2, "Image:", text_of(c.get("image")))
    if status is not None:
        w.line(2, "Image ID:", text_of(status.get("imageID")))
    ports = dicts_of(c.get("ports"))
    if not ports:
        w.line(2, "Port:", "<none>")
        w.line(2, "Host Port:", "<none>")
    else:
        w.line(2, "Port:", ", ".join(_port_text(p, "containerPort") for p in ports))
        w.line(2, "Host Port:", ", ".join(_port_text(p, "hostPort") for p in ports))
    for title, key in (("Command", "command"), ("Args", "args")):
        words = list_of(c.get(key))
        if words:
            w.line(2, f"{title}:")
            for v in words:
                w.line(3, text_of(v))
    if status is not None:
        _state_lines(w, "State", status.get("state"))
        if dict_of(status.get("lastState")):
            _state_lines(w, "Last State", status.get("lastState"))
        w.line(2, "Ready:", "True" if status.get("ready") else "False")
        w.line(2, "Restart Count:", text_of(status.get("restartCount"), "0"))
    resources = dict_of(c.get("resources"))
    for title, key in (("Limits", "limits"), ("Requests", "requests")):
        values = dict_of(resources.get(key))
        if key == "requests" and not values:
            values = dict_of(resources.get("limits"))  # requests default to limits
        if values:
            w.line(2, f"{title}:")
            for k in sorted(values):
                w.line(3, f"{k}:", text_of(values[k]))
    _env_lines(w, 2, c.get("env"))
    mounts = dicts_of(c.get("volumeMounts"))
    if not mounts:
        w.line(2, "Mounts:", "<none>")
    else:
        w.line(2, "Mounts:")
        for m in mounts:
            mode = "ro" if m.get("readOnly") else "rw"
            w.line(3, f"{text_of(m.get('mountPath'))} from {text_of(m.get('name'))} ({mode})")


def volumes_section(w: Writer, level: int, volumes: Any) -> None:
    items = dicts_of(volumes)
    if not items:
        w.line(level, "Volumes:", "<none>")
        return
    w.line(level, "Volumes:")
    for v in items:
        w.line(level + 1, f"{text_of(v.get('name'))}:")
        kind = next((k for k in v if k != "name"), "")
        w.line(level + 2, "Type:", kind or "<unknown>")
        for k, value in sorted(dict_of(v.get(kind)).items()):
            w.line(level + 2, f"{k}:", text_of(value))


def tolerations_section(w: Writer, level: int, tolerations: Any) -> None:
    items = dicts_of(tolerations)
    if not items:
        w.line(level, "Tolerations:", "<none>")
        return
    for i, t in enumerate(items):
        text = text_of(t.get("key"))
        if t.get("value"):
            text += f"={t['value']}"
        if t.get("effect"):
            text += f":{t['effect']}"
        if t.get("operator") == "Exists" and not t.get("key"):
            text = "op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        w.line(level, "Tolerations:" if i == 0 else "", text)


def node_selector_line(w: Writer, level: int, selector: Any) -> None:
    items = sorted(dict_of(selector).items())
    text = ",".join(f"{k}={v}" for k, v in items)
    w.line(level, "Node-Selectors:", text or "<none>")


def pod_template_section(w: Writer, template: Any) -> None:
    template = dict_of(template)
    spec = dict_of(template.get("spec"))
    w.line(0, "Pod Template:")
    # One label (annotation) a line, as kubectl's printLabelsMultiline.
    labels = sorted(dict_of(meta_of(template).get("labels")).items())
    if not labels:
        w.line(1, "Labels:", "<none>")
    for i, (k, v) in enumerate(labels):
        w.line(1, "Labels:" if i == 0 else "", f"{k}={v}")
    annotations = sorted(dict_of(meta_of(template).get("annotations")).items())
    for i, (k, v) in enumerate(annotations):
        w.line(1, "Annotations:" if i == 0 else "", f"{k}: {v}")
    if spec.get("serviceAccountName"):
        w.line(1, "Service Account:", spec["serviceAccountName"])
    for title, key in (("Init Containers", "initContainers"), ("Containers", "containers")):
        containers = dicts_of(spec.get(key))
        if key == "initContainers" and not containers:
            continue
        w.line(1, f"{title}:")
        for c in containers:
            container_section(w, c, None, "   ")
    volumes_section(w, 1, spec.get("volumes"))
    node_selector_line(w, 1, spec.get("nodeSelector"))
    tolerations_section(w, 1, spec.get("tolerations"))


# --------------------------------------------------------------------------- events


def _event_time(e: Obj) -> str:
    return text_of(
        e.get("lastTimestamp")
        or e.get("eventTime")
        or dict_of(e.get("series")).get("lastObservedTime")
        or meta_of(e).get("creationTimestamp")
    )


def _event_age(e: Obj, now: datetime) -> str:
    first = e.get("firstTimestamp") or e.get("eventTime") or meta_of(e).get("creationTimestamp")
    count = e.get("count") or dict_of(e.get("series")).get("count") or 1
    if isinstance(count, int) and count > 1:
        return f"{printers.age(_event_time(e), now)} (x{count} over {printers.age(first, now)})"
    return printers.age(first or _event_time(e), now)


def _event_source(e: Obj) -> str:
    source = dict_of(e.get("source"))
    if source.get("component"):
        host = source.get("host")
        return f"{source['component']}, {host}" if host else text_of(source["component"])
    controller = text_of(e.get("reportingController"))
    instance = text_of(e.get("reportingInstance"))
    return f"{controller}, {instance}" if controller and instance else controller


def events_section(w: Writer, events: list[Obj] | None, now: datetime) -> None:
    if events is None:
        return
    if not events:
        w.line(0, "Events:", "<none>")
        return
    w.line(0, "Events:")
    w.line(1, "Type", "Reason", "Age", "From", "Message")
    w.line(1, "----", "------", "----", "----", "-------")
    for e in sorted(events, key=_event_time):
        w.line(
            1,
            text_of(e.get("type")),
            text_of(e.get("reason")),
            _event_age(e, now),
            _event_source(e),
            text_of(e.get("message") or e.get("note")).strip(),
        )


def pods_status(pods: list[Obj]) -> str:
    """`1 Running / 0 Waiting / 0 Succeeded / 0 Failed` of a controller's pods."""
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for p in pods:
        phase = text_of(dict_of(p.get("status")).get("phase"), "Pending")
        if phase in counts:
            counts[phase] += 1
    return (
        f"{counts['Running']} Running / {counts['Pending']} Waiting / "
        f"{counts['Succeeded']} Succeeded / {counts['Failed']} Failed"
    )


def owned_pods(obj: Obj, pods: list[Obj]) -> list[Obj]:
    """The pods `obj` controls (kubectl counts only those, not every selected pod)."""
    uid = meta_of(obj).get("uid")
    return [
        p
        for p in pods
        if any(
            r.get("controller") and r.get("uid") == uid
            for r in dicts_of(meta_of(p).get("ownerReferences"))
        )
    ]


def controlled_by_line(w: Writer, obj: Obj) -> None:
    for ref in dicts_of(meta_of(obj).get("ownerReferences")):
        if ref.get("controller"):
            w.line(0, "Controlled By:", f"{text_of(ref.get('kind'))}/{text_of(ref.get('name'))}")


def header_lines(w: Writer, obj: Obj, *, timestamp_first: bool, timestamp: bool = True) -> None:
    meta = meta_of(obj)
    w.line(0, "Name:", text_of(meta.get("name")))
    if meta.get("namespace"):
        w.line(0, "Namespace:", text_of(meta.get("namespace")))
    if timestamp and timestamp_first:
        w.line(0, "CreationTimestamp:", printers.format_time(meta.get("creationTimestamp")))
    labels_lines(w, obj)
    annotations_lines(w, obj)
    if timestamp and not timestamp_first:
        w.line(0, "CreationTimestamp:", printers.format_time(meta.get("creationTimestamp")))
